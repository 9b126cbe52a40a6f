// TensorFlow.js peers for the benchmark page, built from its public ops and kernels: the WebGPU backend on the
// same adapter, and the WASM backend (XNNPACK on the CPU; bench/tfjs-wasm.ts) — the same code on either, the
// active backend switched per case. Each timing is the median of (op + `await result.data()`), the way a tfjs
// user gets a result, compared with our own op + readback (BenchRecord.ms_wall_readback); and, for WebGPU,
// separately, the median of the GPU time tfjs itself measures for the kernels it ran (`tf.time().kernelMs`,
// timestamp queries), compared with our kernel-only time. The WASM backend computes synchronously inside the
// op, so op + `await data()` (a copy out of its heap) is its whole cost; it has no kernel-only time.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
// tfjs-core alone registers no gradient functions; tf.grad needs them (the full @tensorflow/tfjs does this).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { PeerRunner, PeerTime } from './suite.ts';
import type { ConvShape } from '../test/reference/conv2d.ts';

const mid = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function median(reps: number, f: () => tf.Tensor | tf.Tensor[], kernelTimes: boolean): Promise<PeerTime> {
  const outputs = () => {
    const r = f();
    return Array.isArray(r) ? r : [r];
  };
  const once = async () => {
    const t0 = performance.now();
    const list = outputs();
    for (const t of list) await t.data();
    const ms = performance.now() - t0;
    tf.dispose(list);
    return ms;
  };
  // Kernel time in runs of its own: profiling gives every program its own timed pass, which changes the wall
  // time. tfjs reports 0 when the device has no timestamp queries; that is "not measured", not 0 ms.
  const kernel = async () => {
    let list: tf.Tensor[] = [];
    const info = await tf.time(() => void (list = outputs()));
    for (const t of list) await t.data();
    tf.dispose(list);
    return typeof info.kernelMs === 'number' && info.kernelMs > 0 ? info.kernelMs : null;
  };
  await once(); // warm-up (shader compilation)
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push(await once());
  if (!kernelTimes) return { ms: mid(times), kernelMs: null };
  const kernels: number[] = [];
  for (let i = 0; i < reps; i++) {
    const k = await kernel();
    if (k !== null) kernels.push(k);
  }
  return { ms: mid(times), kernelMs: kernels.length === reps ? mid(kernels) : null };
}

/** TensorFlow.js on its WebGPU backend. */
export async function tfjsPeer(): Promise<PeerRunner> {
  const use = async () => {
    if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: the webgpu backend did not initialise');
  };
  await use();
  await tf.ready();
  return tfjsOps(`tfjs ${tf.version_core} webgpu`, 'tfjs', use, true);
}

/** TensorFlow.js on its WASM backend; the name carries the flavour that runs (threads, SIMD). */
export async function tfjsWasmPeer(): Promise<PeerRunner & { flavour: import('./tfjs-wasm.ts').WasmFlavour }> {
  const { useTfjsWasm, flavourLabel } = await import('./tfjs-wasm.ts');
  const flavour = await useTfjsWasm();
  const name = `tfjs ${tf.version_core} wasm (${flavourLabel(flavour)}${flavour.composedKernels.length ? `; ${flavour.composedKernels.join(', ')} composed from its kernels` : ''})`;
  return { ...tfjsOps(name, 'tfjs_wasm', async () => void (await useTfjsWasm()), false), flavour };
}

/**
 * The ops, on whichever backend `use` makes active before each case (both peers share one tfjs engine, so
 * each case switches to its own backend and creates its inputs there, and disposes everything it made).
 */
