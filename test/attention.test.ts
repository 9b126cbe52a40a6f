// Fused self-attention forward and backward against the CPU twin (explicit score matrices).
import { describe, expect, it } from 'vitest';
import { attentionBackward, attentionForward } from '../src/ops/attention.ts';
import { useGpu } from './helpers.ts';
import { attentionBackwardSpec, attentionForwardSpec } from './ops/attention.ts';
import { checkOp, checkTwinGradients } from './ops/check.ts';

const getGpu = useGpu();

describe('attention', () => {
  // Shapes (7×7 and 14×14 maps, odd head dims), both designs, twins and tolerances: the op table's.
  for (const spec of [attentionForwardSpec, attentionBackwardSpec]) {
    checkOp(spec, getGpu);
    checkTwinGradients(spec);
  }

  it('rejects bad head counts, wide heads and a layout it cannot mean', async () => {
    const gpu = await getGpu();
    expect(() => attentionForward(gpu, gpu.tensor([1, 18, 2, 2]), 4)).toThrow(/attention_forward: channels 6 are not divisible by heads 4/);
    expect(() => attentionForward(gpu, gpu.tensor([1, 16, 2, 2]), 1)).toThrow(/attention_forward: qkv channels 16 are not a multiple of 3/);
    expect(() => attentionForward(gpu, gpu.tensor([1, 384, 2, 2]), 1)).toThrow(/head dimension 128 is over the supported 64/);
    // Token-major [B, L, d] with d = 3·C: the numbers would be read as [N, 3C, L]; refused by rank.
    expect(() => attentionForward(gpu, gpu.tensor([2, 49, 48]), 1)).toThrow(/attention_forward: qkv must be a feature map \[N, 3C, H, W\].*got \[2, 49, 48\]/);
    const qkv = gpu.tensor([1, 12, 3, 3]);
    const f = attentionForward(gpu, qkv, 1);
    expect(() => attentionBackward(gpu, gpu.tensor([1, 4, 9]), qkv, f, 1)).toThrow(/attention_backward: dout/);
  });
});
