// Gradient kernels that TensorFlow.js's WASM backend (4.22) does not register, built here from kernels it
// does have, so that the WASM peer can run the conv2d weight gradient and a whole UNet training step:
//  - Conv2DBackpropFilter (the weight gradient of tf.conv2d): one dilated convolution through the backend's own
//    Conv2D (XNNPACK) on transposed operands — dW[kh,kw,c,o] = Σ_{n,oh,ow} xpad[n, oh·s + kh, ow·s + kw, c] ·
//    dy[n,oh,ow,o] is a convolution of x seen as C images of N channels ([C, H, W, N]) with dy seen as an
//    OH×OW filter ([OH, OW, N, O]) dilated by the stride, giving [C, K, K, O], transposed to [K, K, C, O];
//  - UnsortedSegmentSum (the gradient of tf.gather, used by the class embedding): one-hot(ids)ᵀ · values.
// Without them the backend throws "Kernel '…' not registered for backend 'wasm'": tfjs-core has no fallback
// to another backend. Platform neutral; test/tfjs-wasm-kernels.test.ts checks them against the CPU backend.
import * as tf from '@tensorflow/tfjs-core';

type Info = tf.TensorInfo;

/** A Tensor for a kernel input (which may arrive as a bare TensorInfo), and whether it must be disposed. */
function asTensor(t: Info, backend: tf.KernelBackend): [tf.Tensor, boolean] {
  if (t instanceof tf.Tensor) return [t, false];
  backend.incRef(t.dataId); // the wrapper's dispose gives this reference back
  return [tf.engine().makeTensorFromTensorInfo(t, backend), true];
}

/**
 * Runs `f` on the inputs as Tensors and returns its result as the kernel's output: the result's data gets
 * one more reference before the result is disposed, so the engine's tensor for the output owns it alone.
 */
function composed(backend: tf.KernelBackend, inputs: Info[], f: (...t: tf.Tensor[]) => tf.Tensor): Info {
  const wrapped = inputs.map((i) => asTensor(i, backend));
  try {
    const r = tf.tidy(() => f(...wrapped.map(([t]) => t)));
    backend.incRef(r.dataId);
    const out = { dataId: r.dataId, shape: r.shape, dtype: r.dtype };
    r.dispose();
    return out;
  } finally {
    for (const [t, own] of wrapped) if (own) t.dispose();
  }
}

function conv2dBackpropFilter({ inputs, attrs, backend }: Parameters<tf.KernelFunc>[0]): Info {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: [number, number] | number; pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number];
  };
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter (composed): NHWC only');
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { top, bottom, left, right } = info.padInfo;
  const [K, L] = [info.filterHeight, info.filterWidth];
  return composed(backend as tf.KernelBackend, [x, dy], (xt, dyt) => {
    const xs = tf.transpose(xt, [3, 1, 2, 0]) as tf.Tensor4D; // [C, H, W, N]
    const f = tf.transpose(dyt, [1, 2, 0, 3]) as tf.Tensor4D; // [OH, OW, N, O]
    const padding: tf.backend_util.ExplicitPadding = [[0, 0], [top, bottom], [left, right], [0, 0]];
    let g = tf.conv2d(xs, f, 1, padding, 'NHWC', [info.strideHeight, info.strideWidth]); // [C, ≥K, ≥L, O]
    if (g.shape[1] !== K || g.shape[2] !== L) g = tf.slice(g, [0, 0, 0, 0], [-1, K, L, -1]);
    return tf.transpose(g, [1, 2, 0, 3]); // [K, L, C, O]
  });
}

function unsortedSegmentSum({ inputs, attrs, backend }: Parameters<tf.KernelFunc>[0]): Info {
  const { x, segmentIds } = inputs as { x: Info; segmentIds: Info };
  const { numSegments } = attrs as unknown as { numSegments: number };
  return composed(backend as tf.KernelBackend, [x, segmentIds], (xt, ids) => {
    const n = ids.size;
    const rows = tf.reshape(xt, [n, xt.size / n]);
    const sums = tf.matMul(tf.oneHot(tf.reshape(tf.cast(ids, 'int32'), [n]), numSegments), rows, true, false); // [S, rest]
    return tf.reshape(sums, [numSegments, ...xt.shape.slice(ids.rank)]);
  });
}

/** The kernels registered here; each only where `backendName` has none of its own. */
export const COMPOSED_KERNELS: Record<string, tf.KernelFunc> = {
  Conv2DBackpropFilter: conv2dBackpropFilter as tf.KernelFunc,
  UnsortedSegmentSum: unsortedSegmentSum as tf.KernelFunc,
};

/** Registers the missing kernels for a backend; returns the names it registered. */
export function registerComposedKernels(backendName: string): string[] {
  const added: string[] = [];
  for (const [kernelName, kernelFunc] of Object.entries(COMPOSED_KERNELS)) {
    if (tf.getKernel(kernelName, backendName)) continue;
    tf.registerKernel({ kernelName, backendName, kernelFunc });
    added.push(kernelName);
  }
  return added;
}
