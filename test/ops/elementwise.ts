// Flat elementwise ops in the op table (test/ops/table.ts): axpby, add, scale, mul and SiLU forward/backward,
// with the SiLU twin's gradient against finite differences. The others have no backward kernel of their own
// (their backward rules are these same ops, written beside them in src/ops/elementwise.ts).
import { add, axpby, mul, scale, siluBackward, siluForward } from '../../src/ops/elementwise.ts';
import { axpbyRef, mulRef, siluBackwardRef, siluForwardRef } from '../reference/elementwise.ts';
import { seeded, type OpCase, type OpSpec } from './spec.ts';

interface FlatCase { n: number }
const FLAT_CASES: OpCase<FlatCase>[] = [
  { label: 'one element', s: { n: 1 }, tags: ['test'] },
  { label: 'odd: 7', s: { n: 7 }, tags: ['test'] },
  { label: 'one vec4: 4 (sizes that are multiples of 4 run elementwise4.wgsl)', s: { n: 4 }, tags: ['test'] },
  { label: '1000: a partial last workgroup', s: { n: 1000 }, tags: ['test'] },
  { label: 'odd: batch 3, 5 channels, 7×7', s: { n: 3 * 5 * 7 * 7 }, tags: ['test'] },
  { label: 'smoke', s: { n: 2 * 8 * 7 * 7 }, tags: ['smoke'] },
  { label: 'small L0 activations', s: { n: 16 * 32 * 28 * 28 }, tags: ['unet'] },
];
// Wide enough that SiLU's curved part and both tails are exercised.
const flatInputs = (s: FlatCase) => ({ a: seeded([s.n], 51, -4, 4), b: seeded([s.n], 52, -4, 4) });
const flatDims = (s: FlatCase) => ({ n: s.n });
const AXPBY = { alpha: 0.3, beta: -2 };
const SCALE = -1.5;

/** A binary elementwise op out = f(a, b): the parts every such spec shares. */
function binarySpec(
  name: string, call: OpSpec<FlatCase>['setup'], ref: (a: ArrayLike<number>, b: ArrayLike<number>) => ArrayLike<number>,
  tol: readonly [number, number], flopsPerElement: number,
): OpSpec<FlatCase> {
  return {
    name, direction: 'forward', variants: ['flat'], cases: FLAT_CASES, dims: flatDims,
    inputs: flatInputs,
    outputs: (s) => ({ out: [s.n] }),
    setup: call,
    ref: (_s, x) => ({ out: ref(x.a, x.b) }),
    tol: { out: tol },
    flops: (s) => flopsPerElement * s.n, bytes: (s) => 12 * s.n,
  };
}

export const axpbySpec = binarySpec('axpby', (gpu, _s, t, o) => ({ run: () => axpby(gpu, t.a, t.b, AXPBY.alpha, AXPBY.beta, o.out) }),
  (a, b) => axpbyRef(a, b, AXPBY.alpha, AXPBY.beta), [1e-5, 1e-6], 3);

export const addSpec = binarySpec('add', (gpu, _s, t, o) => ({ run: () => add(gpu, t.a, t.b, o.out) }),
  (a, b) => axpbyRef(a, b, 1, 1), [1e-6, 1e-6], 1);

export const mulSpec = binarySpec('mul', (gpu, _s, t, o) => ({ run: () => mul(gpu, t.a, t.b, o.out) }), mulRef, [1e-5, 1e-6], 1);

export const scaleSpec: OpSpec<FlatCase> = {
  name: 'scale', direction: 'forward', variants: ['flat'], cases: FLAT_CASES, dims: flatDims,
  inputs: (s) => ({ a: flatInputs(s).a }),
  outputs: (s) => ({ out: [s.n] }),
  setup: (gpu, _s, t, o) => ({ run: () => scale(gpu, t.a, SCALE, o.out) }),
  ref: (_s, x) => ({ out: axpbyRef(x.a, x.a, SCALE, 0) }),
  tol: { out: [1e-6, 1e-6] },
  flops: (s) => s.n, bytes: (s) => 8 * s.n,
};

export const siluForwardSpec: OpSpec<FlatCase> = {
  name: 'silu', direction: 'forward', variants: ['flat'], cases: FLAT_CASES, dims: flatDims,
  inputs: (s) => ({ x: flatInputs(s).a }),
  outputs: (s) => ({ y: [s.n] }),
  setup: (gpu, _s, t, o) => ({ run: () => siluForward(gpu, t.x, o.y) }),
  ref: (_s, x) => ({ y: siluForwardRef(x.x) }),
  tol: { y: [1e-5, 1e-5] },
  flops: (s) => 4 * s.n, bytes: (s) => 8 * s.n,
};

export const siluBackwardSpec: OpSpec<FlatCase> = {
  name: 'silu', direction: 'backward', variants: ['flat'], cases: FLAT_CASES, dims: flatDims,
  inputs: (s) => { const { a, b } = flatInputs(s); return { x: a, dy: b }; },
  outputs: (s) => ({ dx: [s.n] }),
  setup: (gpu, _s, t, o) => ({ run: () => siluBackward(gpu, t.dy, t.x, o.dx) }),
  ref: (_s, x) => ({ dx: siluBackwardRef(x.dy, x.x) }),
  tol: { dx: [1e-5, 1e-5] },
  fd: { s: { n: 9 }, forward: (_s, x) => siluForwardRef(x.x), upstream: 'dy', grads: [{ input: 'x', output: 'dx', idx: [0, 3, 8] }] },
  flops: (s) => 7 * s.n, bytes: (s) => 12 * s.n,
};
