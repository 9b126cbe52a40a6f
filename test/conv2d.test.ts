// conv2d forward and backward (input, weight, bias) against the CPU twin; the twin's backward against
// finite differences; bad input rejected before any GPU work.
import { describe, expect, it } from 'vitest';
import { conv2dBackward, conv2dForward } from '../src/ops/conv2d.ts';
import { conv2dBackwardRef, conv2dForwardRef, convOut, type ConvShape } from './reference/conv2d.ts';
import { finiteDiff } from './reference/gradcheck.ts';
import { expectClose, poisoned, prod, randArray, useGpu } from './helpers.ts';

const getGpu = useGpu();

const cases: ConvShape[] = [
  { N: 2, C_in: 8, H: 28, W: 28, C_out: 16, K: 3, stride: 1, pad: 1 }, // UNet level 1
  { N: 1, C_in: 1, H: 28, W: 28, C_out: 8, K: 3, stride: 1, pad: 1 }, // conv in
  { N: 2, C_in: 16, H: 14, W: 14, C_out: 16, K: 3, stride: 2, pad: 1 }, // downsample
  { N: 3, C_in: 6, H: 7, W: 7, C_out: 5, K: 3, stride: 1, pad: 1 }, // odd: 7×7, C not multiple of 4
  { N: 3, C_in: 17, H: 7, W: 7, C_out: 6, K: 3, stride: 1, pad: 1 }, // odd channel counts, batch 3
  { N: 3, C_in: 5, H: 7, W: 7, C_out: 7, K: 3, stride: 2, pad: 1 }, // odd, stride 2
  { N: 1, C_in: 12, H: 7, W: 9, C_out: 6, K: 1, stride: 1, pad: 0 }, // 1×1 shortcut
  { N: 3, C_in: 6, H: 6, W: 6, C_out: 5, K: 1, stride: 1, pad: 0 }, // 1×1, plane a multiple of 4 (vec4 weight gradient)
  { N: 2, C_in: 3, H: 6, W: 5, C_out: 9, K: 3, stride: 2, pad: 0 }, // stride 2 without padding, odd width
  { N: 2, C_in: 3, H: 8, W: 8, C_out: 3, K: 1, stride: 2, pad: 0 }, // 1×1 stride 2
  { N: 1, C_in: 3, H: 9, W: 11, C_out: 9, K: 3, stride: 1, pad: 1 }, // 99 pixels (two pixel blocks), 9 channels (two blocks of 8)
  { N: 2, C_in: 4, H: 7, W: 7, C_out: 12, K: 3, stride: 1, pad: 0 }, // 3×3 without padding (input gradient pads by 2)
  { N: 2, C_in: 3, H: 5, W: 6, C_out: 5, K: 3, stride: 1, pad: 3 }, // pad ≥ K: the input gradient cannot pad by K − 1 − pad
  { N: 3, C_in: 3, H: 7, W: 7, C_out: 4, K: 3, stride: 2, pad: 2 }, // stride 2, pad 2
  { N: 1, C_in: 2, H: 4, W: 5, C_out: 3, K: 1, stride: 1, pad: 1 }, // 1×1 with padding (a zero border)
];

