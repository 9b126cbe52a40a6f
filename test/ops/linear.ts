// linear (x·Wᵀ + b) in the op table (test/ops/table.ts): forward and backward (dx, dW, db) at aligned sizes
// (the vec4 kernels) and odd ones (the scalar kernel), with the twin's gradients against finite differences.
import { linearBackward, linearForward } from '../../src/ops/linear.ts';
import { linearBackwardRef, linearForwardRef } from '../reference/linear.ts';
import type { MatmulVariant } from '../../src/runtime/policy.ts';
import { seeded, type OpCase, type OpSpec } from './spec.ts';

interface LinShape { M: number; K: number; N: number }
const lin = (M: number, K: number, N: number): LinShape => ({ M, K, N });
// Aligned sizes run the vec4 kernels (y: forward_nt4, dx: forward_nn4, dW: forward_tn4); odd ones the scalar one.
// 'colanes' (16×32 tiles per 8-lane subgroup) and 'texture' (32×64 tiles, operands in texel panels) run every
// layout where the adapter has 8-lane subgroups.
const LIN_CASES: OpCase<LinShape>[] = [
  { label: 'attention-sized', s: lin(32, 64, 128), tags: ['test'] },
  { label: 'one row', s: lin(1, 32, 32), tags: ['test'] },
  { label: 'odd', s: lin(3, 7, 5), tags: ['test'] },
  { label: 'odd K past a tile', s: lin(5, 130, 9), tags: ['test'] },
  { label: 'aligned', s: lin(64, 128, 32), tags: ['test'] },
  { label: 'odd M, aligned K', s: lin(7, 12, 20), tags: ['test'] },
  { label: 'several 16×32 tiles, ragged edges', s: lin(37, 19, 70), tags: ['test'] },
  { label: 'several 32×64 tiles, ragged edges', s: lin(70, 9, 131), tags: ['test'] },
  { label: 'smoke', s: lin(3, 5, 4), tags: ['smoke'] },
  { label: 'time MLP', s: lin(64, 128, 128), tags: ['unet'] },
  { label: 'qkv 28×28', s: lin(784, 64, 192), tags: ['unet'] },
  { label: 'sweep 256', s: lin(256, 256, 256), tags: ['sweep'] },
  { label: 'matmul 1024³', s: lin(1024, 1024, 1024), tags: ['sweep'] },
  { label: 'sweep 512', s: lin(512, 512, 512), tags: ['sweep'] },
];
const linInputs = (s: LinShape) => ({ x: seeded([s.M, s.K], 31), w: seeded([s.N, s.K], 32, -0.3, 0.3), b: seeded([s.N], 33), dy: seeded([s.M, s.N], 34) });
const linDims = (s: LinShape) => ({ M: s.M, K: s.K, N: s.N });
const linFlops = (s: LinShape) => 2 * s.M * s.K * s.N;
const linBytes = (s: LinShape) => 4 * (s.M * s.K + s.N * s.K + s.M * s.N);
/** The matmul designs (gpu.policy.matmul): the 4×4 register tile with vec4 loads along k, colanes, texture. */
const LIN_VARIANTS = ['register-4x4-vec4k', 'colanes', 'texture'] as const;
const linPolicy = (v: string): { matmul: MatmulVariant; matmulSmall: MatmulVariant } => {
  const m = v === 'colanes' || v === 'texture' ? v : 'tiled';
  return { matmul: m, matmulSmall: m }; // the design at every size, small products too
};

export const linearForwardSpec: OpSpec<LinShape> = {
  name: 'linear', direction: 'forward', variants: LIN_VARIANTS, policy: linPolicy, cases: LIN_CASES, dims: linDims,
  inputs: (s) => { const { x, w, b } = linInputs(s); return { x, w, b }; },
  outputs: (s) => ({ y: [s.M, s.N] }),
  setup: (gpu, _s, t, o) => ({ run: () => linearForward(gpu, t.x, t.w, t.b, o.y) }),
  ref: (s, x) => ({ y: linearForwardRef(x.x, x.w, x.b, s.M, s.K, s.N) }),
  tol: { y: [1e-4, 1e-4] },
  flops: linFlops, bytes: linBytes,
};

export const linearBackwardSpec: OpSpec<LinShape> = {
  name: 'linear', direction: 'backward', variants: LIN_VARIANTS, policy: linPolicy, cases: LIN_CASES, dims: linDims,
  inputs: linInputs, // b only for the twin's forward in the finite-difference check
  outputs: (s) => ({ dx: [s.M, s.K], dw: [s.N, s.K], db: [s.N] }),
  setup: (gpu, _s, t, o) => ({ run: () => linearBackward(gpu, t.dy, t.x, t.w, { dx: o.dx, dw: o.dw, db: o.db }) }),
  ref: (s, x) => linearBackwardRef(x.dy, x.x, x.w, s.M, s.K, s.N),
  tol: { dx: [1e-4, 1e-4], dw: [1e-4, 1e-4], db: [1e-4, 1e-4] },
  fd: {
    s: lin(3, 4, 5),
    forward: (s, x) => linearForwardRef(x.x, x.w, x.b, s.M, s.K, s.N),
    upstream: 'dy',
    grads: [{ input: 'x', output: 'dx', idx: [0, 5, 11] }, { input: 'w', output: 'dw', idx: [1, 19] }, { input: 'b', output: 'db', idx: [4] }],
  },
  flops: (s) => 2 * linFlops(s), bytes: linBytes,
};
