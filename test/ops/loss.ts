// Mean squared error in the op table (test/ops/table.ts): forward (partial sums, then the final kernel puts
// the mean into the GPU loss ring) and backward (dpred), plain and weighted per sample by a table over
// timesteps (min-SNR-γ); each backward twin against finite differences of its loss.
import { mseBackward, mseForward, type MseWeighting } from '../../src/ops/loss.ts';
import type { Tensor } from '../../src/runtime/tensor.ts';
import { mseBackwardRef, mseRef, mseWeightedBackwardRef, mseWeightedRef } from '../reference/optim.ts';
import { seeded, type Arrays, type HostArray, type OpCase, type OpSpec } from './spec.ts';

/** N samples of S elements each (the weighting looks up one weight per sample). */
interface MseCase { N: number; S: number }
const mse = (N: number, S: number): MseCase => ({ N, S });
const MSE_CASES: OpCase<MseCase>[] = [
  { label: 'one element', s: mse(1, 1), tags: ['test'] },
  { label: 'odd: one sample of 5', s: mse(1, 5), tags: ['test'] },
  { label: 'odd: 7×7, batch 3', s: mse(3, 7 * 7), tags: ['test'] },
  { label: 'batch 2 of 28×28 (several partial sums)', s: mse(2, 28 * 28), tags: ['test'] },
  { label: 'past 64 partial sums', s: mse(1, 100_000), tags: ['test'] },
  { label: 'smoke', s: mse(2, 7 * 7), tags: ['smoke'] },
  { label: 'small preset batch', s: mse(16, 28 * 28), tags: ['unet'] },
];
/** The upstream gradient of the loss: the backward kernel takes it as its `scale` parameter. */
const DLOSS = 0.5;
const T_STEPS = 1000;
const mseInputs = (s: MseCase, weighted: boolean): Record<string, HostArray> => {
  const t = seeded([s.N], 73, 0, T_STEPS);
  t.data.forEach((v, i) => { t.data[i] = Math.floor(v); });
  return {
    pred: seeded([s.N, s.S], 71), target: seeded([s.N, s.S], 72),
    ...(weighted ? { t: { ...t, dtype: 'u32' as const }, weights: seeded([T_STEPS], 74, 0, 2) } : {}),
    dloss: { shape: [1], data: Float32Array.of(DLOSS) }, // the fd check's upstream; the GPU call takes DLOSS
  };
};
/** Each sample's weight, weights[t[n]]. */
const sampleWeights = (x: Arrays) => Array.from(x.t, (ti) => x.weights[ti]);
const weighting = (t: Record<string, Tensor>, weighted: boolean): MseWeighting | undefined => (weighted ? { t: t.t, weights: t.weights } : undefined);
const mseDims = (s: MseCase) => ({ N: s.N, S: s.S });
const mseSize = (s: MseCase) => s.N * s.S;

/** The forward spec, plain ('mse') or weighted ('mse_weighted'): separate kernels, so separate rows. */
function makeMseForwardSpec(weighted: boolean): OpSpec<MseCase> {
  return {
    name: weighted ? 'mse_weighted' : 'mse', direction: 'forward', variants: ['partial-final'], cases: MSE_CASES, dims: mseDims,
    inputs: (s) => { const { dloss: _, ...rest } = mseInputs(s, weighted); return rest; },
    // A one-slot loss ring (slot = counter mod 1 = 0); test/optim.test.ts checks the slot arithmetic.
    outputs: () => ({ loss: [1] }),
    setup: (gpu, _s, t, o) => ({ run: () => mseForward(gpu, t.pred, t.target, o.loss, undefined, undefined, weighting(t, weighted)) }),
    ref: (_s, x) => ({ loss: [weighted ? mseWeightedRef(x.pred, x.target, sampleWeights(x)) : mseRef(x.pred, x.target)] }),
    tol: { loss: [1e-6, 1e-5] },
    flops: (s) => 3 * mseSize(s), bytes: (s) => 8 * mseSize(s),
  };
}

/** The backward spec, plain or weighted, with its twin against finite differences of the twin loss. */
function makeMseBackwardSpec(weighted: boolean): OpSpec<MseCase> {
  const loss = (x: Arrays) => (weighted ? mseWeightedRef(x.pred, x.target, sampleWeights(x)) : mseRef(x.pred, x.target));
  return {
    name: weighted ? 'mse_weighted' : 'mse', direction: 'backward', variants: ['flat'], cases: MSE_CASES, dims: mseDims,
    inputs: (s) => mseInputs(s, weighted),
    outputs: (s) => ({ dpred: [s.N, s.S] }),
    setup: (gpu, _s, t, o) => ({ run: () => mseBackward(gpu, t.pred, t.target, DLOSS, o.dpred, weighting(t, weighted)) }),
    ref: (_s, x) => ({
      dpred: weighted ? mseWeightedBackwardRef(x.pred, x.target, sampleWeights(x), x.dloss[0]) : mseBackwardRef(x.pred, x.target, x.dloss[0]),
    }),
    tol: { dpred: [1e-9, 1e-5] },
    fd: { s: mse(2, 3), forward: (_s, x) => [loss(x)], upstream: 'dloss', grads: [{ input: 'pred', output: 'dpred', idx: [0, 2, 5] }] },
    flops: (s) => 3 * mseSize(s), bytes: (s) => 12 * mseSize(s),
  };
}

export const mseForwardSpec = makeMseForwardSpec(false);
export const mseBackwardSpec = makeMseBackwardSpec(false);
export const mseWeightedForwardSpec = makeMseForwardSpec(true);
export const mseWeightedBackwardSpec = makeMseBackwardSpec(true);
