// CPU twins of shaders/xent.wgsl: softmax cross-entropy per row, its mean, and dlogits.
function lse(z: ArrayLike<number>, base: number, K: number): number {
  let m = -Infinity;
  for (let k = 0; k < K; k++) m = Math.max(m, z[base + k]);
  let s = 0;
  for (let k = 0; k < K; k++) s += Math.exp(z[base + k] - m);
  return m + Math.log(s);
}

export function crossEntropyRef(z: ArrayLike<number>, labels: ArrayLike<number>, rows: number, K: number): { rowLoss: Float64Array; mean: number } {
  const rowLoss = new Float64Array(rows);
  for (let r = 0; r < rows; r++) rowLoss[r] = lse(z, r * K, K) - (labels[r] < K ? z[r * K + labels[r]] : 0);
  return { rowLoss, mean: rowLoss.reduce((a, b) => a + b, 0) / rows };
}

export function crossEntropyBackwardRef(z: ArrayLike<number>, labels: ArrayLike<number>, rows: number, K: number, scale = 1): Float64Array {
  const d = new Float64Array(rows * K);
  for (let r = 0; r < rows; r++) {
    const l = lse(z, r * K, K);
    for (let k = 0; k < K; k++) d[r * K + k] = (scale * (Math.exp(z[r * K + k] - l) - (labels[r] === k ? 1 : 0))) / rows;
  }
  return d;
}
