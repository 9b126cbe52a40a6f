// Max pooling and softmax cross-entropy (the classifier's kernels): GPU vs CPU twin and the twins against
// finite differences from the op table (test/ops/pool.ts, xent.ts); here only bad input refused.
import { describe, expect, it } from 'vitest';
import { maxPool2Backward, maxPool2Forward } from '../src/ops/pool.ts';
import { crossEntropyBackward } from '../src/ops/xent.ts';
import { useGpu } from './helpers.ts';
import { checkOp, checkTwinGradients } from './ops/check.ts';
import { maxPool2BackwardSpec, maxPool2ForwardSpec } from './ops/pool.ts';
import { crossEntropyBackwardSpec, crossEntropyForwardSpec } from './ops/xent.ts';

const getGpu = useGpu();

describe('maxpool 2×2', () => {
  for (const spec of [maxPool2ForwardSpec, maxPool2BackwardSpec]) {
    checkOp(spec, getGpu);
    checkTwinGradients(spec);
  }

  it('rejects maps smaller than the window', async () => {
    const gpu = await getGpu();
    expect(() => maxPool2Forward(gpu, gpu.tensor([1, 1, 1, 4]))).toThrow(/maxpool2_forward: x \[1, 1, 1, 4\] must be at least 2×2/);
    expect(() => maxPool2Backward(gpu, gpu.tensor([1, 1, 2, 2]), gpu.tensor([1, 1, 6, 6]))).toThrow(/dy must have shape \[1, 1, 3, 3\]/);
  });
});

describe('softmax cross-entropy', () => {
  for (const spec of [crossEntropyForwardSpec, crossEntropyBackwardSpec]) {
    checkOp(spec, getGpu);
    checkTwinGradients(spec);
  }

  it('rejects float labels and mismatched rows', async () => {
    const gpu = await getGpu();
    const z = gpu.tensor([4, 10]);
    expect(() => crossEntropyBackward(gpu, z, gpu.tensor([4]))).toThrow(/cross_entropy_backward: labels must be u32, got f32/);
    expect(() => crossEntropyBackward(gpu, z, gpu.tensor([3], 'x', 'u32'))).toThrow(/labels must have shape \[4\], got \[3\]/);
  });
});
