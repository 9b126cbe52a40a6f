// Quality metrics on the CPU: the symmetric eigen-solver, the Fréchet distance, the Laplacian pyramid and
// the sliced Wasserstein distance, each against an independent computation.
import { describe, expect, it } from 'vitest';
import { bootstrapFdStdErr, fitGaussian, frechetDistance, symmetricEigen } from '../src/eval/frechet.ts';
import { laplacianPyramid, pyramidSwd, pyramidSwdMany, radixSortFloats, slicedWasserstein } from '../src/eval/swd.ts';
import { pyramidRef, swdRef } from './reference/swd.ts';
import { expectClose, randArray, rng } from './helpers.ts';

function gaussianSet(n: number, dim: number, seed: number, sigma: number[], mu: number[]): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n * dim);
  for (let i = 0; i < n; i++)
    for (let d = 0; d < dim; d++) out[i * dim + d] = mu[d] + sigma[d] * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return out;
}

function withNoise(x: ArrayLike<number>, sigma: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from(x, (v) => v + sigma * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
}

describe('symmetric eigen-solver', () => {
  for (const n of [1, 2, 7, 33]) {
    it(`reconstructs a random symmetric ${n}×${n} matrix with orthonormal vectors`, () => {
      const r = randArray(n * n, 80 + n);
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = r[i * n + j] + r[j * n + i];
      const { values, vectors: V } = symmetricEigen(a, n);
      const rec = new Float64Array(n * n);
      const gram = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++)
          for (let k = 0; k < n; k++) {
            rec[i * n + j] += V[i * n + k] * values[k] * V[j * n + k];
            gram[i * n + j] += V[k * n + i] * V[k * n + j];
          }
      expectClose('V·Λ·Vᵀ', rec, a, 1e-10, 1e-10);
      expectClose('VᵀV', gram, Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)), 1e-10, 0);
    });
  }
});

describe('Fréchet distance', () => {
  it('is 0 between a set and itself, and grows as Gaussian noise is added', () => {
    const x = Float32Array.from(gaussianSet(500, 16, 90, Array.from({ length: 16 }, (_, d) => 0.5 + d / 16), new Array(16).fill(0.3)));
    const g = fitGaussian(x, 500, 16);
    expect(frechetDistance(g, g)).toBeLessThan(1e-9);
    const fds = [0.1, 0.3, 1].map((s) => frechetDistance(g, fitGaussian(withNoise(x, s, 91), 500, 16)));
    expect(fds[0]).toBeGreaterThan(0);
    expect(fds[1]).toBeGreaterThan(fds[0]);
    expect(fds[2]).toBeGreaterThan(fds[1]);
  });

  it('matches the closed form for diagonal covariances: Σ (μ₁ − μ₂)² + Σ (σ₁ − σ₂)²', () => {
    const dim = 5;
    const mk = (mean: number[], sd: number[]) => {
      const cov = new Float64Array(dim * dim);
      sd.forEach((s, d) => (cov[d * dim + d] = s * s));
      return { dim, mean: Float64Array.from(mean), cov };
    };
    const m1 = [0, 1, 2, 3, 4];
    const m2 = [0.5, 1, 1, 3, 6];
    const s1 = [1, 2, 0.5, 3, 1];
    const s2 = [2, 2, 0.1, 1, 0.3];
    const expected = m1.reduce((a, v, d) => a + (v - m2[d]) ** 2 + (s1[d] - s2[d]) ** 2, 0);
    expectClose('FD', [frechetDistance(mk(m1, s1), mk(m2, s2))], [expected], 1e-9, 1e-9);
  });

  it('bootstrap standard error: close to the spread of FD over independent draws, seeded, 0 for a constant set', () => {
    const [n, dim] = [300, 8];
    const sigma = Array.from({ length: dim }, (_, d) => 1 + d / dim);
    const ref = fitGaussian(gaussianSet(n, dim, 1, sigma, new Array(dim).fill(0)), n, dim);
    const shifted = (seed: number) => gaussianSet(n, dim, seed, sigma, new Array(dim).fill(0.3));
    const fds = Array.from({ length: 40 }, (_, k) => frechetDistance(ref, fitGaussian(shifted(100 + k), n, dim)));
    const mean = fds.reduce((a, b) => a + b, 0) / fds.length;
    const spread = Math.sqrt(fds.reduce((a, v) => a + (v - mean) ** 2, 0) / (fds.length - 1));
    for (const k of [0, 1, 2]) {
      const se = bootstrapFdStdErr(ref, shifted(100 + k), n, dim, 40, 7);
      expect(se / spread, `draw ${k}: bootstrap ${se}, spread over draws ${spread}`).toBeGreaterThan(0.5);
      expect(se / spread).toBeLessThan(2);
    }
    expect(bootstrapFdStdErr(ref, shifted(100), n, dim, 10, 5)).toBe(bootstrapFdStdErr(ref, shifted(100), n, dim, 10, 5));
    const constant = new Float64Array(n * dim).fill(0.5);
    expect(bootstrapFdStdErr(ref, constant, n, dim, 5)).toBeLessThan(1e-9);
    expect(() => bootstrapFdStdErr(ref, constant, n, dim, 1)).toThrow(/at least 2 resamples/);
  });

  it('rejects too few vectors and mismatched dimensions', () => {
    expect(() => fitGaussian(new Float32Array(4), 1, 4)).toThrow(/at least 2 vectors/);
    expect(() => fitGaussian(new Float32Array(7), 2, 4)).toThrow(/expected 2×4 values, got 7/);
  });
});

