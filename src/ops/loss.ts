// Mean squared error: forward writes the mean into a ring of per-step losses on the GPU (slot =
// counter mod capacity); backward writes dpred = scale·2(pred − target)/n. With `weighted`, each sample's
// squared errors are scaled by weights[t[sample]] (min-SNR-γ loss weighting, a table over timesteps).
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { expectDtype, expectShape, fail, output } from './check.ts';
import { zeroCounter } from './random.ts';

export const MSE_PARTS = 64;

/** Per-sample loss weights: t [N] (u32 timesteps) and weights [T] (one per timestep). */
export interface MseWeighting {
  t: Tensor;
  weights: Tensor;
}

/** Checks the weighting against pred and returns the elements per sample. */
function checkWeighting(op: string, pred: Tensor, w: MseWeighting): number {
  expectDtype(op, 't', w.t, 'u32');
  expectDtype(op, 'weights', w.weights, 'f32');
  const N = pred.shape[0];
  if (w.t.size !== N) fail(op, `t has ${w.t.size} entries but pred has batch ${N}`);
  if (w.weights.rank !== 1) fail(op, `weights must be a [T] table, got rank ${w.weights.rank}`);
  return pred.size / N;
}

/** Writes mean((pred − target)²) into losses[counter mod losses.size]; partial is a scratch [MSE_PARTS]. */
export function mseForward(
  gpu: Gpu, pred: Tensor, target: Tensor, losses: Tensor, counter?: Tensor, partial?: Tensor, weighted?: MseWeighting,
): void {
  const op = weighted ? 'mse_weighted_forward' : 'mse_forward';
  expectShape(op, 'target', target, pred.shape);
  expectDtype(op, 'losses', losses, 'f32');
  const S = weighted ? checkWeighting(op, pred, weighted) : pred.size;
  const parts = Math.min(MSE_PARTS, Math.ceil(pred.size / 256));
  const scratch = output(op, 'partial', partial, [MSE_PARTS], () => gpu.tensor([MSE_PARTS], op));
  const params = { n: pred.size, parts, capacity: losses.size, grad_scale: 0, S };
  const bind: Record<string, Tensor> = { pred, tgt: target, partial: scratch, ...(weighted ? { t: weighted.t, weights: weighted.weights } : {}) };
  gpu.run(gpu.kernel('loss', weighted ? 'mse_weighted_partial' : 'mse_partial'), { params, bind, workgroups: [parts] });
  gpu.run(gpu.kernel('loss', 'mse_final'), { params, bind: { partial_in: scratch, state: counter ?? zeroCounter(gpu), losses }, workgroups: [1] });
  if (!partial) scratch.release();
}

export function mseBackward(gpu: Gpu, pred: Tensor, target: Tensor, scale = 1, out?: Tensor, weighted?: MseWeighting): Tensor {
  const op = weighted ? 'mse_weighted_backward' : 'mse_backward';
  expectShape(op, 'target', target, pred.shape);
  const S = weighted ? checkWeighting(op, pred, weighted) : pred.size;
  const d = output(op, 'dpred', out, pred.shape, () => gpu.tensor(pred.shape, op));
  const bind: Record<string, Tensor> = { pred, tgt: target, dpred: d, ...(weighted ? { t: weighted.t, weights: weighted.weights } : {}) };
  gpu.run(gpu.kernel('loss', weighted ? 'mse_weighted_backward' : 'mse_backward'), {
    params: { n: pred.size, parts: 0, capacity: 0, grad_scale: scale, S }, bind, invocations: pred.size,
  });
  return d;
}
