// The sums backward passes use, in the op table (test/ops/table.ts): sum_channels (bias gradients: Σ over
// batch and plane per channel) and sum_rows (per-(n, c) plane sums), under both reduction designs. Linear in
// their input, so no finite-difference check; add_channel's backward (test/ops/channels.ts) checks one.
import { sumChannels, sumRows, type ReduceStyle } from '../../src/ops/reduce.ts';
import { sumChannelsRef } from '../reference/elementwise.ts';
import { seeded, type OpCase, type OpSpec } from './spec.ts';

export const REDUCE_STYLES: readonly ReduceStyle[] = ['tree', 'serial'];

/** src viewed as [A, C, S]: sum_channels sums over A and S, sum_rows over S of its A·C rows. */
interface SumCase { A: number; C: number; S: number }
const sum = (A: number, C: number, S: number): SumCase => ({ A, C, S });
const SUM_CASES: OpCase<SumCase>[] = [
  { label: 'UNet level 1', s: sum(2, 16, 14 * 14), tags: ['test'] },
  { label: 'odd: 7×7, 5 channels, batch 3', s: sum(3, 5, 7 * 7), tags: ['test'] },
  { label: 'one channel, 3 elements', s: sum(1, 1, 3), tags: ['test'] },
  { label: 'rows longer than a workgroup', s: sum(1, 3, 1000), tags: ['test'] },
  { label: 'rows of one element', s: sum(4, 7, 1), tags: ['test'] },
  { label: 'smoke', s: sum(2, 8, 7 * 7), tags: ['smoke'] },
  { label: 'small L0 bias gradient', s: sum(16, 32, 28 * 28), tags: ['unet'] },
];
const sumInputs = (s: SumCase) => ({ src: seeded([s.A, s.C, s.S], 61) });
const sumSize = (s: SumCase) => s.A * s.C * s.S;
const policy = (v: string) => ({ reduce: v as ReduceStyle });

export const sumChannelsSpec: OpSpec<SumCase> = {
  name: 'sum_channels', direction: 'forward', variants: REDUCE_STYLES, cases: SUM_CASES, dims: (s) => ({ A: s.A, C: s.C, S: s.S }),
  policy, inputs: sumInputs,
  outputs: (s) => ({ out: [s.C] }),
  setup: (gpu, s, t, o) => ({ run: () => sumChannels(gpu, t.src, s.A, s.C, s.S, o.out) }),
  ref: (s, x) => ({ out: sumChannelsRef(x.src, s.A, s.C, s.S) }),
  tol: { out: [1e-4, 1e-5] },
  flops: sumSize, bytes: (s) => 4 * (sumSize(s) + s.C),
};

export const sumRowsSpec: OpSpec<SumCase> = {
  name: 'sum_rows', direction: 'forward', variants: REDUCE_STYLES, cases: SUM_CASES, dims: (s) => ({ R: s.A * s.C, S: s.S }),
  policy, inputs: sumInputs,
  outputs: (s) => ({ out: [s.A, s.C] }),
  setup: (gpu, s, t, o) => ({ run: () => sumRows(gpu, t.src, s.A * s.C, s.S, [s.A, s.C], o.out) }),
  ref: (s, x) => ({ out: sumChannelsRef(x.src, 1, s.A * s.C, s.S) }),
  tol: { out: [1e-4, 1e-5] },
  flops: sumSize, bytes: (s) => 4 * (sumSize(s) + s.A * s.C),
};
