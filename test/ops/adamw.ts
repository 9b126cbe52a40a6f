// AdamW in the op table (test/ops/table.ts): one in-place step over a flat buffer against the twin, from
// moments already warm and a step count read from the GPU counter (t > 1, so bias correction is not the
// first step's). No finite-difference check: an optimizer step is not a gradient. Several steps and the
// learning-rate schedule stay in test/optim.test.ts.
import { adamwStep } from '../../src/ops/adamw.ts';
import { newCounter } from '../../src/ops/random.ts';
import { adamwRef } from '../reference/optim.ts';
import { seeded, type OpCase, type OpSpec } from './spec.ts';

interface FlatCase { n: number }
const ADAMW_CASES: OpCase<FlatCase>[] = [
  { label: 'one parameter', s: { n: 1 }, tags: ['test'] },
  { label: 'odd: 7', s: { n: 7 }, tags: ['test'] },
  { label: '1000: a partial last workgroup', s: { n: 1000 }, tags: ['test', 'smoke'] },
  { label: 'the small preset', s: { n: 1_624_577 }, tags: ['unet'] },
];
const CFG = { lr: 1e-2, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01 };
/** The step the GPU counter holds. */
const STEP = 3;
const adamwInputs = (s: FlatCase) => ({
  param: seeded([s.n], 75), grad: seeded([s.n], 80), m: seeded([s.n], 76, -0.1, 0.1), v: seeded([s.n], 77, 0, 0.01),
});

export const adamwSpec: OpSpec<FlatCase> = {
  name: 'adamw', direction: 'update', variants: ['flat-single-dispatch'], cases: ADAMW_CASES, dims: (s) => ({ n: s.n }),
  inputs: adamwInputs,
  outputs: (s) => ({ param: [s.n], m: [s.n], v: [s.n] }),
  // In place: the outputs start as copies of the inputs and the step updates them.
  setup: (gpu, _s, t, o) => {
    const counter = newCounter(gpu, STEP);
    const reset = () => { for (const k of ['param', 'm', 'v']) gpu.copy(t[k], o[k]); };
    reset();
    return { run: () => adamwStep(gpu, o.param, t.grad, o.m, o.v, counter, CFG), reset, scratch: [counter] };
  },
  ref: (_s, x) => {
    const [param, m, v] = [Float64Array.from(x.param), Float64Array.from(x.m), Float64Array.from(x.v)];
    adamwRef(param, x.grad, m, v, STEP, CFG);
    return { param, m, v };
  },
  tol: { param: [1e-6, 1e-5], m: [1e-7, 1e-5], v: [1e-9, 1e-4] },
  flops: (s) => 16 * s.n, bytes: (s) => 4 * 7 * s.n,
};