function tfjsOps(name: string, key: PeerRunner['key'], use: () => Promise<void>, kernelTimes: boolean): PeerRunner {
  const timed = (reps: number, f: () => tf.Tensor | tf.Tensor[]) => median(reps, f, kernelTimes);
  /** Switches to this peer's backend; the function it returns warns if the case left tensors behind. */
  const begin = async (what: string) => {
    await use();
    const before = tf.memory().numTensors;
    return (ms: PeerTime) => {
      const left = tf.memory().numTensors - before;
      if (left !== 0) console.warn(`${name} ${what} left ${left} tensors undisposed`);
      return ms;
    };
  };
  return {
    name,
    key,
    async conv2d(dir: string, s: ConvShape, reps: number) {
      const end = await begin('conv2d');
      const OH = Math.floor((s.H + 2 * s.pad - s.K) / s.stride) + 1;
      const x = tf.randomNormal([s.N, s.H, s.W, s.C_in]) as tf.Tensor4D;
      const f = tf.randomNormal([s.K, s.K, s.C_in, s.C_out]) as tf.Tensor4D;
      const dy = tf.randomNormal([s.N, OH, OH, s.C_out]) as tf.Tensor4D;
      const pad = s.pad === 0 ? 'valid' : 'same';
      const attrs = { strides: [s.stride, s.stride], pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
      let ms: PeerTime;
      if (dir === 'forward') ms = await timed(reps, () => tf.conv2d(x, f, s.stride, pad));
      else if (dir === 'backward_input') ms = await timed(reps, () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: x.shape } as never) as tf.Tensor);
      else ms = await timed(reps, () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: f.shape } as never) as tf.Tensor);
      tf.dispose([x, f, dy]);
      return end(ms);
    },
    async matmul(M: number, K: number, N: number, reps: number) {
      const end = await begin('matmul');
      const a = tf.randomNormal([M, K]) as tf.Tensor2D;
      const b = tf.randomNormal([K, N]) as tf.Tensor2D;
      const ms = await timed(reps, () => tf.matMul(a, b));
      tf.dispose([a, b]);
      return end(ms);
    },
    async linearBackward(M: number, K: number, N: number, reps: number) {
      const end = await begin('linearBackward');
      const x = tf.randomNormal([M, K]) as tf.Tensor2D;
      const w = tf.randomNormal([N, K]) as tf.Tensor2D;
      const dy = tf.randomNormal([M, N]) as tf.Tensor2D;
      const ms = await timed(reps, () => [tf.matMul(dy, w), tf.matMul(dy, x, true, false), tf.sum(dy, 0)]);
      tf.dispose([x, w, dy]);
      return end(ms);
    },
    async groupNormSilu(dir: string, N: number, C: number, H: number, G: number, reps: number) {
      const end = await begin('groupNormSilu');
      const x = tf.randomNormal([N, H, H, C]) as tf.Tensor4D;
      const gamma = tf.ones([C]);
      const beta = tf.zeros([C]);
      const dy = tf.randomNormal([N, H, H, C]);
      const gn = (v: tf.Tensor) => {
        const g = tf.reshape(v, [N, H, H, G, C / G]);
        const { mean, variance } = tf.moments(g, [1, 2, 4], true);
        const xh = tf.reshape(tf.div(tf.sub(g, mean), tf.sqrt(tf.add(variance, 1e-5))), [N, H, H, C]);
        const z = tf.add(tf.mul(xh, gamma), beta);
        return tf.mul(z, tf.sigmoid(z));
      };
      const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(gn(v), dy)));
      const ms = await timed(reps, () => (dir === 'forward' ? tf.tidy(() => gn(x)) : tf.tidy(() => grad(x))));
      tf.dispose([x, gamma, beta, dy]);
      return end(ms);
    },
    async attention(dir: string, N: number, C: number, L: number, heads: number, reps: number) {
      const end = await begin('attention');
      const D = C / heads;
      const q = tf.randomNormal([N * heads, L, D]);
      const k = tf.randomNormal([N * heads, L, D]);
      const v = tf.randomNormal([N * heads, L, D]);
      const dout = tf.randomNormal([N * heads, L, D]);
      const attn = (qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) => tf.matMul(tf.softmax(tf.mul(tf.matMul(qq, kk, false, true), 1 / Math.sqrt(D))), vv);
      const grads = tf.grads((qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) => tf.sum(tf.mul(attn(qq, kk, vv), dout)));
      const ms = await timed(reps, () => (dir === 'forward' ? tf.tidy(() => attn(q, k, v)) : tf.tidy(() => grads([q, k, v]))));
      tf.dispose([q, k, v, dout]);
      return end(ms);
    },
  };
}
