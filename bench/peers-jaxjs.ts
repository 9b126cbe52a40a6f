// jax-js (@jax-js/jax, WebGPU device) peers for the benchmark page, from its public API on the same adapter:
// lax.conv (NCHW / OIHW like ours) and its vjp for both backprops, matmul, GroupNorm+SiLU and attention
// composed from numpy ops, gradients through vjp. Timed like the TensorFlow.js peer: median of
// (op + `await result.data()`), and separately the median GPU time of the kernels it dispatched, from its
// own profiler (`profiler.startTrace`: timestamp queries per dispatch, reported as performance.measure
// entries on the "JAX Profiler" track). jax-js arrays are reference counted: every op consumes its
// arguments, so inputs that are reused are passed as `.ref`.
import { defaultDevice, init, lax, nn, numpy as np, profiler, random, vjp, type Array as JArray } from '@jax-js/jax';
import type { PeerRunner, PeerTime } from './suite.ts';
import type { ConvShape } from '../test/reference/conv2d.ts';

const mid = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** jax-js's WebGPU kernel measures recorded so far (each one dispatch, GPU begin to end). */
function kernelMeasures(): PerformanceEntry[] {
  return performance.getEntriesByType('measure').filter((e) => {
    const d = (e as PerformanceMeasure).detail as { devtools?: { trackGroup?: string; track?: string } } | null;
    return d?.devtools?.trackGroup === 'JAX Profiler' && d.devtools.track === 'webgpu';
  });
}

/** GPU ms of the kernels one call dispatches, or null when jax-js records none (no timestamp queries). */
async function kernelMs(f: () => JArray[]): Promise<number | null> {
  performance.clearMeasures();
  profiler.startTrace();
  for (const a of f()) await a.data();
  profiler.stopTrace();
  // The timestamps come back through a mapped buffer after the results do: wait until the count settles.
  let seen = -1;
  for (let i = 0; i < 50; i++) {
    const n = kernelMeasures().length;
    if (n === seen && (n > 0 || i >= 10)) break;
    seen = n;
    await sleep(10);
  }
  const entries = kernelMeasures();
  performance.clearMeasures();
  return entries.length ? entries.reduce((a, e) => a + e.duration, 0) : null;
}

async function median(reps: number, f: () => JArray | JArray[]): Promise<PeerTime> {
  const outputs = () => {
    const r = f();
    return Array.isArray(r) ? r : [r];
  };
  const once = async () => {
    const t0 = performance.now();
    for (const a of outputs()) await a.data(); // data() consumes the array
    return performance.now() - t0;
  };
  await once(); // warm-up (kernel compilation)
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push(await once());
  // Kernel time in runs of its own: tracing adds a timestamp pair per dispatch and a readback of them.
  const kernels: number[] = [];
  for (let i = 0; i < reps; i++) {
    const k = await kernelMs(outputs);
    if (k !== null) kernels.push(k);
  }
  return { ms: mid(times), kernelMs: kernels.length === reps ? mid(kernels) : null };
}

export async function jaxjsPeer(): Promise<PeerRunner> {
  const available = await init('webgpu');
  if (!available.includes('webgpu')) throw new Error('jax-js: the webgpu device did not initialise');
  defaultDevice('webgpu');
  // A fresh PRNG key per input, counted per peer (inputs only need to differ, not to be reproducible).
  let keys = 0;
  const normal = (shape: number[]) => random.normal(random.key(++keys), shape);
  return {
    name: 'jax-js 0.1.25 webgpu',
    key: 'jaxjs',
    async conv2d(dir: string, s: ConvShape, reps: number) {
      const x = normal([s.N, s.C_in, s.H, s.W]);
      const w = normal([s.C_out, s.C_in, s.K, s.K]);
      const pads: [number, number][] = [[s.pad, s.pad], [s.pad, s.pad]];
      const conv = (xx: JArray, ww: JArray) => lax.conv(xx, ww, [s.stride, s.stride], pads);
      const OH = Math.floor((s.H + 2 * s.pad - s.K) / s.stride) + 1;
      const dy = normal([s.N, s.C_out, OH, OH]);
      let ms: PeerTime;
      if (dir === 'forward') {
        ms = await median(reps, () => conv(x.ref, w.ref));
      } else {
        // vjp gives both cotangents; the unneeded one is dropped unread (jax-js computes what it is asked for lazily).
        ms = await median(reps, () => {
          const [y, back] = vjp(conv, [x.ref, w.ref]);
          y.dispose();
          const [dx, dw] = back(dy.ref) as JArray[];
          back.dispose?.();
          if (dir === 'backward_input') {
            dw.dispose();
            return dx;
          }
          dx.dispose();
          return dw;
        });
      }
      x.dispose();
      w.dispose();
      dy.dispose();
      return ms;
    },
    async matmul(M: number, K: number, N: number, reps: number) {
      const a = normal([M, K]);
      const b = normal([K, N]);
      const ms = await median(reps, () => np.matmul(a.ref, b.ref));
      a.dispose();
      b.dispose();
      return ms;
    },
    async linearBackward(M: number, K: number, N: number, reps: number) {
      const x = normal([M, K]);
      const w = normal([N, K]);
      const dy = normal([M, N]);
      const ms = await median(reps, () => [np.matmul(dy.ref, w.ref), np.matmul(np.swapaxes(dy.ref, 0, 1), x.ref), np.sum(dy.ref, 0)]);
      for (const a of [x, w, dy]) a.dispose();
      return ms;
    },
    async groupNormSilu(dir: string, N: number, C: number, H: number, G: number, reps: number) {
      const x = normal([N, C, H, H]);
      const dy = normal([N, C, H, H]);
      const gn = (v: JArray) => {
        const g = v.reshape([N, G, (C / G) * H * H]);
        const mean = np.mean(g.ref, -1, { keepdims: true });
        const centered = g.sub(mean);
        const variance = np.mean(np.square(centered.ref), -1, { keepdims: true });
        const z = centered.div(np.sqrt(variance.add(1e-5))).reshape([N, C, H, H]);
        return nn.silu(z);
      };
      let ms: PeerTime;
      if (dir === 'forward') ms = await median(reps, () => gn(x.ref));
      else {
        ms = await median(reps, () => {
          const [y, back] = vjp(gn, [x.ref]);
          y.dispose();
          const [dx] = back(dy.ref) as JArray[];
          back.dispose?.();
          return dx;
        });
      }
      x.dispose();
      dy.dispose();
      return ms;
    },
    async attention(dir: string, N: number, C: number, L: number, heads: number, reps: number) {
      const D = C / heads;
      const q = normal([N * heads, L, D]);
      const k = normal([N * heads, L, D]);
      const v = normal([N * heads, L, D]);
      const dout = normal([N * heads, L, D]);
      const attn = (qq: JArray, kk: JArray, vv: JArray) => np.matmul(nn.softmax(np.matmul(qq, np.swapaxes(kk, 1, 2)).mul(1 / Math.sqrt(D)), -1), vv);
      let ms: PeerTime;
      if (dir === 'forward') ms = await median(reps, () => attn(q.ref, k.ref, v.ref));
      else {
        ms = await median(reps, () => {
          const [y, back] = vjp(attn, [q.ref, k.ref, v.ref]);
          y.dispose();
          const grads = back(dout.ref) as JArray[];
          back.dispose?.();
          return grads;
        });
      }
      for (const a of [q, k, v, dout]) a.dispose();
      return ms;
    },
  };
}
