// GroupNorm (optionally fused with SiLU on its output) over [N, C, H, W] or [N, C, L], forward and backward.
import { shapeStr } from '../runtime/tensor.ts';
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { expectDistinct, expectDtype, expectRank, expectShape, fail, output, scopedOp } from './check.ts';
import { halfRowsShape, halfRowWords } from './half.ts';

export interface GroupNormOpts {
  groups: number;
  eps?: number;
  /** Apply SiLU to the normalised output (the GroupNorm→SiLU pair of every UNet block). */
  silu?: boolean;
}

function geometry(op: string, x: Tensor, gamma: Tensor, beta: Tensor, o: GroupNormOpts) {
  if (x.rank < 2) fail(op, `x must be [N, C, ...], got ${shapeStr(x.shape)}`);
  const [N, C] = x.shape;
  const S = x.size / (N * C);
  const G = o.groups;
  if (!Number.isInteger(G) || G < 1) fail(op, `groups must be a positive integer, got ${G}`);
  if (C % G !== 0) fail(op, `channels ${C} are not divisible by groups ${G}`);
  expectShape(op, 'gamma', gamma, [C]);
  expectShape(op, 'beta', beta, [C]);
  const W = x.shape[x.rank - 1];
  return { N, C, S, G, eps: o.eps ?? 1e-5, silu: o.silu ? 1 : 0, W, Wh: halfRowWords(W) };
}

/**
 * Whether the subgroup kernels run (groupnorm_lanes.wgsl): asked for by the policy and 8-lane subgroups,
 * else the policy's reduction style. They read vec4s where S = H·W is a multiple of 4 (a vec4 must not
 * straddle channels); elsewhere backward reads one float per lane (backward_lanes1) and forward keeps the
 * reduction style's kernel.
 */
function useLanes(gpu: Gpu): boolean {
  return gpu.policy.groupnorm === 'lanes' && gpu.hasSubgroups8;
}

export interface GroupNormOut {
  y: Tensor;
  /** [N·G, 2]: mean and 1/√(var + eps) per group, needed by backward. */
  stats: Tensor;
}

export const groupNormForward = scopedOp(function groupNormForward(gpu: Gpu, x: Tensor, gamma: Tensor, beta: Tensor, opts: GroupNormOpts, into: Partial<GroupNormOut> = {}): GroupNormOut {
  const op = opts.silu ? 'groupnorm_silu_forward' : 'groupnorm_forward';
  const p = geometry(op, x, gamma, beta, opts);
  expectDistinct(op, { y: into.y, stats: into.stats }, { x, gamma, beta });
  const y = output(op, 'y', into.y, x.shape, () => gpu.tensor(x.shape, op));
  const stats = output(op, 'stats', into.stats, [p.N * p.G, 2], () => gpu.tensor([p.N * p.G, 2], op));
  // Forward on the lanes kernel only with vec4s: one float per lane it lost to the serial kernel (0.85×
  // at 7×7), and sampling runs forward alone. Every forward writes the same stats for backward.
  if (useLanes(gpu) && p.S % 4 === 0) {
    gpu.run(gpu.kernel('groupnorm_lanes', 'forward_lanes'), { params: p, bind: { x4: x, y4: y, gamma, beta, stats }, workgroups: gpu.grid(p.N * p.G, 1) });
  } else if (gpu.policy.reduce === 'serial') {
    gpu.run(gpu.kernel('groupnorm', 'forward_serial'), { params: p, bind: { x, gamma, beta, y, stats }, invocations: p.N * p.G });
  } else {
    gpu.run(gpu.kernel('groupnorm', 'forward'), { params: p, bind: { x, gamma, beta, y, stats }, workgroups: gpu.grid(p.N * p.G, 1) });
  }
  return { y, stats };
});

/**
 * The f16 sampling path's GroupNorm (+ SiLU): normalised in f32 like groupNormForward, written as f16 half
 * rows (src/ops/half.ts) for conv2dHalfForward. x [N, C, H, W]; yh [N, C, H, Wh] u32.
 */
