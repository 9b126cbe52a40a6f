// The op table: every compared kernel family and direction as one OpSpec (test/ops/spec.ts). Shapes tagged
// 'test' run under vitest (UNet-like at small batch, and odd ones: 7×7, channels not a multiple of 4, batch
// 1 and 3); 'smoke' / 'unet' / 'sweep' are the bench's size sets. A conv variant added to the registry
// (src/ops/conv2d.ts, its id in CONV_VARIANTS) is tested and benched at every shape here.
import { CONV_WEIGHT_VARIANTS, conv2dBackward, conv2dForward, type ConvVariant } from '../../src/ops/conv2d.ts';
import { CONV_VARIANTS } from '../../src/runtime/policy.ts';
import { groupNormBackward, groupNormForward } from '../../src/ops/groupnorm.ts';
import { linearBackward, linearForward } from '../../src/ops/linear.ts';
import { attentionBackward, attentionForward, type AttentionVariant } from '../../src/ops/attention.ts';
import type { ReduceStyle } from '../../src/ops/reduce.ts';
import { conv2dBackwardRef, conv2dForwardRef, convOut, type ConvShape } from '../reference/conv2d.ts';
import { groupNormBackwardRef, groupNormForwardRef, type GNShape } from '../reference/groupnorm.ts';
import { linearBackwardRef, linearForwardRef } from '../reference/linear.ts';
import { attentionBackwardRef, attentionForwardRef } from '../reference/attention.ts';
import { numel, seeded, type AnyOpSpec, type OpCase, type OpSpec } from './spec.ts';

// ---------------------------------------------------------------------------------------------- conv2d


const conv = (N: number, C_in: number, H: number, W: number, C_out: number, K: number, stride: number, pad: number): ConvShape => ({ N, C_in, H, W, C_out, K, stride, pad });
const square = (N: number, C_in: number, C_out: number, H: number, K = 3, stride = 1) => conv(N, C_in, H, H, C_out, K, stride, K >> 1);

const CONV_CASES: OpCase<ConvShape>[] = [
  { label: 'UNet level 1', s: conv(2, 8, 28, 28, 16, 3, 1, 1), tags: ['test'] },
  { label: 'conv in', s: conv(1, 1, 28, 28, 8, 3, 1, 1), tags: ['test'] },
  { label: 'downsample', s: conv(2, 16, 14, 14, 16, 3, 2, 1), tags: ['test'] },
  { label: 'odd: 7×7, C not a multiple of 4', s: conv(3, 6, 7, 7, 5, 3, 1, 1), tags: ['test'] },
  { label: 'odd channel counts, batch 3', s: conv(3, 17, 7, 7, 6, 3, 1, 1), tags: ['test'] },
  { label: 'odd, stride 2', s: conv(3, 5, 7, 7, 7, 3, 2, 1), tags: ['test'] },
  { label: '1×1 shortcut', s: conv(1, 12, 7, 9, 6, 1, 1, 0), tags: ['test'] },
  { label: '1×1, plane a multiple of 4 (vec4 weight gradient)', s: conv(3, 6, 6, 6, 5, 1, 1, 0), tags: ['test'] },
  { label: 'stride 2 without padding, odd width', s: conv(2, 3, 6, 5, 9, 3, 2, 0), tags: ['test'] },
  { label: '1×1 stride 2', s: conv(2, 3, 8, 8, 3, 1, 2, 0), tags: ['test'] },
  { label: '99 pixels (two pixel blocks), 9 channels (two blocks of 8)', s: conv(1, 3, 9, 11, 9, 3, 1, 1), tags: ['test'] },
  { label: '3×3 without padding (input gradient pads by 2)', s: conv(2, 4, 7, 7, 12, 3, 1, 0), tags: ['test'] },
  { label: 'pad ≥ K: the input gradient cannot pad by K − 1 − pad', s: conv(2, 3, 5, 6, 5, 3, 1, 3), tags: ['test'] },
  { label: 'stride 2, pad 2', s: conv(3, 3, 7, 7, 4, 3, 2, 2), tags: ['test'] },
  { label: '1×1 with padding (a zero border)', s: conv(1, 2, 4, 5, 3, 1, 1, 1), tags: ['test'] },
  { label: 'smoke', s: square(1, 4, 4, 7), tags: ['smoke'] },
  { label: 'tiny L0', s: square(16, 8, 8, 28), tags: ['unet'] },
  { label: 'tiny up L0 (concat)', s: square(16, 16, 8, 28), tags: ['unet'] },
  { label: 'small L1', s: square(16, 64, 64, 14), tags: ['unet'] },
  { label: 'small L0', s: square(16, 32, 32, 28), tags: ['unet'] },
  { label: 'tiny down', s: square(16, 8, 8, 28, 3, 2), tags: ['unet'] },
  { label: 'tiny 1x1 skip', s: square(16, 16, 32, 14, 1), tags: ['unet'] },
  ...[16, 32, 64, 128].map((C) => ({ label: `sweep C${C}`, s: square(8, C, C, 14), tags: ['sweep'] as const })),
];

