// Softmax cross-entropy against integer labels in the op table (test/ops/table.ts): forward (per-row losses
// and their mean in the GPU loss ring) and backward (dlogits), with the twin's gradient against finite
// differences of its mean loss.
import { crossEntropyBackward, crossEntropyForward } from '../../src/ops/xent.ts';
import { crossEntropyBackwardRef, crossEntropyRef } from '../reference/xent.ts';
import { seeded, type OpCase, type OpSpec } from './spec.ts';

interface XentCase { rows: number; K: number }
const xent = (rows: number, K: number): XentCase => ({ rows, K });
const XENT_CASES: OpCase<XentCase>[] = [
  { label: 'classifier batch', s: xent(64, 10), tags: ['test'] },
  { label: 'odd: 3 rows of 7 classes', s: xent(3, 7), tags: ['test'] },
  { label: 'one row', s: xent(1, 10), tags: ['test'] },
  { label: 'rows past a workgroup, 3 classes', s: xent(130, 3), tags: ['test'] },
  { label: 'smoke', s: xent(16, 10), tags: ['smoke'] },
  { label: 'classifier batch 256', s: xent(256, 10), tags: ['unet'] },
];
/** The upstream gradient of the mean loss: the backward kernel takes it as its `scale` parameter. */
const DLOSS = 2;
const xentInputs = (s: XentCase) => {
  const labels = seeded([s.rows], 75, 0, s.K);
  labels.data.forEach((v, i) => { labels.data[i] = Math.floor(v); });
  return {
    logits: seeded([s.rows, s.K], 76, -6, 6),
    labels: { ...labels, dtype: 'u32' as const },
    dloss: { shape: [1], data: Float32Array.of(DLOSS) }, // the fd check's upstream; the GPU call takes DLOSS
  };
};
const xentDims = (s: XentCase) => ({ rows: s.rows, K: s.K });
const xentSize = (s: XentCase) => s.rows * s.K;

export const crossEntropyForwardSpec: OpSpec<XentCase> = {
  name: 'cross_entropy', direction: 'forward', variants: ['row'], cases: XENT_CASES, dims: xentDims,
  inputs: (s) => { const { logits, labels } = xentInputs(s); return { logits, labels }; },
  // A one-slot loss ring (slot = counter mod 1 = 0); test/optim.test.ts checks the ring's slot arithmetic
  // (the same mse_final kernel writes it).
  outputs: (s) => ({ rowLoss: [s.rows], loss: [1] }),
  setup: (gpu, _s, t, o) => ({ run: () => crossEntropyForward(gpu, t.logits, t.labels, o.loss, undefined, o.rowLoss) }),
  ref: (s, x) => { const r = crossEntropyRef(x.logits, x.labels, s.rows, s.K); return { rowLoss: r.rowLoss, loss: [r.mean] }; },
  tol: { rowLoss: [1e-5, 1e-5], loss: [1e-5, 1e-5] },
  flops: (s) => 4 * xentSize(s), bytes: (s) => 4 * (xentSize(s) + 2 * s.rows),
};

export const crossEntropyBackwardSpec: OpSpec<XentCase> = {
  name: 'cross_entropy', direction: 'backward', variants: ['flat'], cases: XENT_CASES, dims: xentDims,
  inputs: xentInputs,
  outputs: (s) => ({ dlogits: [s.rows, s.K] }),
  setup: (gpu, _s, t, o) => ({ run: () => crossEntropyBackward(gpu, t.logits, t.labels, DLOSS, o.dlogits) }),
  ref: (s, x) => ({ dlogits: crossEntropyBackwardRef(x.logits, x.labels, s.rows, s.K, x.dloss[0]) }),
  tol: { dlogits: [1e-7, 1e-5] },
  fd: {
    s: xent(3, 5),
    forward: (s, x) => [crossEntropyRef(x.logits, x.labels, s.rows, s.K).mean],
    upstream: 'dloss',
    grads: [{ input: 'logits', output: 'dlogits', idx: [0, 4, 5, 9, 12, 14] }],
  },
  flops: (s) => 4 * xentSize(s), bytes: (s) => 4 * (2 * xentSize(s) + s.rows),
};
