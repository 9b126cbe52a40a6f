// The f16 sampling path (src/ops/half.ts, groupNormHalfForward) against its CPU twin (test/reference/half.ts):
// the half-row layout and f16 rounding, the 3×3 convolution of f16-rounded inputs on every tile and on odd
// shapes, GroupNorm→SiLU written as half rows; bad input refused before any GPU work.
import { describe, expect, it } from 'vitest';
import { conv2dHalfForward, halfRowsShape, packHalfRows, packHalfWeights3, upsampleHalfRows } from '../src/ops/half.ts';
import { conv2dHalfForwardSpec, conv2dHalfFromF32Spec } from './ops/half.ts';
import { checkOp } from './ops/check.ts';
import { groupNormHalfForward } from '../src/ops/groupnorm.ts';

import type { Tensor } from '../src/runtime/tensor.ts';
import { expectClose, poisoned, poisonedU32, prod, randArray, useGpu } from './helpers.ts';
import { conv2dHalfRef, f16Ulp, halfRowsRef, toF16, unpackHalfWords } from './reference/half.ts';
import { groupNormForwardRef } from './reference/groupnorm.ts';

const getGpu = useGpu();

const words = (t: Tensor): Promise<Uint32Array> => t.gpu.readU32(t);

/** The largest |got − exact| in units of f16 steps at exact (plus `rel`·|exact| + `abs` of slack). */
function worstSteps(got: Float64Array, exact: Float64Array, rel = 0, abs = 0): number {
  return exact.reduce((m, v, i) => Math.max(m, Math.abs(got[i] - v) / (f16Ulp(v) + rel * Math.abs(v) + abs)), 0);
}


