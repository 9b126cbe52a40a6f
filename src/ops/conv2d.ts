// conv2d forward and backward (input, weight, bias): NCHW, OIHW weights, square K ≤ 3, any stride, zero pad.
import { shapeStr } from '../runtime/tensor.ts';
import type { Gpu } from '../runtime/gpu.ts';
import { CONV_VARIANTS, type ConvDirection, type ConvVariant } from '../runtime/policy.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { expectDistinct, expectRank, expectShape, fail, output, scopedOp } from './check.ts';
import { sumChannels, sumOuter } from './reduce.ts';

/**
 * Kernel designs: 'direct' (conv2d.wgsl, conv2d_backward_input.wgsl, conv2d_backward_weight.wgsl: one
 * invocation per 4×4 output tile, generic K and stride) and 'blocked' (conv2d_blocked.wgsl: 3×3 and 1×1
 * specialised, 4 channels × 4 columns in named registers; weight and bias gradients in one dispatch
 * straight from NCHW dy, split over the batch: conv2d_weight.wgsl),
 * 'blocked8' (the same with 8 output channels per invocation for 3×3 forward and input gradient: more reuse
 * per load, more registers) and 'gemm' (conv2d_gemm.wgsl + gemm.wgsl: im2col / packed weights feeding vec4
 * 4×8-tile GEMMs, col2im for the input gradient, split-K for the weight gradient). Which is fastest depends
 * on the adapter and the shape; bench/ measures them and src/tune/autotune.ts picks per adapter and shape class. 'lanes'
 * (conv2d_lanes.wgsl: one pixel per invocation, 8 output channels per workgroup so weight loads are uniform)
 * covers 3×3 and 1×1 stride-1 forward and input gradient, for SIMD-lane adapters (lavapipe, GPUs); its
 * stride-2 and weight-gradient work runs the blocked kernels. 'colanes' (conv2d_colanes.wgsl,
 * conv2d_colanes_weight.wgsl, conv2d_colanes_weight1.wgsl; needs subgroups of exactly 8 lanes) turns that around for lavapipe: a workgroup of 8
 * lanes = 8 output channels over a pixel tile, each input value loaded by one lane and broadcast to the
 * others (lavapipe compiles every load whose address differs across lanes into a per-lane loop); 3×3 and
 * 1×1 stride-1 forward, input and weight gradients. 'texture' (conv2d_texture.wgsl; 8-lane
 * subgroups) is colanes' weight gradient with x and dy packed into rgba32float texel panels first: lavapipe
 * fetches a texel (4 floats per lane) with vector code, so whole rows (≤ 28 wide) arrive in a few fetches;
 * elsewhere texture is colanes.
 */
export type { ConvVariant } from '../runtime/policy.ts';

export interface Conv2dOpts {
  /** Overrides the Gpu's policy (gpu.policy.conv) for this call. */
  variant?: ConvVariant;
  stride?: number;
  /** Zero padding; default K/2 floored ("same" for stride 1, odd K). */
  pad?: number;
}

interface ConvGeom {
  N: number; C_in: number; H: number; W: number; C_out: number; OH: number; OW: number; K: number; stride: number; pad: number;
  /** The device has WGSL subgroups of exactly 8 lanes (the colanes kernels need them). */
  subgroups?: boolean;
}

function geometry(op: string, x: Tensor, w: Tensor, opts: Conv2dOpts): ConvGeom {
  expectRank(op, 'x', x, 4);
  expectRank(op, 'weight', w, 4);
  const [N, C_in, H, W] = x.shape;
  const [C_out, wCin, K, K2] = w.shape;
  if (K !== K2) fail(op, `weight must be square, got ${K}×${K2}`);
  if (K > 3) fail(op, `kernel size ${K} is not supported (1..3)`);
  if (wCin !== C_in) fail(op, `weight expects ${wCin} input channels but x has ${C_in} (x ${shapeStr(x.shape)}, weight ${shapeStr(w.shape)})`);
  const { stride, pad, OH, OW } = shapeGeometry(x.shape, w.shape, opts);
  if (!Number.isInteger(stride) || stride < 1) fail(op, `stride must be a positive integer, got ${stride}`);
  if (!Number.isInteger(pad) || pad < 0) fail(op, `pad must be a non-negative integer, got ${pad}`);
  if (OH < 1 || OW < 1) fail(op, `input ${H}×${W} is too small for K=${K}, pad=${pad}`);
  return { N, C_in, H, W, C_out, OH, OW, K, stride, pad };
}

/** Geometry from shapes alone (no checks): the one place the default pad and the output size are written. */
function shapeGeometry(x: readonly number[], w: readonly number[], opts: Conv2dOpts): ConvGeom {
  const [N, C_in, H, W] = x;
  const [C_out, , K] = w;
  const stride = opts.stride ?? 1;
  const pad = opts.pad ?? Math.floor(K / 2);
  return { N, C_in, H, W, C_out, K, stride, pad, OH: Math.floor((H + 2 * pad - K) / stride) + 1, OW: Math.floor((W + 2 * pad - K) / stride) + 1 };
}

export function conv2dOutputShape(x: readonly number[], w: readonly number[], opts: Conv2dOpts = {}): number[] {
  const g = shapeGeometry(x, w, opts);
  return [g.N, g.C_out, g.OH, g.OW];
}

