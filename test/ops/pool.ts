// 2×2 max pooling (stride 2, odd trailing row/column dropped) in the op table (test/ops/table.ts), forward and
// backward. The 'test' inputs hold a few tied windows so GPU and twin are compared on the first-maximum rule;
// the finite-difference check uses inputs without ties, where the max is differentiable.
import { maxPool2Backward, maxPool2Forward } from '../../src/ops/pool.ts';
import { maxPool2BackwardRef, maxPool2Ref } from '../reference/pool.ts';
import { seeded, type OpCase, type OpSpec } from './spec.ts';

interface PoolCase { N: number; C: number; H: number; W: number; ties: boolean }
const pool = (N: number, C: number, H: number, W: number, ties = true): PoolCase => ({ N, C, H, W, ties });
const POOL_CASES: OpCase<PoolCase>[] = [
  { label: 'classifier level 0, with ties', s: pool(2, 16, 28, 28), tags: ['test'] },
  { label: 'odd: 7×7, 5 channels, batch 3, with ties', s: pool(3, 5, 7, 7), tags: ['test'] },
  { label: 'odd width 14×9, with ties', s: pool(1, 3, 14, 9), tags: ['test'] },
  { label: 'one window and a dropped column 2×3, with ties', s: pool(1, 1, 2, 3), tags: ['test'] },
  { label: 'smoke', s: pool(1, 4, 7, 7, false), tags: ['smoke'] },
  { label: 'small L0', s: pool(16, 32, 28, 28, false), tags: ['unet'] },
];
const pooled = (s: PoolCase) => [s.N, s.C, Math.floor(s.H / 2), Math.floor(s.W / 2)];
const poolInputs = (s: PoolCase) => {
  const x = seeded([s.N, s.C, s.H, s.W], 71, -3, 3);
  // Ties: pairs of equal values at even offsets (inside one window wherever the row width is even).
  if (s.ties) for (let i = 0; i < 8 && i * 4 + 3 < x.data.length; i++) x.data[i * 4] = x.data[i * 4 + 1] = 2.5;
  return { x, dy: seeded(pooled(s), 72) };
};
const poolDims = (s: PoolCase) => ({ N: s.N, C: s.C, H: s.H, W: s.W });
const outSize = (s: PoolCase) => pooled(s).reduce((a, b) => a * b, 1);
const inSize = (s: PoolCase) => s.N * s.C * s.H * s.W;

export const maxPool2ForwardSpec: OpSpec<PoolCase> = {
  name: 'maxpool2', direction: 'forward', variants: ['flat'], cases: POOL_CASES, dims: poolDims,
  inputs: (s) => ({ x: poolInputs(s).x }),
  outputs: (s) => ({ y: pooled(s) }),
  setup: (gpu, _s, t, o) => ({ run: () => maxPool2Forward(gpu, t.x, o.y) }),
  ref: (s, x) => ({ y: maxPool2Ref(x.x, s.N * s.C, s.H, s.W) }),
  tol: { y: [0, 0] },
  flops: (s) => 3 * outSize(s), bytes: (s) => 4 * (inSize(s) + outSize(s)),
};

export const maxPool2BackwardSpec: OpSpec<PoolCase> = {
  name: 'maxpool2', direction: 'backward', variants: ['flat'], cases: POOL_CASES, dims: poolDims,
  inputs: poolInputs,
  outputs: (s) => ({ dx: [s.N, s.C, s.H, s.W] }),
  setup: (gpu, _s, t, o) => ({ run: () => maxPool2Backward(gpu, t.dy, t.x, o.dx) }),
  ref: (s, x) => ({ dx: maxPool2BackwardRef(x.dy, x.x, s.N * s.C, s.H, s.W) }),
  tol: { dx: [0, 0] },
  fd: {
    s: pool(2, 1, 5, 5, false),
    forward: (s, x) => maxPool2Ref(x.x, s.N * s.C, s.H, s.W),
    upstream: 'dy',
    grads: [{ input: 'x', output: 'dx', idx: [0, 1, 6, 12, 24, 31, 49] }],
  },
  flops: (s) => 3 * outSize(s), bytes: (s) => 4 * (2 * inSize(s) + outSize(s)),
};
