// GroupNorm and fused GroupNorm→SiLU, forward and backward (input, γ, β), against the CPU twin.
import { describe, expect, it } from 'vitest';
import { groupNormBackward, groupNormForward } from '../src/ops/groupnorm.ts';
import { groupNormBackwardRef, groupNormForwardRef, type GNShape } from './reference/groupnorm.ts';
import { finiteDiff } from './reference/gradcheck.ts';
import { expectClose, poisoned, randArray, useGpu } from './helpers.ts';

const getGpu = useGpu();

const cases: Omit<GNShape, 'eps' | 'silu'>[] = [
  { N: 2, C: 32, S: 28 * 28, G: 8 },
  { N: 3, C: 6, S: 7 * 7, G: 3 },
  { N: 1, C: 5, S: 7 * 7, G: 5 },
  { N: 3, C: 12, S: 14 * 14, G: 4 },
  { N: 1, C: 7, S: 1, G: 1 },
];

describe('groupnorm', () => {
  for (const style of ['tree', 'serial'] as const)
  for (const c of cases)
    for (const silu of [false, true]) {
      it(`${style}: ${silu ? 'GroupNorm→SiLU' : 'GroupNorm'} N${c.N} C${c.C} S${c.S} G${c.G}`, async () => {
        const gpu = await getGpu();
        await gpu.policy.using({ reduce: style }, async () => {
          const s: GNShape = { ...c, eps: 1e-5, silu };
          const shape = [c.N, c.C, c.S];
          const n = c.N * c.C * c.S;
          const x = randArray(n, 11, -2, 3);
          const gamma = randArray(c.C, 12, 0.5, 1.5);
          const beta = randArray(c.C, 13);
          const dy = randArray(n, 14);
          const tx = gpu.upload(shape, x);
          const tg = gpu.upload([c.C], gamma);
          const tb = gpu.upload([c.C], beta);
          const opts = { groups: c.G, silu };
          const f = groupNormForward(gpu, tx, tg, tb, opts, { y: poisoned(gpu, shape), stats: poisoned(gpu, [c.N * c.G, 2]) });
          const g = groupNormBackward(gpu, gpu.upload(shape, dy), tx, tg, tb, f.stats, opts, {
            dx: poisoned(gpu, shape), dgamma: poisoned(gpu, [c.C]), dbeta: poisoned(gpu, [c.C]),
          });
          const rf = groupNormForwardRef(x, gamma, beta, s);
          const rb = groupNormBackwardRef(dy, x, gamma, beta, s);
          expectClose('groupnorm y', await f.y.read(), rf.y, 1e-4, 1e-4);
          const stats = await f.stats.read();
          expectClose('groupnorm mean', stats.filter((_, i) => i % 2 === 0), rf.mean, 1e-5, 1e-4);
          expectClose('groupnorm rstd', stats.filter((_, i) => i % 2 === 1), rf.rstd, 1e-5, 1e-4);
          expectClose('groupnorm dx', await g.dx.read(), rb.dx, 2e-4, 1e-3);
          expectClose('groupnorm dgamma', await g.dgamma.read(), rb.dgamma, 1e-3, 1e-4);
          expectClose('groupnorm dbeta', await g.dbeta.read(), rb.dbeta, 1e-3, 1e-4);
        });
      });
    }

  it('CPU twin backward agrees with finite differences (with SiLU)', () => {
    const s: GNShape = { N: 2, C: 4, S: 6, G: 2, eps: 1e-5, silu: true };
    const n = 48;
    const x = Float64Array.from(randArray(n, 21, -2, 2));
    const gamma = Float64Array.from(randArray(4, 22, 0.5, 1.5));
    const beta = Float64Array.from(randArray(4, 23));
    const dy = randArray(n, 24);
    const rb = groupNormBackwardRef(dy, x, gamma, beta, s);
    const idx = [0, 5, 13, 30, 47];
    expectClose('fd dx', finiteDiff((v) => groupNormForwardRef(v, gamma, beta, s).y, x, dy, idx), idx.map((i) => rb.dx[i]), 1e-6, 1e-5);
    expectClose('fd dgamma', finiteDiff((v) => groupNormForwardRef(x, v, beta, s).y, gamma, dy, [0, 3]), [rb.dgamma[0], rb.dgamma[3]], 1e-6, 1e-5);
    expectClose('fd dbeta', finiteDiff((v) => groupNormForwardRef(x, gamma, v, s).y, beta, dy, [1, 2]), [rb.dbeta[1], rb.dbeta[2]], 1e-6, 1e-5);
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
