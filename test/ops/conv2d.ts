// conv2d in the op table (test/ops/table.ts): forward, input gradient and weight gradient, every registered
// variant (CONV_FORWARD_VARIANTS / CONV_WEIGHT_VARIANTS) at UNet shapes and odd ones (7×7, odd channels, stride 2,
// 1×1, pad ≥ K), with the twin's gradients against finite differences.
import { CONV_FORWARD_VARIANTS, CONV_WEIGHT_VARIANTS, conv2dBackward, conv2dForward, type ConvVariant } from '../../src/ops/conv2d.ts';
import { conv2dBackwardRef, conv2dForwardRef, convOut, type ConvShape } from '../reference/conv2d.ts';
import { numel, seeded, type OpCase, type OpSpec } from './spec.ts';

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
  { label: '1×1, 19 output channels (two blocks of 16), pixel blocks across images', s: conv(3, 5, 5, 7, 19, 1, 1, 0), tags: ['test'] },
  { label: 'stride 2 without padding, odd width', s: conv(2, 3, 6, 5, 9, 3, 2, 0), tags: ['test'] },
  { label: '1×1 stride 2', s: conv(2, 3, 8, 8, 3, 1, 2, 0), tags: ['test'] },
  { label: '99 pixels (two pixel blocks), 9 channels (two blocks of 8)', s: conv(1, 3, 9, 11, 9, 3, 1, 1), tags: ['test'] },
  { label: '8×8: the last texel fetch of 2-row windows reaches the extra packed row', s: conv(1, 3, 8, 8, 9, 3, 1, 1), tags: ['test'] },
  { label: 'rows wider than 28 columns, 9 rows', s: conv(1, 3, 9, 31, 5, 3, 1, 1), tags: ['test'] },
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
  name: 'conv2d', direction: 'forward', variants: CONV_FORWARD_VARIANTS, cases: CONV_CASES, dims: convDims,
  inputs: (s) => { const { x, w, b } = convInputs(s); return { x, w, b }; },
  outputs: (s) => ({ y: convShapes(s).y }),
  setup: (gpu, s, t, o, variant) => ({ run: () => conv2dForward(gpu, t.x, t.w, t.b, convOpts(s, variant), o.y) }),
  ref: (s, x) => ({ y: conv2dForwardRef(x.x, x.w, x.b, s) }),
  tol: { y: [1e-4, 1e-4] },
  flops: convFlops, bytes: convBytes,
};

export const conv2dBackwardInputSpec: OpSpec<ConvShape> = {
  name: 'conv2d', direction: 'backward_input', variants: CONV_FORWARD_VARIANTS, cases: CONV_CASES, dims: convDims,
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
