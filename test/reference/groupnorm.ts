// CPU twin of shaders/groupnorm*.wgsl: GroupNorm (+ optional SiLU) forward and backward, float64.
import { sigmoid, siluGrad } from './elementwise.ts';

export interface GNShape { N: number; C: number; S: number; G: number; eps: number; silu: boolean }

export function groupNormForwardRef(x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, s: GNShape) {
  const cg = s.C / s.G;
  const cnt = cg * s.S;
  const y = new Float64Array(x.length);
  const mean = new Float64Array(s.N * s.G);
  const rstd = new Float64Array(s.N * s.G);
  for (let ng = 0; ng < s.N * s.G; ng++) {
    const base = ng * cnt;
    let m = 0;
    for (let i = 0; i < cnt; i++) m += x[base + i];
    m /= cnt;
    let v = 0;
    for (let i = 0; i < cnt; i++) v += (x[base + i] - m) ** 2;
    v /= cnt;
    const r = 1 / Math.sqrt(v + s.eps);
    mean[ng] = m;
    rstd[ng] = r;
    const g = ng % s.G;
    for (let i = 0; i < cnt; i++) {
      const c = g * cg + Math.floor(i / s.S);
      const z = (x[base + i] - m) * r * gamma[c] + beta[c];
      y[base + i] = s.silu ? z * sigmoid(z) : z;
    }
  }
  return { y, mean, rstd };
}

export function groupNormBackwardRef(dy: ArrayLike<number>, x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, s: GNShape) {
  const { mean, rstd } = groupNormForwardRef(x, gamma, beta, s);
  const cg = s.C / s.G;
  const cnt = cg * s.S;
  const dx = new Float64Array(x.length);
  const dgamma = new Float64Array(s.C);
  const dbeta = new Float64Array(s.C);
  for (let ng = 0; ng < s.N * s.G; ng++) {
    const base = ng * cnt;
    const g = ng % s.G;
    const dz = new Float64Array(cnt);
    const xh = new Float64Array(cnt);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < cnt; i++) {
      const c = g * cg + Math.floor(i / s.S);
      xh[i] = (x[base + i] - mean[ng]) * rstd[ng];
      dz[i] = dy[base + i] * (s.silu ? siluGrad(xh[i] * gamma[c] + beta[c]) : 1);
      dgamma[c] += dz[i] * xh[i];
      dbeta[c] += dz[i];
      s1 += dz[i] * gamma[c];
      s2 += dz[i] * gamma[c] * xh[i];
    }
    s1 /= cnt;
    s2 /= cnt;
    for (let i = 0; i < cnt; i++) {
      const c = g * cg + Math.floor(i / s.S);
      dx[base + i] = rstd[ng] * (dz[i] * gamma[c] - s1 - xh[i] * s2);
    }
  }
  return { dx, dgamma, dbeta };
}
