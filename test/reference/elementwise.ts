// CPU twins of shaders/elementwise.wgsl and shaders/reduce.wgsl.
export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
export const silu = (z: number) => z * sigmoid(z);
export function siluGrad(z: number): number {
  const s = sigmoid(z);
  return s * (1 + z * (1 - s));
}
export const siluForwardRef = (x: ArrayLike<number>) => Float64Array.from(x, silu);
export const siluBackwardRef = (dy: ArrayLike<number>, x: ArrayLike<number>) => Float64Array.from(x, (v, i) => dy[i] * siluGrad(v));
export const axpbyRef = (a: ArrayLike<number>, b: ArrayLike<number>, alpha: number, beta: number) =>
  Float64Array.from(a, (v, i) => alpha * v + beta * b[i]);
export const mulRef = (a: ArrayLike<number>, b: ArrayLike<number>) => Float64Array.from(a, (v, i) => v * b[i]);

/** out[c] = Σ_a Σ_s src[a, c, s] */
export function sumChannelsRef(src: ArrayLike<number>, A: number, C: number, S: number): Float64Array {
  const out = new Float64Array(C);
  for (let a = 0; a < A; a++) for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) out[c] += src[(a * C + c) * S + s];
  return out;
}
