// Linear layer y = x·Wᵀ + b (PyTorch layout W [out, in]) and its backward, all through one strided batched
// matmul (matmul.wgsl, or matmul_vec4.wgsl where the layout allows vec4 loads); also the plain batched
// matmul for whoever needs it.
import { shapeStr } from '../runtime/tensor.ts';
import type { Gpu } from '../runtime/gpu.ts';
import type { MatmulVariant } from '../runtime/policy.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { expectDistinct, expectRank, expectShape, fail, output, scopedOp } from './check.ts';
import { sumChannels } from './reduce.ts';

interface Strided {
  t: Tensor;
  bs: number; // batch stride
  rs: number; // row stride
  cs: number; // column stride
}

/**
 * C[b] (= or +=) A[b]·B[b] (+ bias), with A and B given by strides (so transposes cost nothing); `variant`
 * overrides the policy's choice for the size (gpu.policy.matmulFor; 'colanes' and 'texture' run where the
 * adapter has 8-lane subgroups, else 'tiled').
 */
export function stridedMatmul(
  gpu: Gpu, batch: number, M: number, N: number, K: number, A: Strided, B: Strided, C: Tensor,
  bias: Tensor | null = null, accumulate = false, variant?: MatmulVariant,
): void {
  const params = {
    batch, M, N, K,
    a_bs: A.bs, a_rs: A.rs, a_cs: A.cs,
    b_bs: B.bs, b_rs: B.rs, b_cs: B.cs,
    has_bias: bias ? 1 : 0, accumulate: accumulate ? 1 : 0,
  };
  const invocations = batch * Math.ceil(M / 4) * Math.ceil(N / 4);
  // Without a bias the slot still needs a buffer; A's is bound read-only, which the shader never reads.
  const biasArg = bias ?? A.t;
  const bind = { a: A.t, b: B.t, bias: biasArg, c: C };
  const chosen = variant ?? gpu.policy.matmulFor(M, N, K);
  if (chosen === 'texture' && gpu.hasSubgroups8) {
    // Texel panels of A (32 rows, 8 texels per k) and B (64 columns, 16 texels per k), then the 32×64
    // tiles (matmul_texture.wgsl); operands too large for one texture, for the buffer a pack writes before
    // the copy into it, or for the grids (the packs' x runs along K), take the colanes path.
    const K2 = Math.ceil(K / 4) * 4; // panels zero-padded to a multiple of 4 in depth
    const aTexels = batch * Math.ceil(M / 32) * K2 * 8;
    const bTexels = batch * Math.ceil(N / 64) * K2 * 16;
    const grid = Math.max(Math.ceil(K2 * 16 / 64), Math.ceil(M / 32), Math.ceil(N / 64), batch);
    if (Math.max(aTexels, bTexels) <= gpu.textures.maxTexels() && grid <= gpu.limits.maxComputeWorkgroupsPerDimension) {
      const ta = gpu.texels(aTexels, 'matmul');
      const tb = gpu.texels(bTexels, 'matmul');
      const { aK4, bK4, aVec4, bVec4 } = texturePanelLayout(M, N, K, A, B);
      const A_K4 = aK4 ? 1 : 0;
      const B_K4 = bK4 ? 1 : 0;
      const aGrid: [number, number, number] = [Math.ceil(K2 * 8 / 64), Math.ceil(M / 32), batch];
      const bGrid: [number, number, number] = [Math.ceil(K2 * 16 / 64), Math.ceil(N / 64), batch];
      // The packs write plain buffers, copied into the textures (a kernel's textureStore costs far more).
      const pa = gpu.tensor([ta.floats], 'matmul');
      const pb = gpu.tensor([tb.floats], 'matmul');
      if (aVec4) gpu.run(gpu.kernel('matmul_texture', 'pack_a4', { A_K4 }), { params, bind: { a4: A.t, ta_out: pa }, workgroups: aGrid });
      else gpu.run(gpu.kernel('matmul_texture', 'pack_a', { A_K4 }), { params, bind: { a: A.t, ta_out: pa }, workgroups: aGrid });
      if (bVec4) gpu.run(gpu.kernel('matmul_texture', 'pack_b4', { B_K4 }), { params, bind: { b4: B.t, tb_out: pb }, workgroups: bGrid });
      else gpu.run(gpu.kernel('matmul_texture', 'pack_b', { B_K4 }), { params, bind: { b: B.t, tb_out: pb }, workgroups: bGrid });
      gpu.copyToTexels(pa, ta);
      gpu.copyToTexels(pb, tb);
      pa.release();
      pb.release();
      gpu.run(gpu.kernel('matmul_texture', 'tiles', { A_K4, B_K4 }), { params, bind: { ta, tb, bias: biasArg, c: C }, workgroups: [Math.ceil(N / 64), Math.ceil(M / 32), batch] });
      ta.release();
      tb.release();
      return;
    }
  }
  if ((chosen === 'colanes' || chosen === 'texture') && gpu.hasSubgroups8) {
    // Panels of A (16 rows) and B (32 columns), k-major, then the 16×32 tiles (matmul_colanes.wgsl).
    const ap = gpu.tensor([batch * Math.ceil(M / 16) * K * 16], 'matmul');
    const bp = gpu.tensor([batch * Math.ceil(N / 32) * K * 32], 'matmul');
    gpu.run(gpu.kernel('matmul_colanes', 'pack_a'), { params, bind: { a: A.t, ap }, invocations: ap.size });
    gpu.run(gpu.kernel('matmul_colanes', 'pack_b'), { params, bind: { b: B.t, bp }, invocations: bp.size });
    gpu.run(gpu.kernel('matmul_colanes', 'colanes'), { params, bind: { ap, bp, bias: biasArg, c: C }, workgroups: [Math.ceil(N / 32), Math.ceil(M / 16), batch] });
    ap.release();
    bp.release();
    return;
  }
  const entry = vec4Entry(M, N, K, A, B);
  if (entry) gpu.run(gpu.kernel('matmul_vec4', entry), { params, bind, invocations });
  else gpu.run(gpu.kernel('matmul', 'forward'), { params, bind, invocations });
}

