// jax-js (@jax-js/jax, WebGPU device) peers for the benchmark page, from its public API on the same adapter:
// lax.conv (NCHW / OIHW like ours) and its vjp for both backprops, matmul, GroupNorm+SiLU and attention
// composed from numpy ops, gradients through vjp. Timed like the TensorFlow.js peer: median of
// (op + `await result.data()`). jax-js arrays are reference counted: every op consumes its arguments,
// so inputs that are reused are passed as `.ref`.
import { defaultDevice, init, lax, nn, numpy as np, random, vjp, type Array as JArray } from '@jax-js/jax';
import type { PeerRunner } from './suite.ts';
import type { ConvShape } from '../test/reference/conv2d.ts';

async function median(reps: number, f: () => JArray | JArray[]): Promise<number> {
  const once = async () => {
    const t0 = performance.now();
    const r = f();
    const list = Array.isArray(r) ? r : [r];
    for (const a of list) await a.data(); // data() consumes the array
    return performance.now() - t0;
  };
  await once(); // warm-up (kernel compilation)
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push(await once());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

let keyCounter = 0;
const normal = (shape: number[]) => random.normal(random.key(++keyCounter), shape);

export async function jaxjsPeer(): Promise<PeerRunner> {
  const available = await init('webgpu');
  if (!available.includes('webgpu')) throw new Error('jax-js: the webgpu device did not initialise');
  defaultDevice('webgpu');
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
      let ms: number;
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
      let ms: number;
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
      let ms: number;
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
