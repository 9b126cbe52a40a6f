// conv2d forward and backward (input, weight, bias): NCHW, OIHW weights, square K ≤ 3, any stride, zero pad.
import { shapeStr } from '../runtime/tensor.ts';
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { expectRank, expectShape, fail, output } from './check.ts';
import { sumChannels } from './reduce.ts';

export interface Conv2dOpts {
  stride?: number;
  /** Zero padding; default K/2 floored ("same" for stride 1, odd K). */
  pad?: number;
}

interface ConvGeom {
  N: number; C_in: number; H: number; W: number; C_out: number; OH: number; OW: number; K: number; stride: number; pad: number;
}

function geometry(op: string, x: Tensor, w: Tensor, opts: Conv2dOpts): ConvGeom {
  expectRank(op, 'x', x, 4);
  expectRank(op, 'weight', w, 4);
  const [N, C_in, H, W] = x.shape;
  const [C_out, wCin, K, K2] = w.shape;
  if (K !== K2) fail(op, `weight must be square, got ${K}×${K2}`);
  if (K > 3) fail(op, `kernel size ${K} is not supported (1..3)`);
  if (wCin !== C_in) fail(op, `weight expects ${wCin} input channels but x has ${C_in} (x ${shapeStr(x.shape)}, weight ${shapeStr(w.shape)})`);
  const stride = opts.stride ?? 1;
  const pad = opts.pad ?? Math.floor(K / 2);
  if (!Number.isInteger(stride) || stride < 1) fail(op, `stride must be a positive integer, got ${stride}`);
  if (!Number.isInteger(pad) || pad < 0) fail(op, `pad must be a non-negative integer, got ${pad}`);
  const OH = Math.floor((H + 2 * pad - K) / stride) + 1;
  const OW = Math.floor((W + 2 * pad - K) / stride) + 1;
  if (OH < 1 || OW < 1) fail(op, `input ${H}×${W} is too small for K=${K}, pad=${pad}`);
  return { N, C_in, H, W, C_out, OH, OW, K, stride, pad };
}

export function conv2dOutputShape(x: readonly number[], w: readonly number[], opts: Conv2dOpts = {}): number[] {
  const K = w[2];
  const stride = opts.stride ?? 1;
  const pad = opts.pad ?? Math.floor(K / 2);
  return [x[0], w[0], Math.floor((x[2] + 2 * pad - K) / stride) + 1, Math.floor((x[3] + 2 * pad - K) / stride) + 1];
}

/** y = conv2d(x, w) + b. x [N, C_in, H, W], w [C_out, C_in, K, K], b [C_out] → y [N, C_out, OH, OW]. */
export function conv2dForward(gpu: Gpu, x: Tensor, w: Tensor, b: Tensor, opts: Conv2dOpts = {}, out?: Tensor): Tensor {
  const op = 'conv2d_forward';
  const g = geometry(op, x, w, opts);
  expectShape(op, 'bias', b, [g.C_out]);
  const y = output(op, 'y', out, [g.N, g.C_out, g.OH, g.OW], () => gpu.tensor([g.N, g.C_out, g.OH, g.OW], op));
  const n = g.N * Math.ceil(g.C_out / 4) * g.OH * Math.ceil(g.OW / 4);
  gpu.run(gpu.kernel('conv2d', 'forward'), { params: { ...g }, bind: { x, w, bias: b, y }, workgroups: gpu.grid(n, 64) });
  return y;
}

export interface Conv2dGrads {
  dx?: Tensor;
  dw: Tensor;
  db: Tensor;
}

/**
 * Gradients of conv2d given dy. Writes (overwrites) dw, db and, unless skipInput (first layer), dx.
 * Pass preallocated outputs in `into` to avoid allocation.
 */
export function conv2dBackward(
  gpu: Gpu, dy: Tensor, x: Tensor, w: Tensor, opts: Conv2dOpts = {},
  into: Partial<Conv2dGrads> = {}, skipInput = false,
): Conv2dGrads {
  const op = 'conv2d_backward';
  const g = geometry(op, x, w, opts);
  expectShape(op, 'dy', dy, [g.N, g.C_out, g.OH, g.OW]);
  const dw = output(op, 'dw', into.dw, w.shape, () => gpu.tensor(w.shape, op));
  const db = output(op, 'db', into.db, [g.C_out], () => gpu.tensor([g.C_out], op));
  let dx: Tensor | undefined;
  if (!skipInput) {
    dx = output(op, 'dx', into.dx, x.shape, () => gpu.tensor(x.shape, op));
    const n = g.N * Math.ceil(g.C_in / 4) * g.H * Math.ceil(g.W / 4);
    gpu.run(gpu.kernel('conv2d', 'backward_input'), { params: { ...g }, bind: { dy, wt: w, dx }, workgroups: gpu.grid(n, 64) });
  }
  gpu.run(gpu.kernel('conv2d', 'backward_weight'), {
    params: { ...g }, bind: { dyw: dy, xw: x, dw }, workgroups: gpu.grid(g.C_out * g.C_in, 64),
  });
  sumChannels(gpu, dy, g.N, g.C_out, g.OH * g.OW, db);
  return { dx, dw, db };
}