/** y = conv2d(x, w) + b. x [N, C_in, H, W], w [C_out, C_in, K, K], b [C_out] → y [N, C_out, OH, OW]. */
export const conv2dForward = scopedOp(function conv2dForward(gpu: Gpu, x: Tensor, w: Tensor, b: Tensor, opts: Conv2dOpts = {}, out?: Tensor): Tensor {
  const op = 'conv2d_forward';
  const g = geometry(op, x, w, opts);
  expectShape(op, 'bias', b, [g.C_out]);
  expectDistinct(op, { y: out }, { x, w, bias: b });
  const y = output(op, 'y', out, [g.N, g.C_out, g.OH, g.OW], () => gpu.tensor([g.N, g.C_out, g.OH, g.OW], op));
  const variant = resolve(FORWARD, opts.variant ?? gpu.policy.conv('forward', g), { ...g, subgroups: gpu.hasSubgroups8 });
  FORWARD[variant].run(gpu, { x, w, b, y }, g);
  return y;
});

export interface Conv2dGrads {
  dx?: Tensor;
  dw: Tensor;
  db: Tensor;
}

/**
 * Gradients of conv2d given dy. Writes (overwrites) dw, db and, unless skipInput (first layer), dx;
 * skipWeight computes dx alone (benchmarks time the two directions separately).
 * Pass preallocated outputs in `into` to avoid allocation.
 */
export const conv2dBackward = scopedOp(function conv2dBackward(
  gpu: Gpu, dy: Tensor, x: Tensor, w: Tensor, opts: Conv2dOpts = {},
  into: Partial<Conv2dGrads> = {}, skipInput = false, skipWeight = false,
): Conv2dGrads {
  const op = 'conv2d_backward';
  const g = geometry(op, x, w, opts);
  expectShape(op, 'dy', dy, [g.N, g.C_out, g.OH, g.OW]);
  expectDistinct(op, { dx: into.dx, dw: into.dw, db: into.db }, { dy, x, w });
  const dw = output(op, 'dw', into.dw, w.shape, () => gpu.tensor(w.shape, op));
  const db = output(op, 'db', into.db, [g.C_out], () => gpu.tensor([g.C_out], op));
  let dx: Tensor | undefined;
  if (!skipInput) {
    dx = output(op, 'dx', into.dx, x.shape, () => gpu.tensor(x.shape, op));
    const vi = resolve(BACKWARD_INPUT, opts.variant ?? gpu.policy.conv('backwardInput', g), { ...g, subgroups: gpu.hasSubgroups8 });
    BACKWARD_INPUT[vi].run(gpu, { dy, w, dx }, g);
  }
  if (skipWeight) return { dx, dw, db };
  // The per-image partials of the blocked path must fit one binding; past that (huge batches) it falls
  // back to the chunked GEMM path.
  const fits = g.N * dw.size * 4 <= gpu.limits.maxStorageBufferBindingSize;
  const vw = resolve(BACKWARD_WEIGHT, opts.variant ?? gpu.policy.conv('backwardWeight', g), { ...g, partialsFit: fits, subgroups: gpu.hasSubgroups8 });
  const wroteDb = BACKWARD_WEIGHT[vw].run(gpu, { dy, x, dw, db }, g);
  if (!wroteDb) sumChannels(gpu, dy, g.N, g.C_out, g.OH * g.OW, db);
  return { dx, dw, db };
});

// ---------- the variant registry: per direction, where each design applies and what runs ----------

/**
 * One design of one direction: the shapes it has kernels for, how it runs, and the design that runs where it
 * does not apply (each chain ends at one that applies everywhere). What actually ran is in gpu.trace.
 */
interface ConvImpl<A> {
  applies(g: WeightGeom): boolean;
  run(gpu: Gpu, a: A, g: ConvGeom): void;
  /** Where it does not apply: the next design to try (by shape when the reason matters). */
  fallback: ConvVariant | null | ((g: WeightGeom) => ConvVariant);
}
type WeightGeom = ConvGeom & { partialsFit?: boolean };
type WeightImpl = Omit<ConvImpl<WeightArgs>, 'run'> & { run(gpu: Gpu, a: WeightArgs, g: ConvGeom): boolean /* wrote db */ };
interface ForwardArgs { x: Tensor; w: Tensor; b: Tensor; y: Tensor }
interface InputArgs { dy: Tensor; w: Tensor; dx: Tensor }
interface WeightArgs { dy: Tensor; x: Tensor; dw: Tensor; db: Tensor }

/** The variant asked for, or the first design down its fallback chain that applies to g. */
function resolve<T extends Pick<ConvImpl<unknown>, 'applies' | 'fallback'>>(table: Record<ConvVariant, T>, asked: ConvVariant, g: WeightGeom): ConvVariant {
  let v = asked;
  for (let next = table[v].fallback; !table[v].applies(g); next = table[v].fallback) {
    v = typeof next === 'function' ? next(g) : next!;
  }
  return v;
}

const anyShape = () => true;
const blockedForwardApplies = (g: ConvGeom) => blockedApplies(g) || blockedStride2(g);
const blockedInputApplies = (g: ConvGeom) => flippedApplies(g) || (blockedStride2(g) && g.pad === 1);

const FORWARD: Record<ConvVariant, ConvImpl<ForwardArgs>> = {
  direct: { applies: anyShape, fallback: null, run: (gpu, a, g) => directForward(gpu, a, g) },
  blocked: { applies: blockedForwardApplies, fallback: 'direct', run: (gpu, a, g) => blockedForward(gpu, a.x, a.w, a.b, a.y, g) },
  // The 8-channel kernel exists for 3×3 stride 1 only; elsewhere blocked8 is blocked.
  blocked8: { applies: (g) => blockedApplies(g) && g.K === 3, fallback: 'blocked', run: (gpu, a, g) => blockedForward(gpu, a.x, a.w, a.b, a.y, g, true) },
  gemm: { applies: anyShape, fallback: null, run: (gpu, a, g) => gemmForward(gpu, a.x, a.w, a.b, a.y, g) },
  lanes: { applies: blockedApplies, fallback: 'blocked', run: (gpu, a, g) => packedForward(gpu, lanesConv, a.x, a.w, a.b, a.y, g) },
  colanes: { applies: (g) => !!g.subgroups && blockedApplies(g), fallback: 'blocked', run: (gpu, a, g) => colanesConv(gpu, a.x, a.w, a.b, a.y, g, true, false) },
  // texture has a weight-gradient kernel only (its forward-shaped one lost to colanes everywhere once
  // colanes wrote each accumulator once per input channel; removed 2026-12-03): here it is colanes.
  texture: { applies: () => false, fallback: 'colanes', run: () => {} },
};