const convShapes = (s: ConvShape) => {
  const [OH, OW] = convOut(s);
  return { x: [s.N, s.C_in, s.H, s.W], w: [s.C_out, s.C_in, s.K, s.K], b: [s.C_out], y: [s.N, s.C_out, OH, OW] };
};
const convInputs = (s: ConvShape) => {
  const sh = convShapes(s);
  return { x: seeded(sh.x, 1), w: seeded(sh.w, 2, -0.5, 0.5), b: seeded(sh.b, 3), dy: seeded(sh.y, 4) };
};
const convFlops = (s: ConvShape) => 2 * numel(convShapes(s).y) * s.C_in * s.K * s.K;
const convBytes = (s: ConvShape) => { const sh = convShapes(s); return 4 * (numel(sh.x) + numel(sh.w) + numel(sh.y) + s.C_out); };
const convDims = (s: ConvShape) => ({ N: s.N, C: s.C_in, H: s.H, W: s.W, O: s.C_out, k: s.K, s: s.stride, p: s.pad });
const convOpts = (s: ConvShape, variant: string) => ({ stride: s.stride, pad: s.pad, variant: variant as ConvVariant });
// The twin's gradient check: stride 2 with padding covers the index math of every direction.
const convFd = {
  s: conv(2, 3, 5, 5, 2, 3, 2, 1),
  forward: (s: ConvShape, x: Record<string, ArrayLike<number>>) => conv2dForwardRef(x.x, x.w, x.b, s),
  upstream: 'dy',
};

export const conv2dForwardSpec: OpSpec<ConvShape> = {
  name: 'conv2d', direction: 'forward', variants: CONV_VARIANTS, cases: CONV_CASES, dims: convDims,
  inputs: (s) => { const { x, w, b } = convInputs(s); return { x, w, b }; },
  outputs: (s) => ({ y: convShapes(s).y }),
  setup: (gpu, s, t, o, variant) => ({ run: () => conv2dForward(gpu, t.x, t.w, t.b, convOpts(s, variant), o.y) }),
  ref: (s, x) => ({ y: conv2dForwardRef(x.x, x.w, x.b, s) }),
  tol: { y: [1e-4, 1e-4] },
  flops: convFlops, bytes: convBytes,
};

export const conv2dBackwardInputSpec: OpSpec<ConvShape> = {
  name: 'conv2d', direction: 'backward_input', variants: CONV_VARIANTS, cases: CONV_CASES, dims: convDims,
  inputs: convInputs, // b only for the twin's forward in the finite-difference check
  outputs: (s) => ({ dx: convShapes(s).x }),
  setup: (gpu, s, t, o, variant) => {
    const scratch = [gpu.tensor(t.w.shape), gpu.tensor([s.C_out])]; // dw, db: not written when the weight gradient is skipped
    return { run: () => conv2dBackward(gpu, t.dy, t.x, t.w, convOpts(s, variant), { dx: o.dx, dw: scratch[0], db: scratch[1] }, false, true), scratch };
  },
  ref: (s, x) => ({ dx: conv2dBackwardRef(x.dy, x.x, x.w, s).dx }),
  tol: { dx: [1e-4, 1e-4] },
  fd: { ...convFd, grads: [{ input: 'x', output: 'dx', idx: [0, 7, 19, 33, 49] }] },
  flops: convFlops, bytes: convBytes,
};

export const conv2dBackwardWeightSpec: OpSpec<ConvShape> = {
  name: 'conv2d', direction: 'backward_weight', variants: CONV_WEIGHT_VARIANTS, cases: CONV_CASES, dims: convDims,
  inputs: convInputs,
  outputs: (s) => ({ dw: convShapes(s).w, db: [s.C_out] }),
  setup: (gpu, s, t, o, variant) => ({ run: () => conv2dBackward(gpu, t.dy, t.x, t.w, convOpts(s, variant), { dw: o.dw, db: o.db }, true) }),
  ref: (s, x) => { const r = conv2dBackwardRef(x.dy, x.x, x.w, s); return { dw: r.dw, db: r.db }; },
  tol: { dw: [1e-3, 1e-4], db: [1e-3, 1e-4] },
  fd: { ...convFd, grads: [{ input: 'w', output: 'dw', idx: [0, 4, 17, 53] }, { input: 'b', output: 'db', idx: [0, 1] }] },
  flops: convFlops, bytes: convBytes,
};

