// CPU twin of shaders/attention*.wgsl: explicit L×L score matrices per (n, head), float64.
// qkv [N, 3C, L] (q, k, v channel blocks), output o [N, C, L].
export interface AttnShape { N: number; C: number; L: number; heads: number }

const at = (s: AttnShape, n: number, part: number, h: number, c: number, l: number) => {
  const D = s.C / s.heads;
  return ((n * 3 + part) * s.C + h * D + c) * s.L + l;
};

function probs(qkv: ArrayLike<number>, s: AttnShape, n: number, h: number): Float64Array[] {
  const D = s.C / s.heads;
  const scale = 1 / Math.sqrt(D);
  const P: Float64Array[] = [];
  for (let i = 0; i < s.L; i++) {
    const row = new Float64Array(s.L);
    let m = -Infinity;
    for (let j = 0; j < s.L; j++) {
      let acc = 0;
      for (let c = 0; c < D; c++) acc += qkv[at(s, n, 0, h, c, i)] * qkv[at(s, n, 1, h, c, j)];
      row[j] = acc * scale;
      m = Math.max(m, row[j]);
    }
    let sum = 0;
    for (let j = 0; j < s.L; j++) sum += (row[j] = Math.exp(row[j] - m));
    for (let j = 0; j < s.L; j++) row[j] /= sum;
    P.push(row);
  }
  return P;
}

export function attentionForwardRef(qkv: ArrayLike<number>, s: AttnShape): Float64Array {
  const D = s.C / s.heads;
  const o = new Float64Array(s.N * s.C * s.L);
  for (let n = 0; n < s.N; n++)
    for (let h = 0; h < s.heads; h++) {
      const P = probs(qkv, s, n, h);
      for (let i = 0; i < s.L; i++)
        for (let c = 0; c < D; c++) {
          let acc = 0;
          for (let j = 0; j < s.L; j++) acc += P[i][j] * qkv[at(s, n, 2, h, c, j)];
          o[(n * s.C + h * D + c) * s.L + i] = acc;
        }
    }
  return o;
}

export function attentionBackwardRef(dout: ArrayLike<number>, qkv: ArrayLike<number>, s: AttnShape): Float64Array {
  const D = s.C / s.heads;
  const scale = 1 / Math.sqrt(D);
  const d = new Float64Array(qkv.length);
  const oi = (n: number, h: number, c: number, i: number) => (n * s.C + h * D + c) * s.L + i;
  for (let n = 0; n < s.N; n++)
    for (let h = 0; h < s.heads; h++) {
      const P = probs(qkv, s, n, h);
      for (let i = 0; i < s.L; i++) {
        // dP_ij = dO_i · v_j ; dS_ij = P_ij (dP_ij − Σ_k P_ik dP_ik)
        const dP = new Float64Array(s.L);
        let dot = 0;
        for (let j = 0; j < s.L; j++) {
          for (let c = 0; c < D; c++) dP[j] += dout[oi(n, h, c, i)] * qkv[at(s, n, 2, h, c, j)];
          dot += P[i][j] * dP[j];
        }
        for (let j = 0; j < s.L; j++) {
          const dS = P[i][j] * (dP[j] - dot);
          for (let c = 0; c < D; c++) {
            d[at(s, n, 0, h, c, i)] += dS * scale * qkv[at(s, n, 1, h, c, j)];
            d[at(s, n, 1, h, c, j)] += dS * scale * qkv[at(s, n, 0, h, c, i)];
            d[at(s, n, 2, h, c, j)] += P[i][j] * dout[oi(n, h, c, i)];
          }
        }
      }
    }
  return d;
}