/** Blocked input gradient: the flipped-weight forward kernels, or the stride-2 kernel (pad 1). */
function blockedInput(gpu: Gpu, a: InputArgs, g: ConvGeom): void {
  if (flippedApplies(g)) blockedBackwardInput(gpu, a.dy, a.w, a.dx, g);
  else blockedBackwardInputStride2(gpu, a.dy, a.w, a.dx, g);
}

const BACKWARD_INPUT: Record<ConvVariant, ConvImpl<InputArgs>> = {
  direct: { applies: anyShape, fallback: null, run: (gpu, a, g) => directBackwardInput(gpu, a, g) },
  blocked: { applies: blockedInputApplies, fallback: 'direct', run: (gpu, a, g) => blockedInput(gpu, a, g) },
  blocked8: { applies: (g) => flippedApplies(g) && g.K === 3, fallback: 'blocked', run: (gpu, a, g) => blockedBackwardInput(gpu, a.dy, a.w, a.dx, g, true) },
  gemm: { applies: anyShape, fallback: null, run: (gpu, a, g) => gemmBackwardInput(gpu, a.dy, a.w, a.dx, g) },
  lanes: { applies: flippedApplies, fallback: 'blocked', run: (gpu, a, g) => packedBackwardInput(gpu, lanesConv, a.dy, a.w, a.dx, g) },
  colanes: { applies: (g) => !!g.subgroups && flippedApplies(g), fallback: 'blocked', run: (gpu, a, g) => colanesBackwardInput(gpu, a.dy, a.w, a.dx, g) },
  texture: { applies: () => false, fallback: 'colanes', run: () => {} },
};

// blocked8 and lanes widen only the forward-shaped kernels: their weight gradient is blocked's. Past the
// binding limit for its per-image partials it is the chunked GEMM; for shapes without a kernel, direct.
const blockedWeight: WeightImpl = {
  applies: (g) => g.partialsFit !== false && weightKernel(g) !== null, fallback: (g) => (g.partialsFit === false ? 'gemm' : 'direct'),
  run: (gpu, a, g) => { registerWeight(gpu, a.dy, a.x, a.dw, a.db, g); return true; },
};
const colanesWeightImpl: WeightImpl = {
  // No partialsFit condition: weightSlots shares images among slots to keep the partials within a binding.
  applies: (g) => !!g.subgroups && blockedApplies(g), fallback: 'blocked',
  run: (gpu, a, g) => {
    if (g.K === 1) colanesWeight1(gpu, a.dy, a.x, a.dw, a.db, g);
    else slicedWeight(gpu, COLANES_WEIGHT, a.dy, a.x, a.dw, a.db, g);
    return true;
  },
};
const BACKWARD_WEIGHT: Record<ConvVariant, WeightImpl> = {
  direct: { applies: anyShape, fallback: null, run: (gpu, a, g) => { directBackwardWeight(gpu, a, g); return false; } },
  blocked: blockedWeight,
  blocked8: blockedWeight,
  gemm: { applies: anyShape, fallback: null, run: (gpu, a, g) => { gemmBackwardWeight(gpu, a.dy, a.x, a.dw, g); return false; } },
  lanes: blockedWeight,
  colanes: colanesWeightImpl,
  // Whole output rows per lane: 3×3 rows up to 28 wide (wider ones and 1×1 run colanes).
  texture: {
    applies: (g) => colanesWeightImpl.applies(g) && g.K === 3 && g.OW <= 28, fallback: 'colanes',
    run: (gpu, a, g) => { slicedWeight(gpu, TEXTURE_WEIGHT, a.dy, a.x, a.dw, a.db, g); return true; },
  },
};

/**
 * The variants that have their own kernels for this direction and shape (the others would fall back to one
 * of these): what autotune measures, so a choice never names a design that does not run.
 */
export function convVariantsWithKernels(direction: ConvDirection, x: readonly number[], w: readonly number[], opts: Conv2dOpts = {}, subgroups = false): ConvVariant[] {
  const g = { ...shapeGeometry(x, w, opts), subgroups };
  const table = { forward: FORWARD, backwardInput: BACKWARD_INPUT, backwardWeight: BACKWARD_WEIGHT }[direction];
  const own = direction === 'backwardWeight' ? CONV_WEIGHT_VARIANTS : CONV_VARIANTS;
  return own.filter((v) => resolve(table as Record<ConvVariant, ConvImpl<unknown>>, v, g) === v);
}

/**
 * The variants with their own forward and input-gradient designs (texture has a weight gradient only):
 * the op table and bench run these for those directions, so no design runs twice under two names.
 */
export const CONV_FORWARD_VARIANTS: readonly ConvVariant[] = CONV_VARIANTS.filter((v) => v !== 'texture');

/** The variants with their own weight-gradient design (the others share one of these): autotune and bench. */
export const CONV_WEIGHT_VARIANTS: readonly ConvVariant[] = CONV_VARIANTS.filter(
  (v, i) => CONV_VARIANTS.findIndex((u) => BACKWARD_WEIGHT[u] === BACKWARD_WEIGHT[v]) === i,
);

// ---------- direct variant (conv2d.wgsl, conv2d_backward_*.wgsl: any K ≤ 3, stride and pad) ----------

