// Mean squared error: forward writes the mean into a ring of per-step losses on the GPU (slot =
// counter mod capacity); backward writes dpred = scale·2(pred − target)/n.
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { expectDtype, expectShape, output } from './check.ts';
import { zeroCounter } from './random.ts';

export const MSE_PARTS = 64;

/** Writes mean((pred − target)²) into losses[counter mod losses.size]; partial is a scratch [MSE_PARTS]. */
export function mseForward(gpu: Gpu, pred: Tensor, target: Tensor, losses: Tensor, counter?: Tensor, partial?: Tensor): void {
  const op = 'mse_forward';
  expectShape(op, 'target', target, pred.shape);
  expectDtype(op, 'losses', losses, 'f32');
  const parts = Math.min(MSE_PARTS, Math.ceil(pred.size / 256));
  const scratch = output(op, 'partial', partial, [MSE_PARTS], () => gpu.tensor([MSE_PARTS], op));
  const params = { n: pred.size, parts, capacity: losses.size, grad_scale: 0 };
  gpu.run(gpu.kernel('loss', 'mse_partial'), { params, bind: { pred, tgt: target, partial: scratch }, workgroups: [parts] });
  gpu.run(gpu.kernel('loss', 'mse_final'), { params, bind: { partial_in: scratch, state: counter ?? zeroCounter(gpu), losses }, workgroups: [1] });
  if (!partial) scratch.release();
}

export function mseBackward(gpu: Gpu, pred: Tensor, target: Tensor, scale = 1, out?: Tensor): Tensor {
  const op = 'mse_backward';
  expectShape(op, 'target', target, pred.shape);
  const d = output(op, 'dpred', out, pred.shape, () => gpu.tensor(pred.shape, op));
  gpu.run(gpu.kernel('loss', 'mse_backward'), {
    params: { n: pred.size, parts: 0, capacity: 0, grad_scale: scale }, bind: { pred, tgt: target, dpred: d }, workgroups: gpu.grid(pred.size, 64),
  });
  return d;
}