// ------------------------------------------------------------------------------------ GroupNorm (+SiLU)

interface GNCase { N: number; C: number; H: number; W: number; G: number; silu: boolean }
const REDUCE_STYLES: readonly ReduceStyle[] = ['tree', 'serial'];
const gn = (N: number, C: number, H: number, W: number, G: number, silu: boolean): GNCase => ({ N, C, H, W, G, silu });
const GN_CASES: OpCase<GNCase>[] = [
  ...[false, true].flatMap((silu) => [
    { label: 'UNet level 0', s: gn(2, 32, 28, 28, 8, silu), tags: ['test'] as const },
    { label: 'odd: 7×7, 3 groups, batch 3', s: gn(3, 6, 7, 7, 3, silu), tags: ['test'] as const },
    { label: 'odd: 5 channels in 5 groups', s: gn(1, 5, 7, 7, 5, silu), tags: ['test'] as const },
    { label: '14×14', s: gn(3, 12, 14, 14, 4, silu), tags: ['test'] as const },
    { label: 'a 1×1 plane', s: gn(1, 7, 1, 1, 1, silu), tags: ['test'] as const },
  ].map((c) => ({ ...c, label: `${c.label}${silu ? ', then SiLU' : ''}` }))),
  { label: 'smoke', s: gn(2, 8, 7, 7, 4, true), tags: ['smoke'] },
  { label: 'small L0', s: gn(16, 32, 28, 28, 8, true), tags: ['unet'] },
  { label: 'small L1', s: gn(16, 64, 14, 14, 8, true), tags: ['unet'] },
];
const gnShape = (s: GNCase): GNShape => ({ N: s.N, C: s.C, S: s.H * s.W, G: s.G, silu: s.silu, eps: 1e-5 });
const gnInputs = (s: GNCase) => {
  const x = [s.N, s.C, s.H, s.W];
  return { x: seeded(x, 11, -2, 3), gamma: seeded([s.C], 12, 0.5, 1.5), beta: seeded([s.C], 13), dy: seeded(x, 14) };
};
const gnDims = (s: GNCase) => ({ N: s.N, C: s.C, H: s.H, W: s.W, G: s.G });
const gnOpts = (s: GNCase) => ({ groups: s.G, silu: s.silu });
const gnSize = (s: GNCase) => s.N * s.C * s.H * s.W;

export const groupNormForwardSpec: OpSpec<GNCase> = {
  name: 'groupnorm', direction: 'forward', variants: REDUCE_STYLES, cases: GN_CASES, dims: gnDims,
  policy: (v) => ({ reduce: v as ReduceStyle }),
  inputs: (s) => { const { x, gamma, beta } = gnInputs(s); return { x, gamma, beta }; },
  outputs: (s) => ({ y: [s.N, s.C, s.H, s.W], stats: [s.N * s.G, 2] }),
  setup: (gpu, s, t, o) => ({ run: () => groupNormForward(gpu, t.x, t.gamma, t.beta, gnOpts(s), { y: o.y, stats: o.stats }) }),
  ref: (s, x) => {
    const r = groupNormForwardRef(x.x, x.gamma, x.beta, gnShape(s));
    const stats = new Float64Array(2 * r.mean.length);
    r.mean.forEach((m, i) => { stats[2 * i] = m; stats[2 * i + 1] = r.rstd[i]; });
    return { y: r.y, stats };
  },
  tol: { y: [1e-4, 1e-4], stats: [1e-5, 1e-4] },
  flops: (s) => 10 * gnSize(s), bytes: (s) => 8 * gnSize(s),
};