function directForward(gpu: Gpu, a: ForwardArgs, g: ConvGeom): void {
  const n = g.N * Math.ceil(g.C_out / 4) * g.OH * Math.ceil(g.OW / 4);
  gpu.run(gpu.kernel('conv2d', 'forward'), { params: { ...g }, bind: { x: a.x, w: a.w, bias: a.b, y: a.y }, invocations: n });
}

function directBackwardInput(gpu: Gpu, a: InputArgs, g: ConvGeom): void {
  const n = g.N * Math.ceil(g.C_in / 4) * g.H * Math.ceil(g.W / 4);
  gpu.run(gpu.kernel('conv2d_backward_input', 'backward_input'), { params: { ...g }, bind: { dy: a.dy, w: a.w, dx: a.dx }, invocations: n });
}

function directBackwardWeight(gpu: Gpu, a: WeightArgs, g: ConvGeom): void {
  gpu.run(gpu.kernel('conv2d_backward_weight', 'backward_weight'), { params: { ...g }, bind: { dy: a.dy, x: a.x, dw: a.dw }, invocations: g.C_out * g.C_in });
}

// ---------- blocked variant (3×3 and 1×1 at stride 1; other shapes use the direct kernels) ----------

function blockedApplies(g: ConvGeom): boolean {
  return g.stride === 1 && (g.K === 3 || (g.K === 1 && g.pad === 0));
}

/**
 * The input gradient as a forward convolution of dy with the flipped weights needs padding K − 1 − pad,
 * so it exists only for pad < K (a larger pad crops dy instead; the direct kernel handles that).
 */
function flippedApplies(g: ConvGeom): boolean {
  return blockedApplies(g) && g.pad < g.K;
}

/** 3×3 stride 2 has blocked forward and (pad 1) input-gradient kernels and an NCHW weight kernel. */
function blockedStride2(g: ConvGeom): boolean {
  return g.stride === 2 && g.K === 3;
}

function blockedParams(g: ConvGeom, hasBias: boolean) {
  return { N: g.N, C_in: g.C_in, H: g.H, W: g.W, C_out: g.C_out, OH: g.OH, OW: g.OW, pad: g.pad, has_bias: hasBias ? 1 : 0 };
}

/**
 * Runs forward_k3s1 / forward_k1 of geometry g with packed weights wt4 ([C_in·K·K, 4·ceil(C_out/4)]);
 * wide = 8 output channels per invocation for 3×3 (forward_k3s1_c8).
 */
function blockedConv(gpu: Gpu, x: Tensor, wt4: Tensor, b: Tensor, y: Tensor, g: ConvGeom, hasBias: boolean, wide = false): void {
  const s2 = g.stride === 2;
  const c8 = wide && g.K === 3 && !s2;
  const n = g.N * Math.ceil(g.C_out / (c8 ? 8 : 4)) * g.OH * Math.ceil(g.OW / 4);
  const entry = s2 ? 'forward_k3s2' : c8 ? 'forward_k3s1_c8' : g.K === 3 ? 'forward_k3s1' : 'forward_k1';
  gpu.run(gpu.kernel('conv2d_blocked', entry), {
    params: blockedParams(g, hasBias), bind: { x, wt4, bias: b, y }, invocations: n,
  });
}

function packWeights(gpu: Gpu, w: Tensor, g: ConvGeom, flip: boolean): Tensor {
  const kk = g.K * g.K;
  const cols = 4 * Math.ceil((flip ? g.C_in : g.C_out) / 4);
  const rows = (flip ? g.C_out : g.C_in) * kk;
  const packed = gpu.tensor([rows, cols], 'conv2d');
  gpu.run(gpu.kernel('conv2d_blocked', flip ? 'pack_flip' : 'pack'), {
    params: { C_out: g.C_out, C_in: g.C_in, K: g.K, cols }, bind: { w_src: w, w_dst: packed }, invocations: packed.size,
  });
  return packed;
}

/** A forward-shaped kernel run on packed weights: x ⋆ wt4 (+ bias) → y at geometry g. */
type PackedConv = (gpu: Gpu, x: Tensor, wt4: Tensor, b: Tensor, y: Tensor, g: ConvGeom, hasBias: boolean) => void;

/** y = conv(x, W) + b through a packed-weight kernel. */
function packedForward(gpu: Gpu, run: PackedConv, x: Tensor, w: Tensor, b: Tensor, y: Tensor, g: ConvGeom): void {
  const wt4 = packWeights(gpu, w, g, false);
  run(gpu, x, wt4, b, y, g, true);
  wt4.release();
}

/** dx = conv(dy, flipped Wᵀ) with padding K − 1 − pad, through the same packed-weight forward kernel. */
function packedBackwardInput(gpu: Gpu, run: PackedConv, dy: Tensor, w: Tensor, dx: Tensor, g: ConvGeom): void {
  const wf = packWeights(gpu, w, g, true);
  const gf: ConvGeom = { ...g, C_in: g.C_out, H: g.OH, W: g.OW, C_out: g.C_in, OH: g.H, OW: g.W, pad: g.K - 1 - g.pad };
  run(gpu, dy, wf, dy, dx, gf, false);
  wf.release();
}

const blockedRun: PackedConv = (gpu, x, wt4, b, y, g, hasBias) => blockedConv(gpu, x, wt4, b, y, g, hasBias);
const blocked8Run: PackedConv = (gpu, x, wt4, b, y, g, hasBias) => blockedConv(gpu, x, wt4, b, y, g, hasBias, true);

function blockedForward(gpu: Gpu, x: Tensor, w: Tensor, b: Tensor, y: Tensor, g: ConvGeom, wide = false): void {
  packedForward(gpu, wide ? blocked8Run : blockedRun, x, w, b, y, g);
}

