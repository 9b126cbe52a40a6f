// Sums used by backward passes (bias gradients, per-channel embedding gradients).
import { shapeStr } from '../runtime/tensor.ts';
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { expectSize, fail, output } from './check.ts';

/**
 * Reduction design (gpu.policy.reduce): 'tree' (a workgroup of 64 per output, tree in workgroup memory:
 * suits GPUs) or 'serial' (one invocation per output, a plain loop: suits software adapters where barriers
 * are costly). Used by the sums here and by GroupNorm; chosen per adapter by measurement (src/tune/).
 */
export type { ReduceStyle } from '../runtime/policy.ts';

/** out[c] = Σ_a Σ_s src[a, c, s] for src viewed as [A, C, S]. */
export function sumChannels(gpu: Gpu, src: Tensor, A: number, C: number, S: number, out?: Tensor): Tensor {
  const op = 'sum_channels';
  expectSize(op, 'src', src, A * C * S);
  const dst = output(op, 'out', out, [C], () => gpu.tensor([C], op));
  if (gpu.policy.reduce === 'serial') {
    gpu.run(gpu.kernel('reduce', 'sum_channels_serial'), { params: { A, C, S }, bind: { src, dst }, invocations: C });
  } else {
    gpu.run(gpu.kernel('reduce', 'sum_channels'), { params: { A, C, S }, bind: { src, dst }, workgroups: gpu.grid(C, 1) });
  }
  return dst;
}

/** out[r] = Σ_s src[r, s] for src viewed as [R, S]; out has the given shape (R elements). */
export function sumRows(gpu: Gpu, src: Tensor, R: number, S: number, outShape: readonly number[], out?: Tensor): Tensor {
  const op = 'sum_rows';
  expectSize(op, 'src', src, R * S);
  if (outShape.reduce((a, b) => a * b, 1) !== R) fail(op, `output shape ${shapeStr(outShape)} does not hold ${R} rows`);
  const dst = output(op, 'out', out, outShape, () => gpu.tensor(outShape, op));
  if (gpu.policy.reduce === 'serial') {
    gpu.run(gpu.kernel('reduce', 'sum_rows_serial'), { params: { A: 1, C: R, S }, bind: { src, dst }, invocations: R });
  } else {
    gpu.run(gpu.kernel('reduce', 'sum_rows'), { params: { A: 1, C: R, S }, bind: { src, dst }, workgroups: gpu.grid(R, 1) });
  }
  return dst;
}

/** out[c] = Σ_a src[a, c] for src viewed as [A, C]: one invocation per output (short reductions over A). */
export function sumOuter(gpu: Gpu, src: Tensor, A: number, C: number, out: Tensor): Tensor {
  const op = 'sum_outer';
  expectSize(op, 'src', src, A * C);
  expectSize(op, 'out', out, C);
  // Four outputs per invocation where C is a multiple of 4 (reduce4.wgsl).
  if (C % 4 === 0) gpu.run(gpu.kernel('reduce4', 'sum_outer4'), { params: { A, C, S: 1 }, bind: { src4: src, dst4: out }, invocations: C / 4 });
  else gpu.run(gpu.kernel('reduce', 'sum_outer'), { params: { A, C, S: 1 }, bind: { src, dst: out }, invocations: C });
  return out;
}