/**
 * The texture matmul's panel layouts (matmul_texture.wgsl): a texel of 4 k where the operand's k stride is 1
 * (A_K4 / B_K4), else of 4 rows (A) or columns (B); and whether its 4 floats are a contiguous, 16-byte aligned
 * run that is wholly inside the operand or wholly padding, so the pack reads it with one vec4 load.
 */
export function texturePanelLayout(M: number, N: number, K: number, A: Strided, B: Strided) {
  const aK4 = A.cs === 1 && A.rs !== 1;
  const bK4 = B.rs === 1 && B.cs !== 1;
  const aVec4 = aK4
    ? K % 4 === 0 && A.rs % 4 === 0 && A.bs % 4 === 0
    : A.rs === 1 && M % 4 === 0 && A.cs % 4 === 0 && A.bs % 4 === 0;
  const bVec4 = bK4
    ? K % 4 === 0 && B.cs % 4 === 0 && B.bs % 4 === 0
    : B.cs === 1 && N % 4 === 0 && B.rs % 4 === 0 && B.bs % 4 === 0;
  return { aK4, bK4, aVec4, bVec4 };
}

/**
 * The matmul_vec4.wgsl entry point for layouts that allow vec4 loads (vec4-aligned strides and offsets):
 * both operands contiguous along k (y = x·Wᵀ), A transposed and B row-major (dW = dyᵀ·x), both row-major
 * (dx = dy·W); null for the scalar kernel in matmul.wgsl.
 */
function vec4Entry(M: number, N: number, K: number, A: Strided, B: Strided): 'forward_nt4' | 'forward_tn4' | 'forward_nn4' | null {
  const aligned = (...v: number[]) => [...v, A.bs, B.bs, A.t.offset, B.t.offset].every((n) => n % 4 === 0);
  if (A.cs === 1 && B.rs === 1 && aligned(K, A.rs, B.cs)) return 'forward_nt4';
  if (A.rs === 1 && B.cs === 1 && aligned(M, N, A.cs, B.rs)) return 'forward_tn4';
  if (A.cs === 1 && B.cs === 1 && aligned(K, N, A.rs, B.rs)) return 'forward_nn4';
  return null;
}