function blockedBackwardInput(gpu: Gpu, dy: Tensor, w: Tensor, dx: Tensor, g: ConvGeom, wide = false): void {
  packedBackwardInput(gpu, wide ? blocked8Run : blockedRun, dy, w, dx, g);
}

// ---------- lanes variant (3×3 and 1×1 at stride 1) ----------

/** Runs lanes_k3s1 / lanes_k1 with packed weights: grid (pixel blocks of 64, blocks of 8 channels, N). */
const lanesConv: PackedConv = (gpu, x, wt4, b, y, g, hasBias) => {
  gpu.run(gpu.kernel('conv2d_lanes', g.K === 3 ? 'lanes_k3s1' : 'lanes_k1'), {
    params: blockedParams(g, hasBias), bind: { x, wt4, bias: b, y },
    workgroups: [Math.ceil((g.OH * g.OW) / 64), Math.ceil(g.C_out / 8), g.N],
  });
};

// ---------- colanes variant (3×3 and 1×1 at stride 1) ----------

/** Tile of conv2d_colanes.wgsl's 3×3 kernel (TR rows × TW columns per workgroup of 8 channel lanes). */
const COLANES_TILE = { rows: 7, cols: 7 };
/** Pixels per workgroup of colanes_k1 (8·KR in conv2d_colanes.wgsl). */
const COLANES_K1_PIXELS = 32;

/**
 * Runs colanes_k3s1 (grid: pixel tiles, blocks of 8 channels, N) / colanes_k1 (grid: blocks of 32 pixels of
 * the flattened batch folded over x and z, blocks of 16 channels) on weights w in their own layout. flipped: w is the [C_in, C_out, K, K] weight of the convolution whose input gradient this is (g is
 * already the gradient's geometry), read with the channel strides swapped and the taps mirrored.
 */
function colanesConv(gpu: Gpu, x: Tensor, w: Tensor, b: Tensor, y: Tensor, g: ConvGeom, hasBias: boolean, flipped: boolean): void {
  const kk = g.K * g.K;
  const tiles = Math.ceil(g.OH / COLANES_TILE.rows) * Math.ceil(g.OW / COLANES_TILE.cols);
  const strides = flipped
    ? { w_co_stride: kk, w_ci_stride: g.C_out * kk, w_flip: g.K === 3 ? 1 : 0 }
    : { w_co_stride: g.C_in * kk, w_ci_stride: kk, w_flip: 0 };
  // colanes_k1: 16 channels over COLANES_K1_PIXELS pixels of the flattened batch per workgroup.
  const k1Blocks = Math.ceil((g.N * g.OH * g.OW) / COLANES_K1_PIXELS);
  const k1x = Math.min(k1Blocks, gpu.limits.maxComputeWorkgroupsPerDimension);
  const workgroups: [number, number, number] = g.K === 3
    ? [tiles, Math.ceil(g.C_out / 8), g.N]
    : [k1x, Math.ceil(g.C_out / 16), Math.ceil(k1Blocks / k1x)];
  gpu.run(gpu.kernel('conv2d_colanes', g.K === 3 ? 'colanes_k3s1' : 'colanes_k1'), {
    params: { ...blockedParams(g, hasBias), ...strides }, bind: { x, w, bias: b, y }, workgroups,
  });
}

/** dx = conv(dy, flipped Wᵀ) with padding K − 1 − pad, by colanesConv reading W mirrored (no packing pass). */
function colanesBackwardInput(gpu: Gpu, dy: Tensor, w: Tensor, dx: Tensor, g: ConvGeom): void {
  const gf: ConvGeom = { ...g, C_in: g.C_out, H: g.OH, W: g.OW, C_out: g.C_in, OH: g.H, OW: g.W, pad: g.K - 1 - g.pad };
  colanesConv(gpu, dy, w, dy, dx, gf, false, true);
}

// ---------- texture variant (3×3 stride 1: weight gradient) ----------

/** conv2d_texture.wgsl's window width TW for output rows OW wide: the row itself where it fits (7, 14, 28). */
const textureTileWidth = (OW: number) => (OW <= 7 ? 7 : OW <= 14 ? 14 : 28);

/**
 * A weight-gradient kernel that writes per-slot partials (slot = image × row slice) of dW and db, summed
 * afterwards: its input channels per workgroup and its dispatch for a given slicing.
 */
interface SlicedWeightKernel {
  channelsPerGroup: number;
  run(gpu: Gpu, dy: Tensor, x: Tensor, dwp: Tensor, dbp: Tensor, g: ConvGeom, s: WeightSlots): void;
}

/**
 * How a sliced weight gradient divides the batch's reduction among slots: each slot sums imagesPerSlot
 * images over one of `splits` slices of rowsPerSplit output rows; `slots` partials are summed afterwards.
 */
interface WeightSlots { splits: number; rowsPerSplit: number; imagesPerSlot: number; slots: number }

/** conv2d_colanes_weight.wgsl: 8 output channels × 4 input channels per workgroup. */
const COLANES_WEIGHT: SlicedWeightKernel = {
  channelsPerGroup: 4,
  run: (gpu, dy, x, dwp, dbp, g, s) => gpu.run(gpu.kernel('conv2d_colanes_weight', 'colanes_weight_k3s1'), {
    params: {
      N: g.N, C_in: g.C_in, H: g.H, W: g.W, C_out: g.C_out, OH: g.OH, OW: g.OW, pad: g.pad,
      splits: s.splits, rows_per_split: s.rowsPerSplit, images_per_slot: s.imagesPerSlot,
    },
    bind: { gy: dy, xin: x, dwp, dbp }, workgroups: [Math.ceil(g.C_in / 4), Math.ceil(g.C_out / 8), s.slots],
  }),
};

