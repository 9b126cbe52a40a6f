// The f16 sampling path's 3×3 convolution in the op table (test/ops/table.ts), against the twin on
// f16-rounded inputs (test/reference/half.ts), at UNet shapes and odd ones, in two specs: `forward`, every
// tile, with the input packed into half rows untimed (in the UNet the GroupNorm before the conv writes
// them), and `forward_from_f32`, the default tile with the pack inside the timed call. The f16 weights are
// packed inside the timed call in both, as in a sampling pass. Forward only: sampling has no backward.
import { conv2dHalfForward, HALF_CONV_TILES, halfRowsShape, halfTileRefusal, hasHalfKernels, NO_HALF_KERNELS, packHalfRows, type HalfConvTile } from '../../src/ops/half.ts';
import type { ConvShape } from '../reference/conv2d.ts';
import { conv2dHalfRef } from '../reference/half.ts';
import { numel, seeded, type OpCase, type OpSpec } from './spec.ts';

type HalfShape = Omit<ConvShape, 'K' | 'stride' | 'pad'>;
const shape = (N: number, C_in: number, H: number, W: number, C_out: number): HalfShape => ({ N, C_in, H, W, C_out });

const HALF_CASES: OpCase<HalfShape>[] = [
  { label: 'UNet level 1', s: shape(2, 8, 28, 28, 16), tags: ['test'] },
  { label: 'odd: 7×7, C not a multiple of 4', s: shape(3, 6, 7, 7, 5), tags: ['test'] },
  { label: 'odd channel counts, batch 3', s: shape(3, 17, 7, 7, 6), tags: ['test'] },
  { label: '99 pixels, 9 channels (two blocks of 8)', s: shape(1, 3, 9, 11, 9), tags: ['test'] },
  { label: '20 columns: a tile past the row end', s: shape(1, 4, 5, 20, 8), tags: ['test'] },
  { label: 'smoke', s: shape(1, 4, 7, 7, 4), tags: ['smoke'] },
  // The UNet rows of conv2d (test/ops/conv2d.ts) that are 3×3 stride 1, and the 7×7 level, at sampling's batch.
  { label: 'tiny L0', s: shape(16, 8, 28, 28, 8), tags: ['unet'] },
  { label: 'tiny up L0 (concat)', s: shape(16, 16, 28, 28, 8), tags: ['unet'] },
  { label: 'tiny L2 (7×7)', s: shape(16, 32, 7, 7, 32), tags: ['unet'] },
  { label: 'small L1', s: shape(16, 64, 14, 14, 64), tags: ['unet'] },
  { label: 'small L0', s: shape(16, 32, 28, 28, 32), tags: ['unet'] },
];

const shapes = (s: HalfShape) => ({ x: [s.N, s.C_in, s.H, s.W], w: [s.C_out, s.C_in, 3, 3], b: [s.C_out], y: [s.N, s.C_out, s.H, s.W] });

export const conv2dHalfForwardSpec: OpSpec<HalfShape> = {
  name: 'conv2d_half', direction: 'forward', variants: HALF_CONV_TILES, cases: HALF_CASES,
  dims: (s) => ({ N: s.N, C: s.C_in, H: s.H, W: s.W, O: s.C_out, k: 3 }),
  requires: (gpu, variant, s) => (hasHalfKernels(gpu) ? halfTileRefusal(variant as HalfConvTile, s.W) : NO_HALF_KERNELS),
  inputs: (s) => { const sh = shapes(s); return { x: seeded(sh.x, 1, -2, 2), w: seeded(sh.w, 2, -0.5, 0.5), b: seeded(sh.b, 3) }; },
  outputs: (s) => ({ y: shapes(s).y }),
  setup: (gpu, s, t, o, variant) => {
    const xh = packHalfRows(gpu, t.x);
    return { run: () => conv2dHalfForward(gpu, xh, t.x.shape, t.w, t.b, o.y, { tile: variant as HalfConvTile }), scratch: [xh] };
  },
  ref: (s, x) => ({ y: conv2dHalfRef(x.x, x.w, x.b, s) }),
  // f32 sums of 9·C_in f16 products; pack2x16float may round either way, so an input can sit one f16 step
  // (2^-10 relative) from the twin's. With |x| ≤ 2 and |w| ≤ 0.5 that is ≤ 2^-10 per product, ~√(9·C_in)·2^-10
  // ≈ 0.012 for the widest case here (64 channels): one atol for all.
  tol: { y: [0.02, 2e-3] },
  flops: (s) => 2 * numel(shapes(s).y) * s.C_in * 9,
  bytes: (s) => { const sh = shapes(s); return 2 * numel([s.N, s.C_in, s.H, s.W + 3]) + 2 * numel(sh.w) + 4 * (numel(sh.y) + s.C_out); },
};

/**
 * The same convolution from an f32 input, packing it into half rows inside the timed call: what an f16
 * convolution costs where its producer writes f32 (a mixed-precision training step would pack each 3×3
 * conv's input, and its output gradient for the input gradient). The bench sets these rows beside
 * conv2d.forward at the same shapes.
 */
export const conv2dHalfFromF32Spec: OpSpec<HalfShape> = {
  ...conv2dHalfForwardSpec,
  direction: 'forward_from_f32', variants: ['default'],
  requires: (gpu) => (hasHalfKernels(gpu) ? null : NO_HALF_KERNELS),  // the default tile fits every W
  setup: (gpu, s, t, o) => {
    const xh = gpu.tensor(halfRowsShape(t.x.shape), 'bench', 'u32');
    return { run: () => conv2dHalfForward(gpu, packHalfRows(gpu, t.x, xh), t.x.shape, t.w, t.b, o.y), scratch: [xh] };
  },
  bytes: (s) => { const sh = shapes(s); return 4 * numel(sh.x) + 2 * numel(sh.w) + 4 * (numel(sh.y) + s.C_out); },
};