/** a [B, M, K] · b [B, K, N] → [B, M, N] (or rank-2 without the batch). */
export const matmul = scopedOp(function matmul(gpu: Gpu, a: Tensor, b: Tensor, out?: Tensor): Tensor {
  const op = 'matmul';
  if (a.rank !== b.rank || (a.rank !== 2 && a.rank !== 3)) fail(op, `expected two rank-2 or two rank-3 tensors, got ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  const [B, M, K] = a.rank === 3 ? a.shape : [1, ...a.shape];
  const [B2, K2, N] = b.rank === 3 ? b.shape : [1, ...b.shape];
  if (B !== B2 || K !== K2) fail(op, `shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} do not multiply`);
  const shape = a.rank === 3 ? [B, M, N] : [M, N];
  const c = output(op, 'out', out, shape, () => gpu.tensor(shape, op));
  stridedMatmul(gpu, B, M, N, K, { t: a, bs: M * K, rs: K, cs: 1 }, { t: b, bs: K * N, rs: N, cs: 1 }, c);
  return c;
});

function check(op: string, x: Tensor, w: Tensor) {
  expectRank(op, 'x', x, 2);
  expectRank(op, 'weight', w, 2);
  const [M, K] = x.shape;
  const [N, K2] = w.shape;
  if (K !== K2) fail(op, `weight ${shapeStr(w.shape)} expects ${K2} input features but x ${shapeStr(x.shape)} has ${K}`);
  return { M, K, N };
}

/** x [M, in] · Wᵀ + b → [M, out]. */
export const linearForward = scopedOp(function linearForward(gpu: Gpu, x: Tensor, w: Tensor, b: Tensor, out?: Tensor): Tensor {
  const op = 'linear_forward';
  const { M, K, N } = check(op, x, w);
  expectShape(op, 'bias', b, [N]);
  expectDistinct(op, { y: out }, { x, w, bias: b });
  const y = output(op, 'y', out, [M, N], () => gpu.tensor([M, N], op));
  stridedMatmul(gpu, 1, M, N, K, { t: x, bs: 0, rs: K, cs: 1 }, { t: w, bs: 0, rs: 1, cs: K }, y, b);
  return y;
});

export interface LinearGrads {
  dx?: Tensor;
  dw: Tensor;
  db: Tensor;
}

/** dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy. */
export const linearBackward = scopedOp(function linearBackward(gpu: Gpu, dy: Tensor, x: Tensor, w: Tensor, into: Partial<LinearGrads> = {}, skipInput = false): LinearGrads {
  const op = 'linear_backward';
  const { M, K, N } = check(op, x, w);
  expectShape(op, 'dy', dy, [M, N]);
  expectDistinct(op, { dx: into.dx, dw: into.dw, db: into.db }, { dy, x, w });
  const dw = output(op, 'dw', into.dw, [N, K], () => gpu.tensor([N, K], op));
  const db = output(op, 'db', into.db, [N], () => gpu.tensor([N], op));
  let dx: Tensor | undefined;
  if (!skipInput) {
    dx = output(op, 'dx', into.dx, [M, K], () => gpu.tensor([M, K], op));
    stridedMatmul(gpu, 1, M, K, N, { t: dy, bs: 0, rs: N, cs: 1 }, { t: w, bs: 0, rs: K, cs: 1 }, dx);
  }
  // dW[o, i] = Σ_m dy[m, o] x[m, i]: A = dyᵀ (row o stride 1, col m stride N), B = x.
  stridedMatmul(gpu, 1, N, K, M, { t: dy, bs: 0, rs: 1, cs: N }, { t: x, bs: 0, rs: K, cs: 1 }, dw);
  sumChannels(gpu, dy, M, N, 1, db);
  return { dx, dw, db };
});
