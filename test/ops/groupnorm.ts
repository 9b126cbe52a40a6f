// GroupNorm and fused GroupNorm→SiLU in the op table (test/ops/table.ts): forward (y and the saved
// statistics) and backward (dx, dγ, dβ) under both reduction designs and the subgroup kernels ('lanes':
// vec4 ones where H·W is a multiple of 4; elsewhere backward one float per lane and forward the tree kernel;
// without subgroups of 8 the tree kernels), with
// the twin's gradients against finite differences.
import { groupNormBackward, groupNormForward } from '../../src/ops/groupnorm.ts';
import type { ReduceStyle } from '../../src/ops/reduce.ts';
import { groupNormBackwardRef, groupNormForwardRef, type GNShape } from '../reference/groupnorm.ts';
import { seeded, type OpCase, type OpSpec } from './spec.ts';

interface GNCase { N: number; C: number; H: number; W: number; G: number; silu: boolean }
const GN_VARIANTS = ['tree', 'serial', 'lanes'] as const;
// 'lanes' falls back to the tree kernels on adapters without 8-lane subgroups: named here, not inherited.
const gnPolicy = (v: string) => (v === 'lanes' ? { groupnorm: 'lanes' as const, reduce: 'tree' as const } : { reduce: v as ReduceStyle, groupnorm: 'reduce' as const });
const gn = (N: number, C: number, H: number, W: number, G: number, silu: boolean): GNCase => ({ N, C, H, W, G, silu });
const GN_CASES: OpCase<GNCase>[] = [
  ...[false, true].flatMap((silu) => [
    { label: 'UNet level 0', s: gn(2, 32, 28, 28, 8, silu), tags: ['test'] as const },
    { label: 'odd: 7×7, 3 groups, batch 3', s: gn(3, 6, 7, 7, 3, silu), tags: ['test'] as const },
    { label: 'odd: 5 channels in 5 groups', s: gn(1, 5, 7, 7, 5, silu), tags: ['test'] as const },
    { label: '14×14', s: gn(3, 12, 14, 14, 4, silu), tags: ['test'] as const },
    { label: 'odd: 5 channels, 2×2 planes, batch 3', s: gn(3, 5, 2, 2, 5, silu), tags: ['test'] as const },
    { label: 'a 1×1 plane', s: gn(1, 7, 1, 1, 1, silu), tags: ['test'] as const },
  ].map((c) => ({ ...c, label: `${c.label}${silu ? ', then SiLU' : ''}` }))),
  { label: 'smoke', s: gn(2, 8, 7, 7, 4, true), tags: ['smoke'] },
  { label: 'small L0', s: gn(16, 32, 28, 28, 8, true), tags: ['unet'] },
  { label: 'small L1', s: gn(16, 64, 14, 14, 8, true), tags: ['unet'] },
  { label: 'small L2 (7×7: one float per lane)', s: gn(16, 64, 7, 7, 8, true), tags: ['unet'] },
];
const gnShape = (s: GNCase): GNShape => ({ N: s.N, C: s.C, S: s.H * s.W, G: s.G, silu: s.silu, eps: 1e-5 });
const gnInputs = (s: GNCase) => {
  const x = [s.N, s.C, s.H, s.W];
  return { x: seeded(x, 11, -2, 3), gamma: seeded([s.C], 12, 0.5, 1.5), beta: seeded([s.C], 13), dy: seeded(x, 14) };
};
const gnDims = (s: GNCase) => ({ N: s.N, C: s.C, H: s.H, W: s.W, G: s.G });
const gnOpts = (s: GNCase) => ({ groups: s.G, silu: s.silu });
const gnSize = (s: GNCase) => s.N * s.C * s.H * s.W;

export const groupNormForwardSpec: OpSpec<GNCase> = {
  name: 'groupnorm', direction: 'forward', variants: GN_VARIANTS, cases: GN_CASES, dims: gnDims,
  policy: gnPolicy,
  inputs: (s) => { const { x, gamma, beta } = gnInputs(s); return { x, gamma, beta }; },
  outputs: (s) => ({ y: [s.N, s.C, s.H, s.W], stats: [s.N * s.G, 2] }),
  setup: (gpu, s, t, o) => ({ run: () => groupNormForward(gpu, t.x, t.gamma, t.beta, gnOpts(s), { y: o.y, stats: o.stats }) }),
  ref: (s, x) => {
    const r = groupNormForwardRef(x.x, x.gamma, x.beta, gnShape(s));
    const stats = new Float64Array(2 * r.mean.length);
    r.mean.forEach((m, i) => { stats[2 * i] = m; stats[2 * i + 1] = r.rstd[i]; });
    return { y: r.y, stats };
  },
  tol: { y: [1e-4, 1e-4], stats: [1e-5, 1e-4] },
  flops: (s) => 10 * gnSize(s), bytes: (s) => 8 * gnSize(s),
};

export const groupNormBackwardSpec: OpSpec<GNCase> = {
  name: 'groupnorm', direction: 'backward', variants: GN_VARIANTS, cases: GN_CASES, dims: gnDims,
  policy: gnPolicy,
  inputs: gnInputs,
  outputs: (s) => ({ dx: [s.N, s.C, s.H, s.W], dgamma: [s.C], dbeta: [s.C] }),
  setup: (gpu, s, t, o) => {
    const f = groupNormForward(gpu, t.x, t.gamma, t.beta, gnOpts(s)); // untimed: the statistics backward reads
    return { run: () => groupNormBackward(gpu, t.dy, t.x, t.gamma, t.beta, f.stats, gnOpts(s), { dx: o.dx, dgamma: o.dgamma, dbeta: o.dbeta }), scratch: [f.y, f.stats] };
  },
  ref: (s, x) => groupNormBackwardRef(x.dy, x.x, x.gamma, x.beta, gnShape(s)),
  tol: { dx: [2e-4, 1e-3], dgamma: [1e-3, 1e-4], dbeta: [1e-3, 1e-4] },
  fd: {
    s: gn(2, 4, 2, 3, 2, true),
    forward: (s, x) => groupNormForwardRef(x.x, x.gamma, x.beta, gnShape(s)).y,
    upstream: 'dy',
    grads: [{ input: 'x', output: 'dx', idx: [0, 5, 13, 30, 47] }, { input: 'gamma', output: 'dgamma', idx: [0, 3] }, { input: 'beta', output: 'dbeta', idx: [1, 2] }],
  },
  flops: (s) => 20 * gnSize(s), bytes: (s) => 12 * gnSize(s),
};
