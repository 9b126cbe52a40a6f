// 2×2 max pooling (stride 2, trailing odd row/column dropped) on NCHW maps, forward and backward.
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { expectRank, expectShape, fail, output } from './check.ts';
import { shapeStr } from '../runtime/tensor.ts';

export function maxPool2OutputShape(shape: readonly number[]): number[] {
  const [N, C, H, W] = shape;
  return [N, C, Math.floor(H / 2), Math.floor(W / 2)];
}

function check(op: string, x: Tensor) {
  expectRank(op, 'x', x, 4);
  const [N, C, H, W] = x.shape;
  if (H < 2 || W < 2) fail(op, `x ${shapeStr(x.shape)} must be at least 2×2`);
  return { NC: N * C, H, W };
}

export function maxPool2Forward(gpu: Gpu, x: Tensor, out?: Tensor): Tensor {
  const op = 'maxpool2_forward';
  const params = check(op, x);
  const shape = maxPool2OutputShape(x.shape);
  const y = output(op, 'y', out, shape, () => gpu.tensor(shape, op));
  gpu.run(gpu.kernel('pool', 'maxpool2_forward'), { params, bind: { x, y }, invocations: y.size });
  return y;
}

/** dx: dy routed to each window's (first) maximum, zero elsewhere. */
export function maxPool2Backward(gpu: Gpu, dy: Tensor, x: Tensor, out?: Tensor): Tensor {
  const op = 'maxpool2_backward';
  const params = check(op, x);
  expectShape(op, 'dy', dy, maxPool2OutputShape(x.shape));
  const dx = output(op, 'dx', out, x.shape, () => gpu.tensor(x.shape, op));
  gpu.run(gpu.kernel('pool', 'maxpool2_backward'), { params, bind: { x, dy, dx }, invocations: dy.size });
  return dx;
}
