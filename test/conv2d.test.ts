// conv2d forward and backward (input, weight, bias) against the CPU twin and the twin's backward against
// finite differences, from the op table; the split weight gradient; bad input rejected before any GPU work.
import { describe, expect, it } from 'vitest';
import { conv2dBackward, conv2dForward, weightSlots } from '../src/ops/conv2d.ts';
import { conv2dBackwardRef, convOut } from './reference/conv2d.ts';
import { expectClose, poisoned, randArray, useGpu } from './helpers.ts';
import { conv2dBackwardInputSpec, conv2dBackwardWeightSpec, conv2dForwardSpec } from './ops/conv2d.ts';
import { checkOp, checkTwinGradients } from './ops/check.ts';

const getGpu = useGpu();

// The shapes, variants, twins and tolerances are the op table's (test/ops/conv2d.ts).
const cases = conv2dForwardSpec.cases.filter((c) => c.tags.includes('test')).map((c) => c.s);

describe('conv2d', () => {
  for (const spec of [conv2dForwardSpec, conv2dBackwardInputSpec, conv2dBackwardWeightSpec]) {
    checkOp(spec, getGpu);
    checkTwinGradients(spec);
  }

  it('blocked weight gradient: one partial per image and rows split across invocations agree with the twin', async () => {
    const gpu = await getGpu();
    const byLabel = (label: string) => conv2dForwardSpec.cases.find((c) => c.label === label)!.s;
    const shapes = ['UNet level 1', 'odd, stride 2', '1×1 shortcut', '1×1, plane a multiple of 4 (vec4 weight gradient)', 'stride 2 without padding, odd width'];
    for (const s of shapes.map(byLabel)) { // 3×3 s1, s2, 1×1, 1×1 vec4, s2 pad 0
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

  it('sliced weight gradients (colanes 3×3 and 1×1, texture): several images per slot, and rows or positions split across slots, agree with the twin', async () => {
    const gpu = await getGpu();
    // 1×1: 16 input channels per block (33 = 16 + 16 + 1), two output channels per lane (21 = 16 + 5), 35 positions
    const k1 = { N: 5, C_in: 33, H: 5, W: 7, C_out: 21, K: 1, stride: 1, pad: 0 };
    for (const s of [{ N: 5, C_in: 6, H: 9, W: 9, C_out: 5, K: 3, stride: 1, pad: 1 }, cases[0], k1]) {
      const [OH, OW] = convOut(s);
      const kk = s.K * s.K;
      const x = randArray(s.N * s.C_in * s.H * s.W, 11);
      const w = randArray(s.C_out * s.C_in * kk, 12);
      const dy = randArray(s.N * s.C_out * OH * OW, 13);
      const ref = conv2dBackwardRef(dy, x, w, s);
      // 1: every image in one slot; 48 (3×3, 16 invocations per image) and 144 (1×1, 48): 2 images per slot,
      // 5 = 2 + 2 + 1; 2^20: one image per slot, rows (positions) split.
      for (const target of [1, 48, 144, 1 << 20]) {
        for (const variant of ['colanes', 'texture'] as const) {
          await gpu.policy.using({ weightGradientTarget: target }, async () => {
            const g = conv2dBackward(gpu, gpu.upload([s.N, s.C_out, OH, OW], dy), gpu.upload([s.N, s.C_in, s.H, s.W], x),
              gpu.upload([s.C_out, s.C_in, s.K, s.K], w), { stride: 1, pad: s.pad, variant },
              { dw: poisoned(gpu, [s.C_out, s.C_in, s.K, s.K]), db: poisoned(gpu, [s.C_out]) }, true);
            expectClose(`${variant} dw N${s.N} K${s.K} target ${target}`, await g.dw.read(), ref.dw, 1e-3, 1e-4);
            expectClose(`${variant} db N${s.N} K${s.K} target ${target}`, await g.db.read(), ref.db, 1e-3, 1e-4);
          });
        }
      }
    }
  });

  it('colanes 1×1 past 65535 blocks of 32 pixels folds its grid over x and z', async () => {
    const gpu = await getGpu();
    const [H, W] = [1200, 1800]; // 2.16 M pixels: 67,500 blocks
    const x = randArray(2 * H * W, 21);
    const w = [0.5, -1.25, 2, 0.75]; // [2 out, 2 in, 1, 1]
    const b = [0.1, -0.2];
    const y = poisoned(gpu, [1, 2, H, W]);
    conv2dForward(gpu, gpu.upload([1, 2, H, W], x), gpu.upload([2, 2, 1, 1], w), gpu.upload([2], b), { pad: 0, variant: 'colanes' }, y);
    const got = await y.read();
    const P = H * W;
    const ref = new Float64Array(2 * P);
    for (let o = 0; o < 2; o++) for (let q = 0; q < P; q++) ref[o * P + q] = b[o] + w[2 * o] * x[q] + w[2 * o + 1] * x[P + q];
    expectClose('y', got, ref, 1e-5, 1e-5);
  });

  it('weightSlots: a batch that alone reaches the target shares images among slots, a small one splits rows', () => {
    // 5 images × 8 invocations, target 16: 2 slots' worth → 3 images per slot, 2 slots, rows whole.
    expect(weightSlots(5, 9, 8, 16, 1000)).toEqual({ splits: 1, rowsPerSplit: 9, imagesPerSlot: 3, slots: 2 });
    // Target above the batch's invocations: one image per slot, rows split to reach it (at most OH slices).
    expect(weightSlots(2, 9, 8, 64, 1000)).toEqual({ splits: 3, rowsPerSplit: 3, imagesPerSlot: 1, slots: 6 });
    expect(weightSlots(2, 9, 8, 1 << 20, 1000)).toEqual({ splits: 9, rowsPerSplit: 1, imagesPerSlot: 1, slots: 18 });
    // The partials' binding limit caps the slots even where the target asks for one per image.
    expect(weightSlots(64, 7, 8, 1 << 20, 10)).toEqual({ splits: 1, rowsPerSplit: 7, imagesPerSlot: 7, slots: 10 });
  });

  it('a design that has no kernel for a shape falls back down its chain, and the trace says what ran', async () => {
    const gpu = await getGpu();
    const ran = (variant: 'lanes' | 'colanes' | 'blocked' | 'gemm', xs: number[], ws: number[], stride: number, pad: number) => {
      gpu.trace = [];
      conv2dForward(gpu, gpu.tensor(xs), gpu.tensor(ws), gpu.tensor([ws[0]]), { stride, pad, variant });
      const t = [...gpu.trace];
      gpu.trace = null;
      return t;
    };
    expect(ran('lanes', [1, 4, 8, 8], [4, 4, 3, 3], 1, 1)).toContain('conv2d_lanes.lanes_k3s1');
    expect(ran('lanes', [1, 4, 8, 8], [4, 4, 3, 3], 2, 1)).toContain('conv2d_blocked.forward_k3s2'); // lanes → blocked
    expect(ran('lanes', [1, 4, 8, 8], [4, 4, 1, 1], 2, 0)).toEqual(['conv2d.forward']); // lanes → blocked → direct
    expect(ran('gemm', [1, 4, 8, 8], [4, 4, 1, 1], 2, 0)).not.toContain('conv2d.forward');
    // colanes needs subgroups of exactly 8 lanes (lavapipe has them, SwiftShader none): elsewhere it is blocked.
    const k3 = ran('colanes', [1, 4, 8, 8], [4, 4, 3, 3], 1, 1);
    if (gpu.hasSubgroups8) expect(k3).toContain('conv2d_colanes.colanes_k3s1');
    else expect(k3).toContain('conv2d_blocked.forward_k3s1');
    expect(ran('colanes', [1, 4, 8, 8], [4, 4, 3, 3], 2, 1)).toContain('conv2d_blocked.forward_k3s2'); // colanes → blocked
  });

  it('colanes computes the weight gradient in its own kernel where subgroups exist', async () => {
    const gpu = await getGpu();
    gpu.trace = [];
    const x = gpu.tensor([2, 5, 7, 7]);
    conv2dBackward(gpu, gpu.tensor([2, 9, 7, 7]), x, gpu.tensor([9, 5, 3, 3]), { variant: 'colanes' }, {}, true);
    const t = [...gpu.trace];
    gpu.trace = null;
    expect(t).toContain(gpu.hasSubgroups8 ? 'conv2d_colanes_weight.colanes_weight_k3s1' : 'conv2d_weight.weight_k3s1');
    gpu.trace = [];
    conv2dBackward(gpu, gpu.tensor([2, 9, 7, 7]), x, gpu.tensor([9, 5, 1, 1]), { variant: 'colanes', pad: 0 }, {}, true);
    const t1 = [...gpu.trace];
    gpu.trace = null;
    // (its pipeline constants are part of the traced name: colanes_weight_k1{CO_LANE=2,CBW=8})
    expect(t1.some((k) => k.startsWith(gpu.hasSubgroups8 ? 'conv2d_colanes_weight1.colanes_weight_k1' : 'conv2d_weight.weight_k1'))).toBe(true);
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
