// CPU twin of shaders/embedding.wgsl.
export function timestepEmbeddingRef(t: ArrayLike<number>, D: number): Float64Array {
  const half = D / 2;
  const out = new Float64Array(t.length * D);
  for (let n = 0; n < t.length; n++)
    for (let k = 0; k < half; k++) {
      const f = Math.exp((-Math.log(10000) * k) / (half - 1));
      out[n * D + k] = Math.sin(t[n] * f);
      out[n * D + half + k] = Math.cos(t[n] * f);
    }
  return out;
}

export function classAddRef(acc: ArrayLike<number>, labels: ArrayLike<number>, table: ArrayLike<number>, classes: number, D: number): Float64Array {
  return Float64Array.from(acc, (v, i) => v + table[Math.min(labels[Math.floor(i / D)], classes - 1) * D + (i % D)]);
}

export function classBackwardRef(dacc: ArrayLike<number>, labels: ArrayLike<number>, classes: number, D: number): Float64Array {
  const d = new Float64Array(classes * D);
  for (let n = 0; n < labels.length; n++) for (let k = 0; k < D; k++) if (labels[n] < classes) d[labels[n] * D + k] += dacc[n * D + k];
  return d;
}
