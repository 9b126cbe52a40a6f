// Fused self-attention forward and backward against the CPU twin (explicit score matrices).
import { describe, expect, it } from 'vitest';
import { attentionBackward, attentionForward } from '../src/ops/attention.ts';
import { attentionBackwardRef, attentionForwardRef, type AttnShape } from './reference/attention.ts';
import { finiteDiff } from './reference/gradcheck.ts';
import { expectClose, poisoned, randArray, useGpu } from './helpers.ts';

const getGpu = useGpu();

describe('attention', () => {
  // [H, W] of the feature map; L = H·W positions.
  const cases: (AttnShape & { H: number; W: number })[] = [
    { N: 2, C: 64, L: 49, H: 7, W: 7, heads: 1 }, // 7×7 bottleneck of the small preset
    { N: 1, C: 32, L: 196, H: 14, W: 14, heads: 2 }, // 14×14
    { N: 3, C: 6, L: 9, H: 3, W: 3, heads: 2 }, // odd: head dim 3
    { N: 1, C: 5, L: 7, H: 7, W: 1, heads: 1 },
  ];
  for (const variant of ['row', 'rows4'] as const)
  for (const s of cases) {
    it(`${variant}: forward and backward N${s.N} C${s.C} ${s.H}×${s.W} heads${s.heads}`, async () => {
      const gpu = await getGpu();
      const qkvShape = [s.N, 3 * s.C, s.H, s.W];
      const oShape = [s.N, s.C, s.H, s.W];
      const qkv = randArray(s.N * 3 * s.C * s.L, 41, -1.5, 1.5);
      const dout = randArray(s.N * s.C * s.L, 42);
      const t = gpu.upload(qkvShape, qkv);
      const f = attentionForward(gpu, t, s.heads, { o: poisoned(gpu, oShape), lse: poisoned(gpu, [s.N, s.heads, s.L]) }, variant);
      const d = attentionBackward(gpu, gpu.upload(oShape, dout), t, f, s.heads, { dqkv: poisoned(gpu, qkvShape) }, variant);
      expectClose('attention o', await f.o.read(), attentionForwardRef(qkv, s), 1e-5, 1e-4);
      expectClose('attention dqkv', await d.read(), attentionBackwardRef(dout, qkv, s), 1e-5, 1e-3);
    });
  }

  it('CPU twin backward agrees with finite differences', () => {
    const s: AttnShape = { N: 1, C: 4, L: 5, heads: 2 };
    const qkv = Float64Array.from(randArray(60, 43, -1.5, 1.5));
    const dout = randArray(20, 44);
    const r = attentionBackwardRef(dout, qkv, s);
    const idx = [0, 9, 21, 33, 47, 59];
    expectClose('fd dqkv', finiteDiff((v) => attentionForwardRef(v, s), qkv, dout, idx), idx.map((i) => r[i]), 1e-6, 1e-5);
  });

  it('rejects bad head counts, wide heads and a layout it cannot mean', async () => {
    const gpu = await getGpu();
    expect(() => attentionForward(gpu, gpu.tensor([1, 18, 2, 2]), 4)).toThrow(/attention_forward: channels 6 are not divisible by heads 4/);
    expect(() => attentionForward(gpu, gpu.tensor([1, 16, 2, 2]), 1)).toThrow(/attention_forward: qkv channels 16 are not a multiple of 3/);
    expect(() => attentionForward(gpu, gpu.tensor([1, 384, 2, 2]), 1)).toThrow(/head dimension 128 is over the supported 64/);
    // Token-major [B, L, d] with d = 3·C: the numbers would be read as [N, 3C, L]; refused by rank.
    expect(() => attentionForward(gpu, gpu.tensor([2, 49, 48]), 1)).toThrow(/attention_forward: qkv must be a feature map \[N, 3C, H, W\].*got \[2, 49, 48\]/);
    const qkv = gpu.tensor([1, 12, 3, 3]);
    const f = attentionForward(gpu, qkv, 1);
    expect(() => attentionBackward(gpu, gpu.tensor([1, 4, 9]), qkv, f, 1)).toThrow(/attention_backward: dout/);
  });
});