/**
 * conv2d_texture.wgsl's texture_weight_k3s1: x as one window per row (pack_x) and dy as
 * lane-neighbouring texels (pack_dy), then 8 output channels × 4 input channels per workgroup.
 */
const TEXTURE_WEIGHT: SlicedWeightKernel = {
  channelsPerGroup: 4,
  run: (gpu, dy, x, dwp, dbp, g, s) => {
    const TW = textureTileWidth(g.OW);
    const q = Math.ceil((TW + 2) / 4);
    // Packed rows per plane: the OH + 2 the taps read, plus one where a fetch brings 2 rows (RPF = 2) and
    // the last fetch of the last output row reaches one past them.
    const rowsP = g.OH + 2 + (Math.floor(8 / q) - 1);
    const xTexels = g.N * g.C_in * rowsP * q;
    const dyTexels = g.N * Math.ceil(g.C_out / 8) * g.OH * Math.ceil(TW / 4) * 8;
    const params = {
      N: g.N, C_in: g.C_in, H: g.H, W: g.W, C_out: g.C_out, OH: g.OH, OW: g.OW, pad: g.pad, rows_p: rowsP,
      splits: s.splits, rows_per_split: s.rowsPerSplit, images_per_slot: s.imagesPerSlot,
    };
    // The packs write plain buffers (grids: texels per plane or dy run × runs), copied into the textures.
    const xRuns = g.N * g.C_in;
    const dyRuns = g.N * Math.ceil(g.C_out / 8);
    const maxDim = gpu.limits.maxComputeWorkgroupsPerDimension;
    if (Math.max(xTexels, dyTexels) > gpu.textures.maxTexels() || Math.max(xRuns, dyRuns) > maxDim) {
      return COLANES_WEIGHT.run(gpu, dy, x, dwp, dbp, g, s);
    }
    const xt = gpu.texels(xTexels, 'conv2d');
    const dyt = gpu.texels(dyTexels, 'conv2d');
    const xp = gpu.tensor([xt.floats], 'conv2d');
    const dyp = gpu.tensor([dyt.floats], 'conv2d');
    gpu.run(gpu.kernel('conv2d_texture', 'pack_x', { TW }), { params, bind: { x, x_out: xp }, workgroups: [Math.ceil(rowsP * q / 64), xRuns] });
    gpu.run(gpu.kernel('conv2d_texture', 'pack_dy', { TW }), { params, bind: { gy: dy, dy_out: dyp }, workgroups: [Math.ceil(g.OH * Math.ceil(TW / 4) * 8 / 64), dyRuns] });
    gpu.copyToTexels(xp, xt);
    gpu.copyToTexels(dyp, dyt);
    xp.release();
    dyp.release();
    gpu.run(gpu.kernel('conv2d_texture', 'texture_weight_k3s1', { TW }), {
      params, bind: { xt, dyt, dwp, dbp }, workgroups: [Math.ceil(g.C_in / 4), Math.ceil(g.C_out / 8), s.slots],
    });
    xt.release();
    dyt.release();
  },
};

/**
 * Slots for a sliced weight gradient with perImage invocations per image and row slice: about
 * policy.weightGradientTarget invocations in all. A batch that alone gives more shares its images among
 * fewer slots (fewer partials to write and sum); one that gives fewer splits each image's rows.
 */
export function weightSlots(N: number, OH: number, perImage: number, target: number, maxSlots: number): WeightSlots {
  const groups = Math.max(1, Math.min(N, Math.ceil(target / perImage), maxSlots));
  const imagesPerSlot = Math.ceil(N / groups);
  const imageGroups = Math.ceil(N / imagesPerSlot);
  const wanted = imagesPerSlot > 1 ? 1 : Math.min(OH, Math.floor(maxSlots / N), Math.ceil(target / (N * perImage)));
  const rowsPerSplit = Math.ceil(OH / Math.max(1, wanted));
  const splits = Math.ceil(OH / rowsPerSplit);
  return { splits, rowsPerSplit, imagesPerSlot, slots: imageGroups * splits };
}

/**
 * The weight-gradient pattern the sliced kernels share: slots for perImage invocations per image and
 * `units` units of an image's reduction (weightSlots), per-slot partials of dw and db written by `run`,
 * then their sums into dw and db.
 */
function slotPartials(gpu: Gpu, dw: Tensor, db: Tensor, N: number, units: number, perImage: number, run: (dwp: Tensor, dbp: Tensor, s: WeightSlots) => void): void {
  const maxSlots = Math.floor(gpu.limits.maxStorageBufferBindingSize / (4 * dw.size));
  const s = weightSlots(N, units, perImage, gpu.policy.weightGradientTarget, maxSlots);
  const dwp = gpu.tensor([s.slots, dw.size], 'conv2d');
  const dbp = gpu.tensor([s.slots, db.size], 'conv2d');
  run(dwp, dbp, s);
  sumOuter(gpu, dwp, s.slots, dw.size, dw);
  sumOuter(gpu, dbp, s.slots, db.size, db);
  dbp.release();
  dwp.release();
}

/** dw and db of a 3×3 stride-1 convolution: per-slot partials (images × row slice), then their sums. */
function slicedWeight(gpu: Gpu, k: SlicedWeightKernel, dy: Tensor, x: Tensor, dw: Tensor, db: Tensor, g: ConvGeom): void {
  const perImage = Math.ceil(g.C_in / k.channelsPerGroup) * Math.ceil(g.C_out / 8) * 8;
  slotPartials(gpu, dw, db, g.N, g.OH, perImage, (dwp, dbp, s) => k.run(gpu, dy, x, dwp, dbp, g, s));
}

