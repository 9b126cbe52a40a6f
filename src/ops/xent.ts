// Softmax cross-entropy against integer labels: forward puts the batch mean into a GPU loss ring (like
// mseForward), backward writes dlogits. Both read only logits and labels, so they can run in either order.
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { expectDtype, expectRank, expectShape, output } from './check.ts';
import { zeroCounter } from './random.ts';

function check(op: string, logits: Tensor, labels: Tensor) {
  expectRank(op, 'logits', logits, 2);
  const [rows, classes] = logits.shape;
  expectShape(op, 'labels', labels, [rows]);
  expectDtype(op, 'labels', labels, 'u32');
  return { rows, classes };
}

/** Per-row losses into rowLoss [rows]; their mean into losses[counter mod losses.size]. */
export function crossEntropyForward(gpu: Gpu, logits: Tensor, labels: Tensor, losses: Tensor, counter?: Tensor, rowLoss?: Tensor): Tensor {
  const op = 'cross_entropy_forward';
  const { rows, classes } = check(op, logits, labels);
  expectDtype(op, 'losses', losses, 'f32');
  const rl = output(op, 'rowLoss', rowLoss, [rows], () => gpu.tensor([rows], op));
  gpu.run(gpu.kernel('xent', 'xent_forward'), {
    params: { rows, classes, grad_scale: 0 }, bind: { logits, labels, rowloss: rl }, invocations: rows,
  });
  gpu.run(gpu.kernel('loss', 'mse_final'), {
    params: { n: rows, parts: rows, capacity: losses.size, grad_scale: 0, S: 1 },
    bind: { partial_in: rl, state: counter ?? zeroCounter(gpu), losses }, workgroups: [1],
  });
  return rl;
}

/** dlogits = scale · (softmax(logits) − onehot(labels)) / rows */
export function crossEntropyBackward(gpu: Gpu, logits: Tensor, labels: Tensor, scale = 1, out?: Tensor): Tensor {
  const op = 'cross_entropy_backward';
  const { rows, classes } = check(op, logits, labels);
  const d = output(op, 'dlogits', out, logits.shape, () => gpu.tensor(logits.shape, op));
  gpu.run(gpu.kernel('xent', 'xent_backward'), {
    params: { rows, classes, grad_scale: scale }, bind: { logits, labels, dlogits: d }, invocations: logits.size,
  });
  return d;
}
