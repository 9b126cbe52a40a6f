// Elementwise ops, SiLU, channel ops (add per channel, concat/split, upsample) and the reductions: GPU vs
// CPU twin and the twins' gradients from the op table (test/ops/elementwise.ts, channels.ts, reduce.ts);
// here only what the table cannot say: bad shapes refused.
import { describe, expect, it } from 'vitest';
import { add } from '../src/ops/elementwise.ts';
import { addChannel, concat, split } from '../src/ops/channels.ts';
import { useGpu } from './helpers.ts';
import { checkOp, checkTwinGradients } from './ops/check.ts';
import { addSpec, axpbySpec, mulSpec, scaleSpec, siluBackwardSpec, siluForwardSpec } from './ops/elementwise.ts';
import { addChannelBackwardSpec, addChannelForwardSpec, concatBackwardSpec, concatForwardSpec, upsample2xBackwardSpec, upsample2xForwardSpec } from './ops/channels.ts';
import { sumChannelsSpec, sumRowsSpec } from './ops/reduce.ts';

const getGpu = useGpu();

describe('elementwise', () => {
  for (const spec of [axpbySpec, addSpec, scaleSpec, mulSpec, siluForwardSpec, siluBackwardSpec]) {
    checkOp(spec, getGpu);
    checkTwinGradients(spec);
  }

  it('rejects mismatched shapes', async () => {
    const gpu = await getGpu();
    expect(() => add(gpu, gpu.tensor([2, 3]), gpu.tensor([3, 2]))).toThrow(/add: b must have shape \[2, 3\], got \[3, 2\]/);
  });
});

describe('channel ops', () => {
  for (const spec of [addChannelForwardSpec, addChannelBackwardSpec, concatForwardSpec, concatBackwardSpec, upsample2xForwardSpec, upsample2xBackwardSpec]) {
    checkOp(spec, getGpu);
    checkTwinGradients(spec);
  }

  it('rejects mismatched maps', async () => {
    const gpu = await getGpu();
    expect(() => concat(gpu, gpu.tensor([1, 2, 4, 4]), gpu.tensor([1, 2, 4, 5]))).toThrow(/concat: a \[1, 2, 4, 4\] and b \[1, 2, 4, 5\] differ outside the channel axis/);
    expect(() => addChannel(gpu, gpu.tensor([2, 3, 4, 4]), gpu.tensor([2, 4]))).toThrow(/add_channel: e must have shape \[2, 3\], got \[2, 4\]/);
    expect(() => split(gpu, gpu.tensor([1, 4, 2, 2]), 4)).toThrow(/split: split point 4 must be inside \(0, 4\)/);
  });
});

describe('reductions', () => {
  for (const spec of [sumChannelsSpec, sumRowsSpec]) checkOp(spec, getGpu);
});
