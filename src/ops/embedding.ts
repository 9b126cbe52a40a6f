// Sinusoidal timestep embedding (no gradient: its input is a timestep) and the learned class
// embedding added onto it (lookup-add forward, scatter-free backward).
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { expectDtype, expectRank, expectShape, fail, output } from './check.ts';

/**
 * t [N] → [N, D]: [sin(t·f_k) | cos(t·f_k)], f_k = 10000^(−k/(D/2 − 1)). t is u32 (training: integer
 * timesteps) or f32 (sampling: some samplers run the model between integer timesteps).
 */
export function timestepEmbedding(gpu: Gpu, t: Tensor, D: number, out?: Tensor): Tensor {
  const op = 'timestep_embedding';
  expectRank(op, 't', t, 1);
  if (t.dtype !== 'u32' && t.dtype !== 'f32') fail(op, `t must be u32 or f32, got ${t.dtype}`);
  if (!Number.isInteger(D) || D < 4 || D % 2) fail(op, `dimension must be an even integer ≥ 4, got ${D}`);
  const N = t.shape[0];
  const y = output(op, 'out', out, [N, D], () => gpu.tensor([N, D], op));
  gpu.run(gpu.kernel('embedding', 'timestep'), { params: { N, D, classes: 0, t_float: t.dtype === 'f32' ? 1 : 0 }, bind: { t, out: y }, invocations: N * D });
  return y;
}

/** acc[n, :] += table[label[n], :] (labels ≥ classes are clamped to the last row). */
export function classEmbeddingAdd(gpu: Gpu, labels: Tensor, table: Tensor, acc: Tensor): void {
  const op = 'class_embedding_add';
  expectDtype(op, 'labels', labels, 'u32');
  expectRank(op, 'table', table, 2);
  const [classes, D] = table.shape;
  const N = labels.size;
  expectShape(op, 'acc', acc, [N, D]);
  gpu.run(gpu.kernel('embedding', 'class_add'), { params: { N, D, classes, t_float: 0 }, bind: { t: labels, table, acc }, invocations: N * D });
}

/** dtable[c, :] = Σ_{n: label[n] = c} dacc[n, :] */
export function classEmbeddingBackward(gpu: Gpu, labels: Tensor, dacc: Tensor, classes: number, out?: Tensor): Tensor {
  const op = 'class_embedding_backward';
  expectDtype(op, 'labels', labels, 'u32');
  expectRank(op, 'dacc', dacc, 2);
  const [N, D] = dacc.shape;
  if (labels.size !== N) fail(op, `labels has ${labels.size} entries but dacc has ${N} rows`);
  const dt = output(op, 'dtable', out, [classes, D], () => gpu.tensor([classes, D], op));
  gpu.run(gpu.kernel('embedding', 'class_backward'), { params: { N, D, classes, t_float: 0 }, bind: { t: labels, dacc, dtable: dt }, invocations: classes * D });
  return dt;
}
