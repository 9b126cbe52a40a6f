// Max pooling and softmax cross-entropy (the classifier's kernels) vs CPU twins, twins vs finite differences.
import { describe, expect, it } from 'vitest';
import { maxPool2Backward, maxPool2Forward } from '../src/ops/pool.ts';
import { crossEntropyBackward, crossEntropyForward } from '../src/ops/xent.ts';
import { maxPool2BackwardRef, maxPool2Ref } from './reference/pool.ts';
import { crossEntropyBackwardRef, crossEntropyRef } from './reference/xent.ts';
import { finiteDiff } from './reference/gradcheck.ts';
import { expectClose, poisoned, randArray, rng, useGpu } from './helpers.ts';

const getGpu = useGpu();

describe('maxpool 2×2', () => {
  for (const [N, C, H, W] of [[2, 16, 28, 28], [3, 5, 7, 7], [1, 3, 14, 9], [1, 1, 2, 3]]) {
    it(`forward and backward N${N} C${C} ${H}×${W}`, async () => {
      const gpu = await getGpu();
      const Ho = Math.floor(H / 2);
      const Wo = Math.floor(W / 2);
      const x = randArray(N * C * H * W, 71);
      // Ties: a few windows of equal values, so the first-maximum rule is exercised.
      for (let i = 0; i < 8 && i * 4 + 3 < x.length; i++) x[i * 4] = x[i * 4 + 1] = 0.5;
      const dy = randArray(N * C * Ho * Wo, 72);
      const tx = gpu.upload([N, C, H, W], x);
      const y = maxPool2Forward(gpu, tx, poisoned(gpu, [N, C, Ho, Wo]));
      expectClose('maxpool forward', await y.read(), maxPool2Ref(x, N * C, H, W), 0, 0);
      const dx = maxPool2Backward(gpu, gpu.upload([N, C, Ho, Wo], dy), tx, poisoned(gpu, [N, C, H, W]));
      expectClose('maxpool backward', await dx.read(), maxPool2BackwardRef(dy, x, N * C, H, W), 0, 0);
    });
  }

  it('backward twin agrees with finite differences (no ties)', () => {
    const x = Float64Array.from(randArray(2 * 5 * 5, 73, -3, 3));
    const dy = randArray(2 * 2 * 2, 74);
    const ref = maxPool2BackwardRef(dy, x, 2, 5, 5);
    const idx = [0, 1, 6, 12, 24, 31, 49];
    expectClose('fd maxpool', finiteDiff((v) => maxPool2Ref(v, 2, 5, 5), x, dy, idx), idx.map((i) => ref[i]), 1e-7, 1e-6);
  });

  it('rejects maps smaller than the window', async () => {
    const gpu = await getGpu();
    expect(() => maxPool2Forward(gpu, gpu.tensor([1, 1, 1, 4]))).toThrow(/maxpool2_forward: x \[1, 1, 1, 4\] must be at least 2×2/);
    expect(() => maxPool2Backward(gpu, gpu.tensor([1, 1, 2, 2]), gpu.tensor([1, 1, 6, 6]))).toThrow(/dy must have shape \[1, 1, 3, 3\]/);
  });
});

describe('softmax cross-entropy', () => {
  for (const [rows, K] of [[64, 10], [3, 7], [1, 10], [130, 3]]) {
    it(`forward and backward rows${rows} classes${K}`, async () => {
      const gpu = await getGpu();
      const r = rng(75 + rows);
      const z = randArray(rows * K, 76, -6, 6);
      const labels = Uint32Array.from({ length: rows }, () => Math.floor(r() * K));
      const tz = gpu.upload([rows, K], z);
      const tl = gpu.upload([rows], labels, 'labels', 'u32');
      const losses = gpu.upload([4], new Float32Array(4).fill(NaN));
      const rl = crossEntropyForward(gpu, tz, tl, losses, undefined, poisoned(gpu, [rows]));
      const ref = crossEntropyRef(z, labels, rows, K);
      expectClose('row losses', await rl.read(), ref.rowLoss, 1e-5, 1e-5);
      expectClose('mean loss', (await losses.read()).slice(0, 1), [ref.mean], 1e-5, 1e-5);
      const d = crossEntropyBackward(gpu, tz, tl, 2, poisoned(gpu, [rows, K]));
      expectClose('dlogits', await d.read(), crossEntropyBackwardRef(z, labels, rows, K, 2), 1e-7, 1e-5);
    });
  }

  it('backward twin agrees with finite differences', () => {
    const rows = 3;
    const K = 5;
    const z = Float64Array.from(randArray(rows * K, 77, -3, 3));
    const labels = [4, 0, 2];
    const ref = crossEntropyBackwardRef(z, labels, rows, K);
    const idx = [0, 4, 5, 9, 12, 14];
    const fd = finiteDiff((v) => [crossEntropyRef(v, labels, rows, K).mean], z, [1], idx);
    expectClose('fd xent', fd, idx.map((i) => ref[i]), 1e-8, 1e-6);
  });

  it('rejects float labels and mismatched rows', async () => {
    const gpu = await getGpu();
    const z = gpu.tensor([4, 10]);
    expect(() => crossEntropyBackward(gpu, z, gpu.tensor([4]))).toThrow(/cross_entropy_backward: labels must be u32, got f32/);
    expect(() => crossEntropyBackward(gpu, z, gpu.tensor([3], 'x', 'u32'))).toThrow(/labels must have shape \[4\], got \[3\]/);
  });
});
