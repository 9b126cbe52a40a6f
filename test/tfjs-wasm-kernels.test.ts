// The gradient kernels the TensorFlow.js WASM peer adds to the WASM backend (bench/tfjs-wasm-kernels.ts),
// checked on the real WASM backend in Node against the CPU backend's own kernels: the conv2d weight gradient
// for 'same' and 'valid' padding, strides 1 and 2, 3×3 and 1×1, and the segment sum behind tf.gather's
// gradient; neither may leak a tensor.
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerComposedKernels } from '../bench/tfjs-wasm-kernels.ts';

// The package's Node bundle (CommonJS; loads its .wasm from node_modules).
createRequire(import.meta.url)('@tensorflow/tfjs-backend-wasm');

/** The same kernel call on the WASM backend (the composed kernels) and on the CPU backend (its own). */
async function both(f: () => tf.Tensor): Promise<{ wasm: Float32Array; cpu: Float32Array; leaked: number }> {
  const once = async (backend: string) => {
    await tf.setBackend(backend);
    const r = f();
    const d = r.dataSync() as Float32Array;
    r.dispose();
    return d;
  };
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const wasm = await once('wasm');
  const leaked = tf.memory().numTensors - before;
  return { wasm, cpu: await once('cpu'), leaked };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('TensorFlow.js WASM peer: composed gradient kernels', () => {
  it('registers Conv2DBackpropFilter and UnsortedSegmentSum where the WASM backend has none', () => {
    expect(registerComposedKernels('wasm')).toEqual(['Conv2DBackpropFilter', 'UnsortedSegmentSum']);
    expect(registerComposedKernels('wasm')).toEqual([]);
  });

  it.each([
    [2, 8, 3, 4, 3, 1, 'same'],
    [2, 8, 3, 4, 3, 2, 'same'],
    [2, 7, 3, 5, 1, 1, 'valid'],
    [2, 9, 2, 3, 3, 2, 'valid'],
  ] as const)('conv2d weight gradient N%i H%i C%i O%i k%i s%i %s matches the CPU backend', async (N, H, C, O, K, s, pad) => {
    registerComposedKernels('wasm');
    const OH = pad === 'same' ? Math.ceil(H / s) : Math.floor((H - K) / s) + 1;
    const xv = Float32Array.from({ length: N * H * H * C }, (_, i) => Math.sin(i * 0.7));
    const dyv = Float32Array.from({ length: N * OH * OH * O }, (_, i) => Math.cos(i * 0.3));
    const r = await both(() => tf.tidy(() => tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(xv, [N, H, H, C]), dy: tf.tensor4d(dyv, [N, OH, OH, O]) },
      { strides: [s, s], pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [K, K, C, O] } as never) as tf.Tensor));
    expect(r.wasm).toHaveLength(K * K * C * O);
    expect(maxDiff(r.wasm, r.cpu)).toBeLessThan(1e-4);
    expect(r.leaked).toBe(0);
  });

  it('segment sum (the gradient of tf.gather) matches the CPU backend', async () => {
    registerComposedKernels('wasm');
    const r = await both(() => tf.tidy(() => tf.engine().runKernel('UnsortedSegmentSum', { x: tf.tensor2d(Float32Array.from({ length: 30 }, (_, i) => i * 0.5 - 3), [5, 6]), segmentIds: tf.tensor1d([1, 3, 3, 10, 0], 'int32') },
      { numSegments: 11 } as never) as tf.Tensor));
    expect(r.wasm).toHaveLength(66);
    expect(maxDiff(r.wasm, r.cpu)).toBeLessThan(1e-5);
    expect(r.leaked).toBe(0);
  });
});