export const groupNormHalfForward = scopedOp(function groupNormHalfForward(
  gpu: Gpu, x: Tensor, gamma: Tensor, beta: Tensor, opts: GroupNormOpts, into: Partial<GroupNormOut> = {},
): GroupNormOut {
  const op = opts.silu ? 'groupnorm_silu_half_forward' : 'groupnorm_half_forward';
  expectRank(op, 'x', x, 4);
  const p = geometry(op, x, gamma, beta, opts);
  expectDistinct(op, { y: into.y, stats: into.stats }, { x, gamma, beta });
  const hs = halfRowsShape(x.shape);
  const y = output(op, 'y (half rows)', into.y, hs, () => gpu.tensor(hs, op, 'u32'));
  expectDtype(op, 'y (half rows)', y, 'u32');
  const stats = output(op, 'stats', into.stats, [p.N * p.G, 2], () => gpu.tensor([p.N * p.G, 2], op));
  const bind = { x, gamma, beta, yh: y, stats };
  if (gpu.policy.reduce === 'serial') {
    gpu.run(gpu.kernel('groupnorm_half', 'forward_half_serial'), { params: p, bind, invocations: p.N * p.G });
  } else {
    gpu.run(gpu.kernel('groupnorm_half', 'forward_half'), { params: p, bind, workgroups: gpu.grid(p.N * p.G, 1) });
  }
  return { y, stats };
});

export interface GroupNormGrads {
  dx: Tensor;
  dgamma: Tensor;
  dbeta: Tensor;
}

export const groupNormBackward = scopedOp(function groupNormBackward(
  gpu: Gpu, dy: Tensor, x: Tensor, gamma: Tensor, beta: Tensor, stats: Tensor, opts: GroupNormOpts,
  into: Partial<GroupNormGrads> = {},
): GroupNormGrads {
  const op = opts.silu ? 'groupnorm_silu_backward' : 'groupnorm_backward';
  const p = geometry(op, x, gamma, beta, opts);
  expectShape(op, 'dy', dy, x.shape);
  expectShape(op, 'stats', stats, [p.N * p.G, 2]);
  expectDistinct(op, { dx: into.dx, dgamma: into.dgamma, dbeta: into.dbeta }, { dy, x, gamma, beta, stats });
  const dx = output(op, 'dx', into.dx, x.shape, () => gpu.tensor(x.shape, op));
  const dgamma = output(op, 'dgamma', into.dgamma, [p.C], () => gpu.tensor([p.C], op));
  const dbeta = output(op, 'dbeta', into.dbeta, [p.C], () => gpu.tensor([p.C], op));
  const common = { x, gamma, beta, stats, dy };
  if (useLanes(gpu)) {
    // The input gradient writes per-(n, c) sums of the affine gradients; params_sum adds them over n.
    const partial = gpu.tensor([2, p.N, p.C], op);
    const workgroups = gpu.grid(p.N * p.G, 1);
    if (p.S % 4 === 0) gpu.run(gpu.kernel('groupnorm_lanes', 'backward_lanes'), { params: p, bind: { x4: x, dy4: dy, dx4: dx, gamma, beta, stats, partial }, workgroups });
    else gpu.run(gpu.kernel('groupnorm_lanes', 'backward_lanes1'), { params: p, bind: { x1: x, dy1: dy, dx1: dx, gamma, beta, stats, partial }, workgroups });
    gpu.run(gpu.kernel('groupnorm_lanes', 'params_sum'), { params: p, bind: { partial, dgamma, dbeta }, invocations: p.C });
    partial.release();
  } else if (gpu.policy.reduce === 'serial') {
    gpu.run(gpu.kernel('groupnorm_backward_input', 'backward_input_serial'), { params: p, bind: { ...common, dx }, invocations: p.N * p.G });
    gpu.run(gpu.kernel('groupnorm_backward_params', 'backward_params_serial'), { params: p, bind: { ...common, dgamma, dbeta }, invocations: p.C });
  } else {
    gpu.run(gpu.kernel('groupnorm_backward_input', 'backward_input'), { params: p, bind: { ...common, dx }, workgroups: gpu.grid(p.N * p.G, 1) });
    gpu.run(gpu.kernel('groupnorm_backward_params', 'backward_params'), { params: p, bind: { ...common, dgamma, dbeta }, workgroups: gpu.grid(p.C, 1) });
  }
  return { dx, dgamma, dbeta };
});
