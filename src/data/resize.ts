// Resizing the user's images to the model's square size: a centre crop to a square (no stretching), then a
// separable resample — area averaging when shrinking (every source pixel counts, so no aliasing), bilinear
// with half-pixel centres when enlarging (as PIL and torchvision do). Platform neutral, plain loops.

/** One output sample: the source samples it averages and their weights (which sum to 1). */
export type Taps = { index: number; weight: number }[];

/** For each of dstLen output samples along one axis of srcLen samples, its taps. */
export function resampleTaps(srcLen: number, dstLen: number): Taps[] {
  if (!(srcLen >= 1 && dstLen >= 1)) throw new Error(`resample: lengths must be ≥ 1, got ${srcLen} → ${dstLen}`);
  const out: Taps[] = [];
  if (dstLen < srcLen) {
    // Output j covers source interval [j·s, (j+1)·s); each source pixel weighs by how much of it lies inside.
    const s = srcLen / dstLen;
    for (let j = 0; j < dstLen; j++) {
      const lo = j * s, hi = (j + 1) * s;
      const taps: Taps = [];
      for (let i = Math.floor(lo); i < Math.min(srcLen, Math.ceil(hi)); i++) {
        const overlap = Math.min(hi, i + 1) - Math.max(lo, i);
        if (overlap > 1e-9) taps.push({ index: i, weight: overlap / s });
      }
      out.push(taps);
    }
    return out;
  }
  // Bilinear: output centre j + ½ sits at source coordinate (j + ½)·src/dst − ½, clamped at the edges.
  for (let j = 0; j < dstLen; j++) {
    const x = Math.min(srcLen - 1, Math.max(0, ((j + 0.5) * srcLen) / dstLen - 0.5));
    const i0 = Math.floor(x), f = x - i0;
    out.push(f > 1e-9 ? [{ index: i0, weight: 1 - f }, { index: Math.min(srcLen - 1, i0 + 1), weight: f }] : [{ index: i0, weight: 1 }]);
  }
  return out;
}

/** The centred square of side min(w, h) of a w×h image: its left and top offsets and side. */
export function centreSquare(w: number, h: number): { left: number; top: number; side: number } {
  const side = Math.min(w, h);
  return { left: Math.floor((w - side) / 2), top: Math.floor((h - side) / 2), side };
}

/**
 * Resamples a channel-planar side×side image [C, side, side] to [C, size, size]: rows first, then columns.
 */
export function resizeSquare(src: Float32Array, channels: number, side: number, size: number): Float32Array {
  if (src.length !== channels * side * side) throw new Error(`resize: expected ${channels}×${side}×${side} values, got ${src.length}`);
  if (side === size) return src.slice();
  const taps = resampleTaps(side, size);
  const rows = new Float32Array(channels * side * size); // [C, side, size]: each row resampled along x
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < side; y++) {
      const from = (c * side + y) * side, to = (c * side + y) * size;
      for (let x = 0; x < size; x++) {
        let v = 0;
        for (const t of taps[x]) v += t.weight * src[from + t.index];
        rows[to + x] = v;
      }
    }
  const out = new Float32Array(channels * size * size);
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        let v = 0;
        for (const t of taps[y]) v += t.weight * rows[(c * side + t.index) * size + x];
        out[(c * size + y) * size + x] = v;
      }
  return out;
}
