// The f16 sampling path's ops (shaders/conv2d_half_shared.wgsl explains the design): f32 images into
// f16 "half rows", 3×3 weights into lane-blocked f16 pairs, and the 3×3 stride-1 convolution that reads
// both and writes f32. Values are stored as f16 and computed in f32 (pack2x16float: core WGSL), so the
// path runs wherever the kernels' subgroups of exactly 8 lanes exist (lavapipe); GroupNorm's half-row
// writer is groupNormHalfForward in groupnorm.ts.
import { shapeStr, type Tensor } from '../runtime/tensor.ts';
import type { Gpu } from '../runtime/gpu.ts';
import { expectDistinct, expectDtype, expectRank, expectShape, fail, output, scopedOp } from './check.ts';

/** Tiles of the half convolution (rows × columns per workgroup of 8 channel lanes). */
export type HalfConvTile = 't2x14' | 't4x14' | 't7x14' | 't4x7' | 't7x7';
export const HALF_CONV_TILES: readonly HalfConvTile[] = ['t2x14', 't4x14', 't7x14', 't4x7', 't7x7'];
const TILE_DIMS: Record<HalfConvTile, [number, number]> = { t2x14: [2, 14], t4x14: [4, 14], t7x14: [7, 14], t4x7: [4, 7], t7x7: [7, 7] };

/** Words per half row: one zero column left, the W values, at least one zero right, two per u32. */
export function halfRowWords(W: number): number {
  return (W + 3) >> 1;
}

/** [N, C, H, W] → the half-row tensor's shape [N, C, H, Wh]. */
export function halfRowsShape(shape: readonly number[]): number[] {
  const [N, C, H, W] = shape;
  return [N, C, H, halfRowWords(W)];
}

/** Whether this adapter runs the half kernels (they need subgroups of exactly 8 lanes; lavapipe has them). */
export function hasHalfKernels(gpu: Gpu): boolean {
  return gpu.hasSubgroups8;
}

/** Why `tile` cannot run rows of W columns, or null: the 7-column tiles start every tile at column 0. */
export function halfTileRefusal(tile: HalfConvTile, W: number): string | null {
  return TILE_DIMS[tile][1] === 7 && W > 7 ? `tile ${tile} covers rows of at most 7 columns, got W = ${W}` : null;
}

/** The reason given where the adapter has no half kernels. */
export const NO_HALF_KERNELS = 'needs WGSL subgroups of exactly 8 lanes (lavapipe has them); this adapter has none of that size: use conv2dForward';

/**
 * The tile for rows of W columns: 7×7 where one 7-column tile covers the row, else 7×14. Seven rows load
 * the weights once per 7 output rows (lavapipe, 2026-12-03, bench op table at the UNet's sampling shapes:
 * 7×7 1.25× 4×7 at 7², 7×14 1.25–1.6× 2×14 at 14² and 28²).
 */
export function defaultHalfTile(W: number): HalfConvTile {
  return W <= 7 ? 't7x7' : 't7x14';
}

/** Runs a half_pack.wgsl image entry (pack_rows, upsample_rows) from x [N, C, H, W] into half rows of `shape`. */
function packImage(gpu: Gpu, op: string, entry: 'pack_rows' | 'upsample_rows', x: Tensor, shape: number[], into?: Tensor): Tensor {
  expectRank(op, 'x', x, 4);
  expectDtype(op, 'x', x, 'f32');
  const [, C, H, W] = x.shape;
  const y = output(op, 'y', into, shape, () => gpu.tensor(shape, op, 'u32'));
  expectDtype(op, 'y', y, 'u32');
  expectDistinct(op, { y }, { x });
  gpu.run(gpu.kernel('half_pack', entry), {
    params: { count: y.size / shape[3], C, H, W, Wh: shape[3], C_in: 0, C_out: 0 }, bind: { src: x, dst: y }, invocations: y.size / shape[3],
  });
  return y;
}

/** x [N, C, H, W] f32 → half rows [N, C, H, Wh] (u32 words of two f16). */
export const packHalfRows = scopedOp(function packHalfRows(gpu: Gpu, x: Tensor, into?: Tensor): Tensor {
  return packImage(gpu, 'pack_half_rows', 'pack_rows', x, x.rank === 4 ? halfRowsShape(x.shape) : [], into);
});

