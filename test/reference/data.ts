// CPU twins of shaders/data.wgsl (batch gathering with label dropout) and of the small sums in reduce.wgsl
// and elementwise.wgsl that the graph uses for gradient routing.
import { philox4x32, streamKey } from './random.ts';

export function gatherRowsRef(data: ArrayLike<number>, idx: ArrayLike<number>, D: number): Float64Array {
  const out = new Float64Array(idx.length * D);
  for (let n = 0; n < idx.length; n++) for (let d = 0; d < D; d++) out[n * D + d] = data[idx[n] * D + d];
  return out;
}

/** Label of row idx[n], or nullClass when Philox lane (n, 3) under key (seed, stream, counter) falls below pDrop. */
export function gatherLabelsRef(labels: ArrayLike<number>, idx: ArrayLike<number>, nullClass: number, pDrop: number, seed: number, stream: number, counter: number): number[] {
  const key = streamKey(seed, stream, counter);
  return Array.from(idx, (row, n) => {
    const coin = (philox4x32([n, 3, 0, 0], key)[0] >>> 8) / 16777216;
    return coin < pDrop ? nullClass : labels[row];
  });
}

/** out[c] = Σ_a src[a·C + c] */
export function sumOuterRef(src: ArrayLike<number>, A: number, C: number): Float64Array {
  const out = new Float64Array(C);
  for (let a = 0; a < A; a++) for (let c = 0; c < C; c++) out[c] += src[a * C + c];
  return out;
}