describe('Laplacian-pyramid SWD', () => {
  it('pyramid matches a direct 2-D convolution twin (28 px → levels 28, 14)', () => {
    const count = 2;
    const imgs = randArray(count * 28 * 28, 92, 0, 1);
    const levels = laplacianPyramid(imgs, count, 28);
    expect(levels.map((l) => l.size)).toEqual([28, 14]);
    for (let n = 0; n < count; n++) {
      const img = Array.from({ length: 28 }, (_, y) => Array.from(imgs.subarray((n * 28 + y) * 28, (n * 28 + y + 1) * 28)));
      const ref = pyramidRef(img, 16);
      ref.forEach((lvl, k) => {
        const s = lvl.length;
        expectClose(`level ${k} image ${n}`, levels[k].data.subarray(n * s * s, (n + 1) * s * s), lvl.flat(), 1e-5, 1e-5);
      });
    }
  });

  it('one reference against several sets gives each pairwise result', () => {
    const opts = { patches: 6, repeats: 2, directions: 5, minSize: 16, seed: 5 };
    const [a, b, c] = [98, 99, 100].map((seed) => randArray(2 * 28 * 28, seed, 0, 1));
    const many = pyramidSwdMany(a, [b, c], 2, 28, opts);
    expect(many).toEqual([pyramidSwd(a, b, 2, 28, opts), pyramidSwd(a, c, 2, 28, opts)]);
  });

  it('radix sort orders floats like a comparison sort (negatives, ±0, ties, ±∞)', () => {
    const a = randArray(5000, 97, -1e3, 1e3);
    a.set([0, -0, Infinity, -Infinity, 1e-30, -1e-30, 5, 5, 5], 0);
    const ref = Array.from(a).sort((x, y) => x - y);
    radixSortFloats(a);
    expect(Array.from(a, (v) => (v === 0 ? 0 : v))).toEqual(ref.map((v) => (v === 0 ? 0 : v)));
  });

  it('sliced Wasserstein in one dimension equals the optimal matching found by brute force', () => {
    const a = Float32Array.from([0.3, -1.2, 2.5, 0.9, -0.4]);
    const b = Float32Array.from([1.1, 0.2, -2.0, 0.7, 3.3]);
    const perms = (xs: number[]): number[][] => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p])));
    const best = Math.min(...perms([0, 1, 2, 3, 4]).map((p) => p.reduce((s, j, i) => s + Math.abs(a[i] - b[j]), 0) / 5));
    expectClose('W1', [slicedWasserstein(a, b, 1, 3, 4, rng(93)) / 1e3], [best], 1e-6, 1e-6);
  });

  it('matches the plain CPU twin on a small case and grows with noise', () => {
    const count = 3;
    const opts = { patches: 5, repeats: 2, directions: 6, minSize: 16, seed: 3 };
    const a = randArray(count * 28 * 28, 94, 0, 1);
    const b = randArray(count * 28 * 28, 95, 0, 1);
    const toImgs = (x: Float32Array) => Array.from({ length: count }, (_, n) => Array.from({ length: 28 }, (_, y) => Array.from(x.subarray((n * 28 + y) * 28, (n * 28 + y + 1) * 28))));
    const got = pyramidSwd(a, b, count, 28, opts);
    expectClose('swd per level', got.levels.map((l) => l.swd), swdRef(toImgs(a), toImgs(b), opts), 1e-3, 1e-4);

    const big = { patches: 32, repeats: 2, directions: 32, minSize: 16, seed: 4 };
    const digits = new Float32Array(20 * 28 * 28);
    for (let n = 0; n < 20; n++) for (let y = 6; y < 22; y++) for (let x = 12 + (n % 3); x < 16 + (n % 3); x++) digits[(n * 28 + y) * 28 + x] = 1; // bars
    // A set against itself is not exactly 0: each side draws its own random patches.
    const self = pyramidSwd(digits, digits, 20, 28, big).mean;
    const swds = [0.05, 0.2, 0.6].map((s) => pyramidSwd(digits, withNoise(digits, s, 96), 20, 28, big).mean);
    expect(swds[0]).toBeGreaterThan(self);
    expect(swds[1]).toBeGreaterThan(swds[0]);
    expect(swds[2]).toBeGreaterThan(swds[1]);
  });
});
