// Fréchet distance between two sets of feature vectors, each modelled as a Gaussian:
//   FD = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^½),  with  Tr((Σ₁Σ₂)^½) = Σ √λᵢ(Σ₁^½ Σ₂ Σ₁^½),
// the last matrix being symmetric positive semi-definite, so a symmetric (Jacobi) eigen-solver suffices.
// All arithmetic in float64. A bootstrap over the samples gives the FD's standard error.
import { mulberry32 } from '../runtime/mulberry.ts';

export interface Gaussian {
  dim: number;
  mean: Float64Array;
  cov: Float64Array; // [dim, dim], unbiased (n − 1)
}

/** Mean and covariance of `count` row vectors of length `dim`. */
export function fitGaussian(x: ArrayLike<number>, count: number, dim: number): Gaussian {
  if (count < 2) throw new Error(`fitGaussian: need at least 2 vectors, got ${count}`);
  if (x.length !== count * dim) throw new Error(`fitGaussian: expected ${count}×${dim} values, got ${x.length}`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let d = 0; d < dim; d++) mean[d] += x[i * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= count;
  const cov = new Float64Array(dim * dim);
  const c = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < dim; d++) c[d] = x[i * dim + d] - mean[d];
    for (let a = 0; a < dim; a++) {
      const ca = c[a];
      for (let b = a; b < dim; b++) cov[a * dim + b] += ca * c[b];
    }
  }
  for (let a = 0; a < dim; a++)
    for (let b = a; b < dim; b++) cov[b * dim + a] = cov[a * dim + b] /= count - 1;
  return { dim, mean, cov };
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: a = V·diag(values)·Vᵀ, with
 * the eigenvectors in V's columns. Each rotation zeroes one off-diagonal pair; sweeps repeat until the
 * off-diagonal mass is negligible.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(a);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += A[i] * A[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] * A[p * n + q];
    if (off <= 1e-30 * scale || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        // Rotation angle θ with tan 2θ = 2·a_pq / (a_qq − a_pp); t = tan θ, the smaller root.
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          // columns p and q of A
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          // rows p and q of A
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = A[i * n + i];
  return { values, vectors: V };
}

/** Square root of a symmetric PSD matrix (negative eigenvalues from rounding are clamped to 0). */
export function sqrtPsd(a: ArrayLike<number>, n: number): Float64Array {
  const { values, vectors: V } = symmetricEigen(a, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const r = Math.sqrt(Math.max(values[k], 0));
    if (r === 0) continue;
    for (let i = 0; i < n; i++) {
      const vik = V[i * n + k] * r;
      for (let j = 0; j < n; j++) out[i * n + j] += vik * V[j * n + k];
    }
  }
  return out;
}

function matmulSquare(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  return c;
}

export function frechetDistance(g1: Gaussian, g2: Gaussian): number {
  const n = g1.dim;
  if (g2.dim !== n) throw new Error(`frechetDistance: dimensions differ (${n} vs ${g2.dim})`);
  let meanTerm = 0;
  for (let d = 0; d < n; d++) meanTerm += (g1.mean[d] - g2.mean[d]) ** 2;
  let trace = 0;
  for (let d = 0; d < n; d++) trace += g1.cov[d * n + d] + g2.cov[d * n + d];
  const s1h = sqrtPsd(g1.cov, n);
  const m = matmulSquare(matmulSquare(s1h, g2.cov, n), s1h, n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m[i * n + j] = m[j * n + i] = 0.5 * (m[i * n + j] + m[j * n + i]);
  let crossTrace = 0;
  for (const l of symmetricEigen(m, n).values) crossTrace += Math.sqrt(Math.max(l, 0));
  // Rounding can push a set's distance to itself a hair below zero.
  return Math.max(0, meanTerm + trace - 2 * crossTrace);
}

/**
 * Bootstrap standard error of FD(ref, samples) over the draw of the samples: the standard deviation of the
 * FD to the fixed reference of `resamples` sets of `count` vectors drawn with replacement from `x`. It says
 * how far the FD would move with other samples of the same model (another sampling seed); the reference
 * digits are the same in every evaluation, so they are not resampled.
 */
export function bootstrapFdStdErr(ref: Gaussian, x: ArrayLike<number>, count: number, dim: number, resamples = 20, seed = 1): number {
  if (resamples < 2) throw new Error(`bootstrapFdStdErr: need at least 2 resamples, got ${resamples}`);
  if (x.length !== count * dim) throw new Error(`bootstrapFdStdErr: expected ${count}×${dim} values, got ${x.length}`);
  const rand = mulberry32(seed);
  const draw = new Float64Array(count * dim);
  const fds: number[] = [];
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < count; i++) {
      const j = Math.floor(rand() * count);
      for (let d = 0; d < dim; d++) draw[i * dim + d] = x[j * dim + d];
    }
    fds.push(frechetDistance(ref, fitGaussian(draw, count, dim)));
  }
  const mean = fds.reduce((a, b) => a + b, 0) / resamples;
  return Math.sqrt(fds.reduce((a, v) => a + (v - mean) ** 2, 0) / (resamples - 1));
}