export const groupNormBackwardSpec: OpSpec<GNCase> = {
  name: 'groupnorm', direction: 'backward', variants: REDUCE_STYLES, cases: GN_CASES, dims: gnDims,
  policy: (v) => ({ reduce: v as ReduceStyle }),
  inputs: gnInputs,
  outputs: (s) => ({ dx: [s.N, s.C, s.H, s.W], dgamma: [s.C], dbeta: [s.C] }),
  setup: (gpu, s, t, o) => {
    const f = groupNormForward(gpu, t.x, t.gamma, t.beta, gnOpts(s)); // untimed: the statistics backward reads
    return { run: () => groupNormBackward(gpu, t.dy, t.x, t.gamma, t.beta, f.stats, gnOpts(s), { dx: o.dx, dgamma: o.dgamma, dbeta: o.dbeta }), scratch: [f.y, f.stats] };
  },
  ref: (s, x) => groupNormBackwardRef(x.dy, x.x, x.gamma, x.beta, gnShape(s)),
  tol: { dx: [2e-4, 1e-3], dgamma: [1e-3, 1e-4], dbeta: [1e-3, 1e-4] },
  fd: {
    s: gn(2, 4, 2, 3, 2, true),
    forward: (s, x) => groupNormForwardRef(x.x, x.gamma, x.beta, gnShape(s)).y,
    upstream: 'dy',
    grads: [{ input: 'x', output: 'dx', idx: [0, 5, 13, 30, 47] }, { input: 'gamma', output: 'dgamma', idx: [0, 3] }, { input: 'beta', output: 'dbeta', idx: [1, 2] }],
  },
  flops: (s) => 20 * gnSize(s), bytes: (s) => 12 * gnSize(s),
};

// -------------------------------------------------------------------------------------------- linear

interface LinShape { M: number; K: number; N: number }
const lin = (M: number, K: number, N: number): LinShape => ({ M, K, N });
// Aligned sizes run the vec4 kernels (y: forward_nt4, dx: forward_nn4, dW: forward_tn4); odd ones the scalar one.
const LIN_CASES: OpCase<LinShape>[] = [
  { label: 'attention-sized', s: lin(32, 64, 128), tags: ['test'] },
  { label: 'one row', s: lin(1, 32, 32), tags: ['test'] },
  { label: 'odd', s: lin(3, 7, 5), tags: ['test'] },
  { label: 'odd K past a tile', s: lin(5, 130, 9), tags: ['test'] },
  { label: 'aligned', s: lin(64, 128, 32), tags: ['test'] },
  { label: 'odd M, aligned K', s: lin(7, 12, 20), tags: ['test'] },
  { label: 'smoke', s: lin(3, 5, 4), tags: ['smoke'] },
  { label: 'time MLP', s: lin(64, 128, 128), tags: ['unet'] },
  { label: 'qkv 28×28', s: lin(784, 64, 192), tags: ['unet'] },
  { label: 'sweep 256', s: lin(256, 256, 256), tags: ['sweep'] },
  { label: 'sweep 512', s: lin(512, 512, 512), tags: ['sweep'] },
];
const linInputs = (s: LinShape) => ({ x: seeded([s.M, s.K], 31), w: seeded([s.N, s.K], 32, -0.3, 0.3), b: seeded([s.N], 33), dy: seeded([s.M, s.N], 34) });
const linDims = (s: LinShape) => ({ M: s.M, K: s.K, N: s.N });
const linFlops = (s: LinShape) => 2 * s.M * s.K * s.N;
const linBytes = (s: LinShape) => 4 * (s.M * s.K + s.N * s.K + s.M * s.N);

export const linearForwardSpec: OpSpec<LinShape> = {
  name: 'linear', direction: 'forward', variants: ['register-4x4-vec4k'], cases: LIN_CASES, dims: linDims,
  inputs: (s) => { const { x, w, b } = linInputs(s); return { x, w, b }; },
  outputs: (s) => ({ y: [s.M, s.N] }),
  setup: (gpu, _s, t, o) => ({ run: () => linearForward(gpu, t.x, t.w, t.b, o.y) }),
  ref: (s, x) => ({ y: linearForwardRef(x.x, x.w, x.b, s.M, s.K, s.N) }),
  tol: { y: [1e-4, 1e-4] },
  flops: linFlops, bytes: linBytes,
};

export const linearBackwardSpec: OpSpec<LinShape> = {
  name: 'linear', direction: 'backward', variants: ['register-4x4-vec4k'], cases: LIN_CASES, dims: linDims,
  inputs: linInputs, // b only for the twin's forward in the finite-difference check
  outputs: (s) => ({ dx: [s.M, s.K], dw: [s.N, s.K], db: [s.N] }),
  setup: (gpu, _s, t, o) => ({ run: () => linearBackward(gpu, t.dy, t.x, t.w, { dx: o.dx, dw: o.dw, db: o.db }) }),
  ref: (s, x) => linearBackwardRef(x.dy, x.x, x.w, s.M, s.K, s.N),
  tol: { dx: [1e-4, 1e-4], dw: [1e-4, 1e-4], db: [1e-4, 1e-4] },
  fd: {
    s: lin(3, 4, 5),
    forward: (s, x) => linearForwardRef(x.x, x.w, x.b, s.M, s.K, s.N),
    upstream: 'dy',
    grads: [{ input: 'x', output: 'dx', idx: [0, 5, 11] }, { input: 'w', output: 'dw', idx: [1, 19] }, { input: 'b', output: 'db', idx: [4] }],
  },
  flops: (s) => 2 * linFlops(s), bytes: linBytes,
};