describe('f16 sampling path', () => {
  it('rounds to f16 like IEEE (twin self-check)', () => {
    expect(toF16(1 + 2 ** -11)).toBe(1); // a tie rounds to even
    expect(toF16(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
    expect(toF16(0.1)).toBeCloseTo(0.0999755859375, 12);
    expect(toF16(70000)).toBe(Infinity);
    expect(toF16(2 ** -20)).toBe(2 ** -20); // subnormal, exact
  });

  it('packs images into half rows: a zero column left, zeros right, each value within one f16 step', async () => {
    const gpu = await getGpu();
    for (const shape of [[1, 1, 7, 7], [3, 5, 6, 14], [2, 3, 4, 9], [1, 2, 3, 28], [1, 1, 3, 1]]) {
      const x = randArray(prod(shape), 11, -3, 3);
      const got = unpackHalfWords(await words(packHalfRows(gpu, gpu.upload(shape, x), poisonedU32(gpu, halfRowsShape(shape)))));
      const exact = halfRowsRef(x, shape);
      expect(worstSteps(got, exact), `shape ${shape}: worst error in f16 steps`).toBeLessThanOrEqual(1);
      expect(exact.every((v, i) => v !== 0 || got[i] === 0), `shape ${shape}: padding is zero`).toBe(true);
    }
  });

  it('upsamples 2× (nearest) into half rows', async () => {
    const gpu = await getGpu();
    for (const shape of [[1, 1, 7, 7], [2, 3, 4, 5], [3, 2, 14, 14], [1, 1, 3, 1]]) {
      const [N, C, H, W] = shape;
      const x = randArray(prod(shape), 41, -3, 3);
      const up = Float64Array.from({ length: N * C * 4 * H * W }, (_, i) => {
        const ox = i % (2 * W), oy = Math.floor(i / (2 * W)) % (2 * H), plane = Math.floor(i / (4 * H * W));
        return x[(plane * H + (oy >> 1)) * W + (ox >> 1)];
      });
      const exact = halfRowsRef(up, [N, C, 2 * H, 2 * W]);
      const got = unpackHalfWords(await words(upsampleHalfRows(gpu, gpu.upload(shape, x), poisonedU32(gpu, halfRowsShape([N, C, 2 * H, 2 * W])))));
      expect(worstSteps(got, exact), `shape ${shape}: worst error in f16 steps`).toBeLessThanOrEqual(1);
    }
  });

  // The tiles at UNet and odd shapes: the op table's (test/ops/half.ts), like every kernel's.
  checkOp(conv2dHalfForwardSpec, getGpu);
  checkOp(conv2dHalfFromF32Spec, getGpu);

  it('saturates values past the f16 range to ±65504 (pack2x16float leaves them indeterminate)', async () => {
    const gpu = await getGpu();
    const x = [1e6, -7e4, 65504, 3, -1e9, 0.5, 2e5];
    const got = unpackHalfWords(await words(packHalfRows(gpu, gpu.upload([1, 1, 1, 7], x))));
    expect(Array.from(got)).toEqual([0, 65504, -65504, 65504, 3, -65504, 0.5, 65504, 0, 0]);
  });

  it('3×3 conv on half rows with the time embedding fused into the epilogue: + emb[n, co] everywhere', async () => {
    const gpu = await getGpu();
    const xh0 = gpu.tensor(halfRowsShape([1, 3, 7, 7]), 't', 'u32');
    if (!gpu.hasSubgroups8) {
      expect(() => conv2dHalfForward(gpu, xh0, [1, 3, 7, 7], gpu.tensor([5, 3, 3, 3]), gpu.tensor([5]))).toThrow(/conv2d_half_forward: needs WGSL subgroups of exactly 8 lanes/);
      return;
    }
    for (const [N, C_in, H, W, C_out] of [[3, 6, 7, 7, 5], [2, 5, 14, 14, 9]]) {
      const x = randArray(N * C_in * H * W, 21, -2, 2);
      const w = randArray(C_out * C_in * 9, 22, -0.5, 0.5);
      const b = randArray(C_out, 23);
      const e = randArray(N * C_out, 24);
      const ref = conv2dHalfRef(x, w, b, { N, C_in, H, W, C_out }).map((v, i) => v + e[Math.floor(i / (H * W))]);
      const xh = packHalfRows(gpu, gpu.upload([N, C_in, H, W], x));
      const y = conv2dHalfForward(gpu, xh, [N, C_in, H, W], gpu.upload([C_out, C_in, 3, 3], w), gpu.upload([C_out], b), poisoned(gpu, [N, C_out, H, W]), { emb: gpu.upload([N, C_out], e) });
      expectClose(`conv half + emb [${N},${C_in},${H},${W}]→${C_out}`, await y.read(), ref, 0.02, 2e-3);
    }
  });

  it('GroupNorm→SiLU into half rows matches the twin within one f16 step', async () => {
    const gpu = await getGpu();
    const shapes = [[[2, 6, 7, 7], 3, true], [[1, 8, 14, 14], 4, true], [[3, 4, 5, 9], 2, false], [[3, 4, 28, 28], 2, true], [[2, 6, 4, 7], 3, false], [[1, 3, 4, 1], 3, true]];
    for (const [shape, G, silu] of shapes as [number[], number, boolean][]) {
      const [N, C, H, W] = shape;
      const x = randArray(prod(shape), 31, -2, 3);
      const gamma = randArray(C, 32, 0.5, 1.5);
      const beta = randArray(C, 33, -0.5, 0.5);
      const exact = halfRowsRef(groupNormForwardRef(x, gamma, beta, { N, C, S: H * W, G, eps: 1e-5, silu }).y, shape);
      for (const reduce of ['tree', 'serial'] as const) {
        await gpu.policy.using({ reduce }, async () => {
          const { y } = groupNormHalfForward(gpu, gpu.upload(shape, x), gpu.upload([C], gamma), gpu.upload([C], beta), { groups: G, silu }, { y: poisonedU32(gpu, halfRowsShape(shape)) });
          const got = unpackHalfWords(await words(y));
          // One f16 step from the rounding, plus the f32 normalisation's own error: 1e-5 of the value, and
          // an absolute part (the mean's and rstd's rounding over a group of up to 1,568 values moves
          // values near zero too, where an f16 step is tiny).
          expect(worstSteps(got, exact, 1e-5, 1e-6), `${shape} G${G} silu ${silu} ${reduce}: worst error in f16 steps`).toBeLessThanOrEqual(1);
        });
      }
    }
  });

  it('refuses bad input with the op name, before any dispatch', async () => {
    const gpu = await getGpu();
    const before = gpu.dispatchCount;
    const xh = gpu.tensor(halfRowsShape([1, 3, 8, 8]), 't', 'u32');
    expect(() => conv2dHalfForward(gpu, xh, [1, 3, 8, 9], gpu.tensor([4, 3, 3, 3]), gpu.tensor([4]))).toThrow(/conv2d_half_forward: x \(half rows\) must have shape \[1, 3, 8, 6\], got \[1, 3, 8, 5\]/);
    expect(() => conv2dHalfForward(gpu, xh, [1, 3, 8, 8], gpu.tensor([4, 2, 3, 3]), gpu.tensor([4]))).toThrow(/conv2d_half_forward: weight expects 2 input channels but x has 3/);
    expect(() => conv2dHalfForward(gpu, xh, [1, 3, 8, 8], gpu.tensor([4, 3, 1, 1]), gpu.tensor([4]))).toThrow(/conv2d_half_forward: weight must be 3×3/);
    if (gpu.hasSubgroups8) expect(() => conv2dHalfForward(gpu, xh, [1, 3, 8, 8], gpu.tensor([4, 3, 3, 3]), gpu.tensor([4]), undefined, { tile: 't4x7' })).toThrow(/conv2d_half_forward: tile t4x7 covers rows of at most 7 columns, got W = 8/);
    expect(() => conv2dHalfForward(gpu, xh, [1, 3, 8, 8], gpu.tensor([4, 3, 3, 3]), gpu.tensor([4]), undefined, { emb: gpu.tensor([4]) })).toThrow(/conv2d_half_forward: emb must have shape \[1, 4\], got \[4\]/);
    expect(() => packHalfWeights3(gpu, gpu.tensor([4, 3, 1, 1]))).toThrow(/pack_half_weights3: weight must be \[C_out, C_in, 3, 3\]/);
    expect(() => groupNormHalfForward(gpu, gpu.tensor([1, 4, 8, 8]), gpu.tensor([4]), gpu.tensor([4]), { groups: 2 }, { y: gpu.tensor([1, 4, 8, 8], 't', 'u32') })).toThrow(/groupnorm_half_forward: y \(half rows\) must have shape \[1, 4, 8, 5\]/);
    expect(gpu.dispatchCount).toBe(before);
  });
});