describe('conv2d', () => {
  for (const variant of ['direct', 'blocked', 'blocked8', 'gemm', 'lanes'] as const)
  for (const s of cases) {
    const label = `N${s.N} ${s.C_in}→${s.C_out} ${s.H}×${s.W} K${s.K} s${s.stride} p${s.pad}`;
    it(`${variant}: forward and backward match the CPU twin (${label})`, async () => {
      const gpu = await getGpu();
      const [OH, OW] = convOut(s);
      const xs = [s.N, s.C_in, s.H, s.W];
      const ws = [s.C_out, s.C_in, s.K, s.K];
      const ys = [s.N, s.C_out, OH, OW];
      const x = randArray(prod(xs), 1);
      const w = randArray(prod(ws), 2, -0.5, 0.5);
      const b = randArray(s.C_out, 3);
      const dy = randArray(prod(ys), 4);
      const tx = gpu.upload(xs, x);
      const tw = gpu.upload(ws, w);
      const tb = gpu.upload([s.C_out], b);
      const tdy = gpu.upload(ys, dy);
      const opts = { stride: s.stride, pad: s.pad, variant };
      const y = conv2dForward(gpu, tx, tw, tb, opts, poisoned(gpu, ys));
      const g = conv2dBackward(gpu, tdy, tx, tw, opts, { dx: poisoned(gpu, xs), dw: poisoned(gpu, ws), db: poisoned(gpu, [s.C_out]) });
      const ref = conv2dBackwardRef(dy, x, w, s);
      expectClose('conv2d forward', await y.read(), conv2dForwardRef(x, w, b, s), 1e-4, 1e-4);
      expectClose('conv2d dx', await g.dx!.read(), ref.dx, 1e-4, 1e-4);
      expectClose('conv2d dw', await g.dw.read(), ref.dw, 1e-3, 1e-4);
      expectClose('conv2d db', await g.db.read(), ref.db, 1e-3, 1e-4);
    });
  }

  it('blocked weight gradient: one partial per image and rows split across invocations agree with the twin', async () => {
    const gpu = await getGpu();
    for (const s of [cases[0], cases[5], cases[6], cases[7], cases[8]]) { // 3×3 s1, s2, 1×1, 1×1 vec4, s2 pad 0
      const [OH, OW] = convOut(s);
      const x = randArray(s.N * s.C_in * s.H * s.W, 5);
      const w = randArray(s.C_out * s.C_in * s.K * s.K, 6);
      const dy = randArray(s.N * s.C_out * OH * OW, 7);
      const ref = conv2dBackwardRef(dy, x, w, s);
      for (const target of [1, 1 << 20]) {
        // 1: no split; 2^20: as many splits as rows/positions
        await gpu.policy.using({ weightGradientTarget: target }, async () => {
          const g = conv2dBackward(gpu, gpu.upload([s.N, s.C_out, OH, OW], dy), gpu.upload([s.N, s.C_in, s.H, s.W], x),
            gpu.upload([s.C_out, s.C_in, s.K, s.K], w), { stride: s.stride, pad: s.pad, variant: 'blocked' },
            { dw: poisoned(gpu, [s.C_out, s.C_in, s.K, s.K]), db: poisoned(gpu, [s.C_out]) }, true);
          expectClose(`dw target ${target}`, await g.dw.read(), ref.dw, 1e-3, 1e-4);
          expectClose(`db target ${target}`, await g.db.read(), ref.db, 1e-3, 1e-4);
        });
      }
    }
  });

  it('CPU twin backward agrees with finite differences', () => {
    const s: ConvShape = { N: 2, C_in: 3, H: 5, W: 5, C_out: 2, K: 3, stride: 2, pad: 1 };
    const [OH, OW] = convOut(s);
    const x = Float64Array.from(randArray(s.N * s.C_in * 25, 5));
    const w = Float64Array.from(randArray(s.C_out * s.C_in * 9, 6));
    const b = Float64Array.from(randArray(s.C_out, 7));
    const dy = randArray(s.N * s.C_out * OH * OW, 8);
    const ref = conv2dBackwardRef(dy, x, w, s);
    const idx = [0, 7, 19, 33, 49];
    expectClose('fd dx', finiteDiff((v) => conv2dForwardRef(v, w, b, s), x, dy, idx), idx.map((i) => ref.dx[i]), 1e-6, 1e-5);
    const widx = [0, 4, 17, 53];
    expectClose('fd dw', finiteDiff((v) => conv2dForwardRef(x, v, b, s), w, dy, widx), widx.map((i) => ref.dw[i]), 1e-6, 1e-5);
    expectClose('fd db', finiteDiff((v) => conv2dForwardRef(x, w, v, s), b, dy, [0, 1]), [ref.db[0], ref.db[1]], 1e-6, 1e-5);
  });

  it('rejects bad input with the op name and sizes, before any dispatch', async () => {
    const gpu = await getGpu();
    const before = gpu.dispatchCount;
    const x = gpu.tensor([1, 3, 8, 8]);
    const w = gpu.tensor([4, 5, 3, 3]);
    const b = gpu.tensor([4]);
    expect(() => conv2dForward(gpu, x, w, b)).toThrow(/conv2d_forward: weight expects 5 input channels but x has 3/);
    expect(() => conv2dForward(gpu, gpu.tensor([3, 8, 8]), w, b)).toThrow(/conv2d_forward: x must have rank 4, got shape \[3, 8, 8\]/);
    const w2 = gpu.tensor([4, 3, 3, 3]);
    expect(() => conv2dForward(gpu, x, w2, gpu.tensor([5]))).toThrow(/conv2d_forward: bias must have shape \[4\], got \[5\]/);
    expect(() => conv2dBackward(gpu, gpu.tensor([1, 4, 7, 8]), x, w2)).toThrow(/conv2d_backward: dy must have shape \[1, 4, 8, 8\]/);
    expect(gpu.dispatchCount).toBe(before);
  });
});
