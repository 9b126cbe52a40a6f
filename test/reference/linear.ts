// CPU twin of shaders/matmul.wgsl and matmul_vec4.wgsl as used by src/ops/linear.ts.
export function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, B: number, M: number, K: number, N: number): Float64Array {
  const c = new Float64Array(B * M * N);
  for (let bt = 0; bt < B; bt++)
    for (let i = 0; i < M; i++)
      for (let k = 0; k < K; k++) {
        const av = a[(bt * M + i) * K + k];
        for (let j = 0; j < N; j++) c[(bt * M + i) * N + j] += av * b[(bt * K + k) * N + j];
      }
  return c;
}

/** y[m, o] = Σ_i x[m, i] w[o, i] + b[o] */
export function linearForwardRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number): Float64Array {
  const y = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let o = 0; o < N; o++) {
      let acc = b[o];
      for (let i = 0; i < K; i++) acc += x[m * K + i] * w[o * K + i];
      y[m * N + o] = acc;
    }
  return y;
}

export function linearBackwardRef(dy: ArrayLike<number>, x: ArrayLike<number>, w: ArrayLike<number>, M: number, K: number, N: number) {
  const dx = new Float64Array(M * K);
  const dw = new Float64Array(N * K);
  const db = new Float64Array(N);
  for (let m = 0; m < M; m++)
    for (let o = 0; o < N; o++) {
      const g = dy[m * N + o];
      db[o] += g;
      for (let i = 0; i < K; i++) {
        dx[m * K + i] += g * w[o * K + i];
        dw[o * K + i] += g * x[m * K + i];
      }
    }
  return { dx, dw, db };
}
