// GPU batching (row gather, label gather with dropout), the accumulate kernel and sum_outer vs CPU twins.
import { describe, expect, it } from 'vitest';
import { gatherLabels, gatherRows } from '../src/ops/data.ts';
import { accumulate } from '../src/ops/elementwise.ts';
import { sumOuter } from '../src/ops/reduce.ts';
import { newCounter } from '../src/ops/random.ts';
import { gatherLabelsRef, gatherRowsRef, sumOuterRef } from './reference/data.ts';
import { expectClose, poisoned, randArray, useGpu } from './helpers.ts';

const getGpu = useGpu();

describe('data batching', () => {
  for (const [rows, D, N] of [[50, 784, 3], [7, 5, 1], [1000, 49, 17]]) {
    it(`gather_rows: ${N} of ${rows} rows of ${D}`, async () => {
      const gpu = await getGpu();
      const data = randArray(rows * D, 121);
      const idx = Array.from({ length: N }, (_, i) => (i * 37 + 5) % rows);
      const out = poisoned(gpu, [N, D]);
      gatherRows(gpu, gpu.upload([rows, D], data), gpu.upload([N], idx, 'test', 'u32'), out);
      expectClose('gather_rows', await out.read(), gatherRowsRef(data, idx, D), 0, 0);
    });
  }

  it('gather_labels drops to the null class exactly where the Philox twin says, at about p_drop', async () => {
    const gpu = await getGpu();
    const rows = 100;
    const N = 999;
    const labels = Array.from({ length: rows }, (_, i) => i % 10);
    const idx = Array.from({ length: N }, (_, i) => (i * 7) % rows);
    const out = gpu.tensor([N], 'test', 'u32');
    const counter = newCounter(gpu, 42);
    gatherLabels(gpu, gpu.upload([rows], labels, 'test', 'u32'), gpu.upload([N], idx, 'test', 'u32'), out, 10, 0.1, 9, 3, counter);
    const got = Array.from(await gpu.readU32(out));
    expect(got).toEqual(gatherLabelsRef(labels, idx, 10, 0.1, 9, 3, 42));
    const dropped = got.filter((l) => l === 10).length / N;
    expect(dropped).toBeGreaterThan(0.06);
    expect(dropped).toBeLessThan(0.14);
  });

  it('rejects float indices and mismatched outputs', async () => {
    const gpu = await getGpu();
    expect(() => gatherRows(gpu, gpu.tensor([10, 4]), gpu.tensor([3]), gpu.tensor([3, 4]))).toThrow(/gather_rows: idx must be u32, got f32/);
    expect(() => gatherLabels(gpu, gpu.tensor([10], 't', 'u32'), gpu.tensor([3], 't', 'u32'), gpu.tensor([4], 't', 'u32'), 10, 0.1, 0)).toThrow(/gather_labels: out has 4 entries but idx has 3/);
  });
});

describe('gradient routing sums', () => {
  for (const n of [1, 7, 4099, 4100]) { // 4100: the vec4 kernel (elementwise4.wgsl)
    it(`accumulate out += alpha·a, n=${n}`, async () => {
      const gpu = await getGpu();
      const a = randArray(n, 122);
      const o = randArray(n, 123);
      const t = gpu.upload([n], o);
      accumulate(gpu, t, gpu.upload([n], a), -0.5);
      expectClose('accumulate', await t.read(), Float64Array.from(o, (v, i) => v - 0.5 * a[i]), 1e-6, 1e-6);
    });
  }

  for (const [A, C] of [[1, 5], [16, 2304], [3, 7], [3, 4]]) { // C % 4 = 0: reduce4.wgsl
    it(`sum_outer over ${A} partials of ${C}`, async () => {
      const gpu = await getGpu();
      const src = randArray(A * C, 124);
      const out = sumOuter(gpu, gpu.upload([A, C], src), A, C, poisoned(gpu, [C]));
      expectClose('sum_outer', await out.read(), sumOuterRef(src, A, C), 1e-5, 1e-5);
    });
  }

  it('rejects mismatched sizes', async () => {
    const gpu = await getGpu();
    expect(() => accumulate(gpu, gpu.tensor([4]), gpu.tensor([5]))).toThrow(/accumulate: a must have shape \[4\], got \[5\]/);
    expect(() => sumOuter(gpu, gpu.tensor([6]), 2, 4, gpu.tensor([4]))).toThrow(/sum_outer: src must have 8 elements/);
  });
});
