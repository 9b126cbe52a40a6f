// GroupNorm and fused GroupNorm→SiLU, forward and backward (input, γ, β), against the CPU twin.
import { describe, expect, it } from 'vitest';
import { groupNormBackward, groupNormForward } from '../src/ops/groupnorm.ts';
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

  it("'lanes' runs its own kernels where 8-lane subgroups exist (vec4 ones where H·W is a multiple of 4; elsewhere backward only), else the reduction style's; the trace says which", async () => {
    const gpu = await getGpu();
    const kernelsFor = async (H: number) => {
      const x = gpu.tensor([3, 6, H, H]);
      const [gamma, beta] = [gpu.tensor([6]), gpu.tensor([6])];
      gpu.trace = [];
      await gpu.policy.using({ groupnorm: 'lanes', reduce: 'serial' }, () => {
        const f = groupNormForward(gpu, x, gamma, beta, { groups: 3, silu: true });
        groupNormBackward(gpu, x, x, gamma, beta, f.stats, { groups: 3, silu: true });
      });
      const t = [...gpu.trace];
      gpu.trace = null;
      return t;
    };
    const serial = ['groupnorm.forward_serial', 'groupnorm_backward_input.backward_input_serial', 'groupnorm_backward_params.backward_params_serial'];
    const lanes = ['groupnorm_lanes.forward_lanes', 'groupnorm_lanes.backward_lanes', 'groupnorm_lanes.params_sum'];
    const lanes1 = ['groupnorm.forward_serial', 'groupnorm_lanes.backward_lanes1', 'groupnorm_lanes.params_sum'];
    expect(await kernelsFor(6)).toEqual(gpu.hasSubgroups8 ? lanes : serial); // 36 = 4·9: vec4s
    expect(await kernelsFor(7)).toEqual(gpu.hasSubgroups8 ? lanes1 : serial); // 49: backward one float per lane
  });

  it('rejects channels not divisible by groups and mismatched affine sizes', async () => {
    const gpu = await getGpu();
    const before = gpu.dispatchCount;
    const x = gpu.tensor([2, 6, 7, 7]);
    expect(() => groupNormForward(gpu, x, gpu.tensor([6]), gpu.tensor([6]), { groups: 4 })).toThrow(/groupnorm_forward: channels 6 are not divisible by groups 4/);
    expect(() => groupNormForward(gpu, x, gpu.tensor([5]), gpu.tensor([6]), { groups: 3, silu: true })).toThrow(/groupnorm_silu_forward: gamma must have shape \[6\], got \[5\]/);
    expect(gpu.dispatchCount).toBe(before);
  });
});