/** x [N, C, H, W] f32 → the half rows of its 2× nearest upsampling, [N, C, 2H, W + 1]. */
export const upsampleHalfRows = scopedOp(function upsampleHalfRows(gpu: Gpu, x: Tensor, into?: Tensor): Tensor {
  const [N, C, H, W] = x.shape;
  return packImage(gpu, 'upsample_half_rows', 'upsample_rows', x, x.rank === 4 ? halfRowsShape([N, C, 2 * H, 2 * W]) : [], into);
});

/** Words of the packed f16 weights of a 3×3 conv: [⌈C_out / 8⌉, C_in, 5, 8]. */
export function halfWeightWords(C_out: number, C_in: number): number {
  return Math.ceil(C_out / 8) * C_in * 40;
}

/** w [C_out, C_in, 3, 3] f32 → lane-blocked f16 pairs (conv2d_half_shared.wgsl's weight layout). */
export const packHalfWeights3 = scopedOp(function packHalfWeights3(gpu: Gpu, w: Tensor, into?: Tensor): Tensor {
  const op = 'pack_half_weights3';
  expectRank(op, 'weight', w, 4);
  expectDtype(op, 'weight', w, 'f32');
  const [C_out, C_in, K, K2] = w.shape;
  if (K !== 3 || K2 !== 3) fail(op, `weight must be [C_out, C_in, 3, 3], got ${shapeStr(w.shape)}`);
  const words = halfWeightWords(C_out, C_in);
  const y = output(op, 'packed', into, [words], () => gpu.tensor([words], op, 'u32'));
  expectDtype(op, 'packed', y, 'u32');
  expectDistinct(op, { packed: y }, { weight: w });
  gpu.run(gpu.kernel('half_pack', 'pack_weights3'), {
    params: { count: words, C: 0, H: 0, W: 0, Wh: 0, C_in, C_out }, bind: { src: w, dst: y }, invocations: words,
  });
  return y;
});

/** Optional parts of conv2dHalfForward. */
export interface HalfConvExtras {
  /** [N, C_out]: added to every pixel of channel co of image n (the ResBlock's time embedding). */
  emb?: Tensor;
  tile?: HalfConvTile;
}

/**
 * y = conv2d(x, w) + b (+ emb[n, co]) for 3×3, stride 1, pad 1, with x given as half rows (xShape is its
 * logical [N, C_in, H, W]) and w [C_out, C_in, 3, 3] packed to f16 here; y [N, C_out, H, W] f32.
 */
export const conv2dHalfForward = scopedOp(function conv2dHalfForward(
  gpu: Gpu, xh: Tensor, xShape: readonly number[], w: Tensor, b: Tensor, out?: Tensor, extras: HalfConvExtras = {},
): Tensor {
  const op = 'conv2d_half_forward';
  if (xShape.length !== 4) fail(op, `xShape must be [N, C_in, H, W], got ${shapeStr(xShape)}`);
  const [N, C_in, H, W] = xShape;
  expectShape(op, 'x (half rows)', xh, halfRowsShape(xShape));
  expectDtype(op, 'x (half rows)', xh, 'u32');
  expectRank(op, 'weight', w, 4);
  const [C_out, wCin, K, K2] = w.shape;
  if (K !== 3 || K2 !== 3) fail(op, `weight must be 3×3, got ${shapeStr(w.shape)}`);
  if (wCin !== C_in) fail(op, `weight expects ${wCin} input channels but x has ${C_in}`);
  expectShape(op, 'bias', b, [C_out]);
  if (extras.emb) expectShape(op, 'emb', extras.emb, [N, C_out]);
  if (!hasHalfKernels(gpu)) fail(op, NO_HALF_KERNELS);
  const t = extras.tile ?? defaultHalfTile(W);
  const refusal = halfTileRefusal(t, W);
  if (refusal) fail(op, refusal);
  const [TR, TW] = TILE_DIMS[t];
  expectDistinct(op, { y: out }, { xh, weight: w, bias: b, ...(extras.emb ? { emb: extras.emb } : {}) });
  const y = output(op, 'y', out, [N, C_out, H, W], () => gpu.tensor([N, C_out, H, W], op));
  const wh = packHalfWeights3(gpu, w);
  gpu.run(gpu.kernel(`conv2d_half_${t}`, 'half_k3s1'), {
    params: { N, C_in, H, W, Wh: halfRowWords(W), C_out, has_bias: 1, has_emb: extras.emb ? 1 : 0 }, bind: { xh, wh, bias: b, y, emb: extras.emb ?? b },
    workgroups: [Math.ceil(H / TR) * Math.ceil(W / TW), Math.ceil(C_out / 8), N],
  });
  wh.release();
  return y;
});
