// GroupNorm and fused GroupNorm→SiLU, forward and backward (input, γ, β), against the CPU twin.
import { describe, expect, it } from 'vitest';
import { groupNormForward } from '../src/ops/groupnorm.ts';
import { useGpu } from './helpers.ts';
import { groupNormBackwardSpec, groupNormForwardSpec } from './ops/groupnorm.ts';
import { checkOp, checkTwinGradients } from './ops/check.ts';

const getGpu = useGpu();

describe('groupnorm', () => {
  // Shapes (GroupNorm and GroupNorm→SiLU), both reduction designs, twins and tolerances: the op table's.
  for (const spec of [groupNormForwardSpec, groupNormBackwardSpec]) {
    checkOp(spec, getGpu);
    checkTwinGradients(spec);
  }

  it('rejects channels not divisible by groups and mismatched affine sizes', async () => {
    const gpu = await getGpu();
    const before = gpu.dispatchCount;
    const x = gpu.tensor([2, 6, 7, 7]);
    expect(() => groupNormForward(gpu, x, gpu.tensor([6]), gpu.tensor([6]), { groups: 4 })).toThrow(/groupnorm_forward: channels 6 are not divisible by groups 4/);
    expect(() => groupNormForward(gpu, x, gpu.tensor([5]), gpu.tensor([6]), { groups: 3, silu: true })).toThrow(/groupnorm_silu_forward: gamma must have shape \[6\], got \[5\]/);
    expect(gpu.dispatchCount).toBe(before);
  });
});