/**
 * dw and db of a 1×1 stride-1 convolution (conv2d_colanes_weight1.wgsl): up to 16 output × 16 input
 * channels per workgroup, slots of images × position ranges (multiples of 8 positions), then the sums.
 */
function colanesWeight1(gpu: Gpu, dy: Tensor, x: Tensor, dw: Tensor, db: Tensor, g: ConvGeom): void {
  const P = g.OH * g.OW;
  // Channels per lane and per workgroup (pipeline constants): fewer where the larger block would idle.
  const CO_LANE = g.C_out > 8 ? 2 : 1;
  const CBW = g.C_in % 16 === 0 || g.C_in > 32 ? 16 : 8;
  const perImage = Math.ceil(g.C_in / CBW) * Math.ceil(g.C_out / (8 * CO_LANE)) * 8;
  // Units of an image's reduction: chunks of 8 positions.
  slotPartials(gpu, dw, db, g.N, Math.ceil(P / 8), perImage, (dwp, dbp, s) => gpu.run(gpu.kernel('conv2d_colanes_weight1', 'colanes_weight_k1', { CO_LANE, CBW }), {
    params: {
      N: g.N, C_in: g.C_in, P, C_out: g.C_out,
      splits: s.splits, positions_per_split: 8 * s.rowsPerSplit, images_per_slot: s.imagesPerSlot,
    },
    bind: { gy: dy, xin: x, dwp, dbp }, workgroups: [Math.ceil(g.C_in / CBW), Math.ceil(g.C_out / (8 * CO_LANE)), s.slots],
  }));
}

/** dx of a 3×3 stride-2 pad-1 convolution: 4 input channels × 4 columns per invocation (backward_input_k3s2). */
function blockedBackwardInputStride2(gpu: Gpu, dy: Tensor, w: Tensor, dx: Tensor, g: ConvGeom): void {
  const wf = packWeights(gpu, w, g, true);
  const gt: ConvGeom = { ...g, C_in: g.C_out, H: g.OH, W: g.OW, C_out: g.C_in, OH: g.H, OW: g.W };
  const n = g.N * Math.ceil(g.C_in / 4) * g.H * Math.ceil(g.W / 4);
  gpu.run(gpu.kernel('conv2d_blocked', 'backward_input_k3s2'), {
    params: blockedParams(gt, false), bind: { x: dy, wt4: wf, y: dx }, invocations: n,
  });
  wf.release();
}

/** conv2d_weight.wgsl entry for g, or null where it has none (then the direct kernel runs). */
function weightKernel(g: ConvGeom): string | null {
  if (g.K === 3 && g.stride === 1) return 'weight_k3s1';
  if (g.K === 3 && g.stride === 2) return 'weight_k3s2';
  if (g.K === 1 && g.stride === 1 && g.pad === 0) return (g.OH * g.OW) % 4 === 0 ? 'weight_k1v4' : 'weight_k1';
  return null;
}

/** dw and db from NCHW dy and x in one dispatch of partials, then a sum over the partials for each. */
function registerWeight(gpu: Gpu, dy: Tensor, x: Tensor, dw: Tensor, db: Tensor, g: ConvGeom): void {
  const entry = weightKernel(g)!;
  const cinBlocks = g.K === 1 ? Math.ceil(g.C_in / 4) : g.C_in;
  // Units of one image's reduction: output rows (3×3), positions (1×1) or vec4s of positions (1×1, vec4).
  const units = g.K === 3 ? g.OH : entry === 'weight_k1v4' ? (g.OH * g.OW) / 4 : g.OH * g.OW;
  const perImage = Math.ceil(g.C_out / 4) * cinBlocks;
  const maxSlots = Math.floor(gpu.limits.maxStorageBufferBindingSize / (4 * dw.size));
  const wanted = Math.min(units, Math.floor(maxSlots / g.N), Math.ceil(gpu.policy.weightGradientTarget / (g.N * perImage)));
  const unitsPerSplit = Math.ceil(units / Math.max(1, wanted));
  const splits = Math.ceil(units / unitsPerSplit);
  const slots = g.N * splits;
  const dwp = gpu.tensor([slots, dw.size], 'conv2d');
  const dbp = gpu.tensor([slots, g.C_out], 'conv2d');
  const bind: Record<string, Tensor> = entry === 'weight_k1v4' ? { gy4: dy, xin4: x, dwp, dbp } : { gy: dy, xin: x, dwp, dbp };
  gpu.run(gpu.kernel('conv2d_weight', entry), {
    params: {
      N: g.N, C_in: g.C_in, H: g.H, W: g.W, C_out: g.C_out, OH: g.OH, OW: g.OW, stride: g.stride, pad: g.pad,
      splits, units_per_split: unitsPerSplit,
    },
    bind, invocations: slots * perImage,
  });
  sumOuter(gpu, dwp, slots, dw.size, dw);
  sumOuter(gpu, dbp, slots, g.C_out, db);
  dbp.release();
  dwp.release();
}

// ---------- GEMM variant ----------

/** Floats of im2col scratch per chunk of images (bounds GPU memory at large batch). */
const GEMM_CHUNK_FLOATS = 8 << 20;
/** Output positions reduced by one invocation of the split-K weight-gradient GEMM. */
const ROWS_PER_SPLIT = 256;

function gemmPlan(g: ConvGeom) {
  const ckk = g.C_in * g.K * g.K;
  const Kp = Math.ceil(ckk / 4) * 4;
  const Co4 = Math.ceil(g.C_out / 4);
  const P = g.OH * g.OW;
  const chunk = Math.max(1, Math.min(g.N, Math.floor(GEMM_CHUNK_FLOATS / (P * Math.max(Kp, Co4 * 4)))));
  const chunks: [number, number][] = [];
  for (let n0 = 0; n0 < g.N; n0 += chunk) chunks.push([n0, Math.min(chunk, g.N - n0)]);
  return { ckk, Kp, Co4, P, chunk, chunks };
}

