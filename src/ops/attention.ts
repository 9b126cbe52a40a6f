// Fused multi-head self-attention over feature-map positions: qkv [N, 3C, H, W] (output of a 1×1 conv) →
// o [N, C, H, W], plus the log-sum-exp per query row saved for backward; backward gives dqkv [N, 3C, H, W].
import { shapeStr } from '../runtime/tensor.ts';
import type { Gpu } from '../runtime/gpu.ts';
import { SHADER_CONSTANTS } from '../runtime/shaders.gen.ts';
import type { AttentionVariant } from '../runtime/policy.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { expectDistinct, expectShape, fail, output, scopedOp } from './check.ts';

/** The per-invocation arrays of the attention kernels hold one head's vectors: D ≤ MAX_D (shaders/attention_shared.wgsl). */
export const ATTENTION_MAX_HEAD_DIM = SHADER_CONSTANTS.attention_shared.MAX_D;

/**
 * Kernel designs (gpu.policy.attention unless a call names one): 'row' (one query or key row per
 * invocation, its vectors in f32 arrays), 'rows4' (four rows in the lanes of vec4s: each q/k/v/dO element
 * read feeds four rows, a quarter of the invocations) and 'lanes8' (8 query or key rows per 8-lane subgroup,
 * each element of the other side loaded by one lane and shuffled to all, attention_lanes.wgsl; needs 8-lane
 * subgroups and a head dimension that is a multiple of 8, else rows4). Chosen per adapter by measurement
 * (src/tune/).
 */
export type { AttentionVariant } from '../runtime/policy.ts';

function geometry(op: string, qkv: Tensor, heads: number) {
  // Only the channel-major feature map a 1×1 conv gives: a rank-3 tensor could as well be token-major
  // [B, L, d] (whose numbers the kernel would silently read as [N, 3C, L]), so it is refused, not guessed.
  if (qkv.rank !== 4) fail(op, `qkv must be a feature map [N, 3C, H, W] (channel-major, as a 1×1 conv gives), got ${shapeStr(qkv.shape)}; transpose token-major [B, L, d] first`);
  const N = qkv.shape[0];
  const C3 = qkv.shape[1];
  const L = qkv.size / (N * C3);
  if (C3 % 3 !== 0) fail(op, `qkv channels ${C3} are not a multiple of 3`);
  const C = C3 / 3;
  if (!Number.isInteger(heads) || heads < 1 || C % heads !== 0) fail(op, `channels ${C} are not divisible by heads ${heads}`);
  const D = C / heads;
  if (D > ATTENTION_MAX_HEAD_DIM) fail(op, `head dimension ${D} is over the supported ${ATTENTION_MAX_HEAD_DIM}`);
  return { N, C, L, heads, scale: 1 / Math.sqrt(D) };
}

export interface AttentionOut {
  o: Tensor;
  /** [N, heads, L] log Σ_j exp(s_ij) */
  lse: Tensor;
}

/** Whether the lanes8 kernels run: asked for, 8-lane subgroups, and a head dimension that is a multiple of 8. */
function lanes8Runs(gpu: Gpu, v: AttentionVariant, p: { C: number; heads: number }): boolean {
  return v === 'lanes8' && gpu.hasSubgroups8 && (p.C / p.heads) % 8 === 0;
}

/** Entry point suffix and invocation count of a variant in attention*.wgsl ('lanes8' falls back to rows4). */
function plan(variant: AttentionVariant, p: { N: number; L: number; heads: number }) {
  return variant === 'rows4' || variant === 'lanes8'
    ? { suffix: '4', invocations: p.N * p.heads * Math.ceil(p.L / 4) }
    : { suffix: '', invocations: p.N * p.heads * p.L };
}

/** The head dimension as the kernels' pipeline constant HD (attention_shared.wgsl: their loops then unroll). */
function headDim(p: { C: number; heads: number }): Record<string, number> {
  return { HD: p.C / p.heads };
}

export const attentionForward = scopedOp(function attentionForward(gpu: Gpu, qkv: Tensor, heads = 1, into: Partial<AttentionOut> = {}, variant?: AttentionVariant): AttentionOut {
  const op = 'attention_forward';
  const p = geometry(op, qkv, heads);
  expectDistinct(op, { o: into.o, lse: into.lse }, { qkv });
  const oShape = [p.N, p.C, ...qkv.shape.slice(2)];
  const o = output(op, 'o', into.o, oShape, () => gpu.tensor(oShape, op));
  const lse = output(op, 'lse', into.lse, [p.N, heads, p.L], () => gpu.tensor([p.N, heads, p.L], op));
  const v = variant ?? gpu.policy.attention;
  if (lanes8Runs(gpu, v, p)) {
    gpu.run(gpu.kernel('attention_lanes', 'forward8', headDim(p)), { params: p, bind: { qkv, o, lse }, workgroups: [Math.ceil(p.L / 8), p.heads, p.N] });
    return { o, lse };
  }
  const k = plan(v, p);
  gpu.run(gpu.kernel('attention', `forward${k.suffix}`, headDim(p)), { params: p, bind: { qkv, o, lse }, invocations: k.invocations });
  return { o, lse };
});

export const attentionBackward = scopedOp(function attentionBackward(
  gpu: Gpu, dout: Tensor, qkv: Tensor, fwd: AttentionOut, heads = 1,
  into: { dqkv?: Tensor; delta?: Tensor } = {}, variant?: AttentionVariant,
): Tensor {
  const op = 'attention_backward';
  const p = geometry(op, qkv, heads);
  expectShape(op, 'dout', dout, fwd.o.shape);
  expectShape(op, 'lse', fwd.lse, [p.N, heads, p.L]);
  expectDistinct(op, { dqkv: into.dqkv, delta: into.delta }, { dout, qkv, o: fwd.o, lse: fwd.lse });
  const dqkv = output(op, 'dqkv', into.dqkv, qkv.shape, () => gpu.tensor(qkv.shape, op));
  const ownDelta = !into.delta;
  const delta = output(op, 'delta', into.delta, [p.N, heads, p.L], () => gpu.tensor([p.N, heads, p.L], op));
  const v = variant ?? gpu.policy.attention;
  const k = plan(v, p);
  const common = { qkv, lse: fwd.lse, dout, dqkv, delta };
  if (lanes8Runs(gpu, v, p)) {
    const workgroups: [number, number, number] = [Math.ceil(p.L / 8), p.heads, p.N];
    gpu.run(gpu.kernel('attention_lanes', 'backward_q8', headDim(p)), { params: p, bind: { qkv, o_in: fwd.o, lse_in: fwd.lse, dout, dqkv, delta }, workgroups });
    gpu.run(gpu.kernel('attention_lanes', 'backward_kv8', headDim(p)), { params: p, bind: { qkv, lse_in: fwd.lse, dout, dqkv, delta_in: delta }, workgroups });
  } else {
    gpu.run(gpu.kernel('attention_backward_q', `backward_q${k.suffix}`, headDim(p)), { params: p, bind: { ...common, o: fwd.o }, invocations: k.invocations });
    gpu.run(gpu.kernel('attention_backward_kv', `backward_kv${k.suffix}`, headDim(p)), { params: p, bind: common, invocations: k.invocations });
  }
  if (ownDelta) delta.release();
  return dqkv;
});
