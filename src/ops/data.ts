// GPU-side batching: gather rows of a GPU-resident dataset by index, and labels with dropout to a null class.
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { expectDtype, fail } from './check.ts';
import { zeroCounter } from './random.ts';

/** out[n, :] = data[idx[n], :] with data viewed as [rows, D]. */
export function gatherRows(gpu: Gpu, data: Tensor, idx: Tensor, out: Tensor): void {
  const op = 'gather_rows';
  expectDtype(op, 'idx', idx, 'u32');
  const N = idx.size;
  const D = out.size / N;
  if (!Number.isInteger(D) || data.size % D !== 0) fail(op, `out ${out.shape} is not ${N} rows of the dataset's row size`);
  gpu.run(gpu.kernel('data', 'gather_rows'), {
    params: { N, D, seed: 0, stream: 0, null_class: 0, p_drop: 0 }, bind: { data, idx, out }, invocations: N * D,
  });
}

/** out[n] = labels[idx[n]], or nullClass with probability pDrop (coin keyed by seed, stream, counter). */
export function gatherLabels(gpu: Gpu, labels: Tensor, idx: Tensor, out: Tensor, nullClass: number, pDrop: number, seed: number, stream = 11, counter?: Tensor): void {
  const op = 'gather_labels';
  for (const [n, t] of [['labels', labels], ['idx', idx], ['out', out]] as const) expectDtype(op, n, t, 'u32');
  if (out.size !== idx.size) fail(op, `out has ${out.size} entries but idx has ${idx.size}`);
  gpu.run(gpu.kernel('data', 'gather_labels'), {
    params: { N: idx.size, D: 1, seed, stream, null_class: nullClass, p_drop: pDrop },
    bind: { labels, idx, state: counter ?? zeroCounter(gpu), out_l: out },
    invocations: idx.size,
  });
}