// ----------------------------------------------------------------------------------------- attention

interface AttnCase { N: number; C: number; H: number; W: number; heads: number }
const ATTN_VARIANTS: readonly AttentionVariant[] = ['row', 'rows4'];
const att = (N: number, C: number, H: number, W: number, heads: number): AttnCase => ({ N, C, H, W, heads });
const ATTN_CASES: OpCase<AttnCase>[] = [
  { label: '7×7 bottleneck of the small preset', s: att(2, 64, 7, 7, 1), tags: ['test'] },
  { label: '14×14, 2 heads', s: att(1, 32, 14, 14, 2), tags: ['test'] },
  { label: 'odd: head dim 3, batch 3', s: att(3, 6, 3, 3, 2), tags: ['test'] },
  { label: 'odd: 5 channels, 7 positions', s: att(1, 5, 7, 1, 1), tags: ['test'] },
  { label: 'smoke', s: att(1, 4, 3, 3, 1), tags: ['smoke'] },
  { label: 'tiny bottleneck', s: att(16, 32, 7, 7, 1), tags: ['unet'] },
  { label: 'small bottleneck', s: att(16, 64, 7, 7, 2), tags: ['unet'] },
];
const attRef = (s: AttnCase) => ({ N: s.N, C: s.C, L: s.H * s.W, heads: s.heads });
const attInputs = (s: AttnCase) => ({ qkv: seeded([s.N, 3 * s.C, s.H, s.W], 41, -1.5, 1.5), dout: seeded([s.N, s.C, s.H, s.W], 42) });
const attDims = (s: AttnCase) => ({ N: s.N, C: s.C, H: s.H, W: s.W, heads: s.heads });
const attFlops = (s: AttnCase) => 4 * s.N * (s.H * s.W) ** 2 * s.C;

export const attentionForwardSpec: OpSpec<AttnCase> = {
  name: 'attention', direction: 'forward', variants: ATTN_VARIANTS, cases: ATTN_CASES, dims: attDims,
  inputs: (s) => ({ qkv: attInputs(s).qkv }),
  outputs: (s) => ({ o: [s.N, s.C, s.H, s.W], lse: [s.N, s.heads, s.H * s.W] }),
  setup: (gpu, s, t, o, variant) => ({ run: () => attentionForward(gpu, t.qkv, s.heads, { o: o.o, lse: o.lse }, variant as AttentionVariant) }),
  ref: (s, x) => ({ o: attentionForwardRef(x.qkv, attRef(s)) }),
  tol: { o: [1e-5, 1e-4] },
  flops: attFlops, bytes: (s) => 16 * s.N * s.C * s.H * s.W,
};

export const attentionBackwardSpec: OpSpec<AttnCase> = {
  name: 'attention', direction: 'backward', variants: ATTN_VARIANTS, cases: ATTN_CASES, dims: attDims,
  inputs: attInputs,
  outputs: (s) => ({ dqkv: [s.N, 3 * s.C, s.H, s.W] }),
  setup: (gpu, s, t, o, variant) => {
    const f = attentionForward(gpu, t.qkv, s.heads, {}, variant as AttentionVariant);
    const delta = gpu.tensor([s.N, s.heads, s.H * s.W]);
    return { run: () => attentionBackward(gpu, t.dout, t.qkv, f, s.heads, { dqkv: o.dqkv, delta }, variant as AttentionVariant), scratch: [f.o, f.lse, delta] };
  },
  ref: (s, x) => ({ dqkv: attentionBackwardRef(x.dout, x.qkv, attRef(s)) }),
  tol: { dqkv: [1e-5, 1e-3] },
  fd: {
    s: att(1, 4, 5, 1, 2),
    forward: (s, x) => attentionForwardRef(x.qkv, attRef(s)),
    upstream: 'dout',
    grads: [{ input: 'qkv', output: 'dqkv', idx: [0, 9, 21, 33, 47, 59] }],
  },
  flops: (s) => 2.5 * attFlops(s), bytes: (s) => 32 * s.N * s.C * s.H * s.W,
};

/** Every spec, in the order the bench reports them. */
export const OP_TABLE = [
  conv2dForwardSpec, conv2dBackwardInputSpec, conv2dBackwardWeightSpec,
  groupNormForwardSpec, groupNormBackwardSpec,
  linearForwardSpec, linearBackwardSpec,
  attentionForwardSpec, attentionBackwardSpec,
] as readonly AnyOpSpec[];