function cgParams(g: ConvGeom, plan: ReturnType<typeof gemmPlan>, n0: number, nc: number, splits = 0) {
  return {
    N: nc, n0, C_in: g.C_in, H: g.H, W: g.W, C_out: g.C_out, OH: g.OH, OW: g.OW, K: g.K, stride: g.stride, pad: g.pad,
    Kp: plan.Kp, Co4: plan.Co4, splits,
  };
}

function gemmParams(M: number, N: number, K: number, A4: number, N4: number, extra: Partial<Record<'mode' | 'P' | 'n0' | 'has_bias' | 'rows_per_split' | 'z0', number>> = {}) {
  return { M, N, K, A4, N4, mode: 0, P: 1, n0: 0, has_bias: 0, rows_per_split: 1, z0: 0, ...extra };
}

function layout(gpu: Gpu, entry: string, params: Record<string, number>, src: Tensor, dst: Tensor, n: number): void {
  gpu.run(gpu.kernel('conv2d_gemm', entry), { params, bind: { src, dst }, invocations: n });
}

function gemmForward(gpu: Gpu, x: Tensor, w: Tensor, b: Tensor, y: Tensor, g: ConvGeom): void {
  const plan = gemmPlan(g);
  const wt = gpu.tensor([plan.Kp, plan.Co4 * 4], 'conv2d');
  layout(gpu, 'pack_wt', cgParams(g, plan, 0, 0), w, wt, wt.size);
  const xp = gpu.tensor([plan.chunk * plan.P, plan.Kp], 'conv2d');
  for (const [n0, nc] of plan.chunks) {
    const cp = cgParams(g, plan, n0, nc);
    layout(gpu, 'im2col', cp, x, xp, nc * plan.P);
    const M = nc * plan.P;
    gpu.run(gpu.kernel('gemm', 'gemm_nn'), {
      params: gemmParams(M, g.C_out, plan.Kp, plan.Kp / 4, plan.Co4, { mode: 1, P: plan.P, n0, has_bias: 1 }),
      bind: { a: xp, b: wt, bias: b, c: y },
      invocations: Math.ceil(M / 4) * Math.ceil(g.C_out / 8),
    });
  }
  xp.release();
  wt.release();
}

function gemmBackwardInput(gpu: Gpu, dy: Tensor, w: Tensor, dx: Tensor, g: ConvGeom): void {
  const plan = gemmPlan(g);
  const wp = gpu.tensor([plan.Co4 * 4, plan.Kp], 'conv2d');
  layout(gpu, 'pack_w', cgParams(g, plan, 0, 0), w, wp, wp.size);
  const dyt = gpu.tensor([plan.chunk * plan.P, plan.Co4 * 4], 'conv2d');
  const dxp = gpu.tensor([plan.chunk * plan.P, plan.Kp], 'conv2d');
  for (const [n0, nc] of plan.chunks) {
    const cp = cgParams(g, plan, n0, nc);
    const M = nc * plan.P;
    layout(gpu, 'transpose_dy', cp, dy, dyt, M * plan.Co4 * 4);
    // dXp[pos, k] = Σ_co dYt[pos, co] · Wp[co, k]
    gpu.run(gpu.kernel('gemm', 'gemm_nn'), {
      params: gemmParams(M, plan.Kp, plan.Co4 * 4, plan.Co4, plan.Kp / 4),
      bind: { a: dyt, b: wp, bias: wp, c: dxp },
      invocations: Math.ceil(M / 4) * Math.ceil(plan.Kp / 8),
    });
    layout(gpu, 'col2im', cp, dxp, dx, nc * g.C_in * g.H * g.W);
  }
  dxp.release();
  dyt.release();
  wp.release();
}

function gemmBackwardWeight(gpu: Gpu, dy: Tensor, x: Tensor, dw: Tensor, g: ConvGeom): void {
  const plan = gemmPlan(g);
  const splitsOf = (nc: number) => Math.ceil((nc * plan.P) / ROWS_PER_SPLIT);
  const totalSplits = plan.chunks.reduce((a, [, nc]) => a + splitsOf(nc), 0);
  const part = gpu.tensor([totalSplits, plan.Kp, g.C_out], 'conv2d');
  const xp = gpu.tensor([plan.chunk * plan.P, plan.Kp], 'conv2d');
  const dyt = gpu.tensor([plan.chunk * plan.P, plan.Co4 * 4], 'conv2d');
  let z0 = 0;
  for (const [n0, nc] of plan.chunks) {
    const cp = cgParams(g, plan, n0, nc);
    const R = nc * plan.P;
    layout(gpu, 'im2col', cp, x, xp, R);
    layout(gpu, 'transpose_dy', cp, dy, dyt, R * plan.Co4 * 4);
    // part[z0 + z][k, co] = Σ_(rows of split z) Xp[r, k] · dYt[r, co]
    const splits = splitsOf(nc);
    gpu.run(gpu.kernel('gemm', 'gemm_tn'), {
      params: gemmParams(plan.Kp, g.C_out, R, plan.Kp / 4, plan.Co4, { rows_per_split: ROWS_PER_SPLIT, z0 }),
      bind: { a: xp, b: dyt, c: part },
      invocations: splits * (plan.Kp / 4) * Math.ceil(g.C_out / 8),
    });
    z0 += splits;
  }
  layout(gpu, 'dw_reduce', cgParams(g, plan, 0, 0, totalSplits), part, dw, g.C_out * plan.ckk);
  dyt.release();
  xp.release();
  part.release();
}
