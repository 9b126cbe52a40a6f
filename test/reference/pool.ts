// CPU twins of shaders/pool.wgsl (2×2 max pooling, stride 2; ties go to the first element in window order).
function argmax(x: ArrayLike<number>, base: number, W: number): number {
  const cands = [base, base + 1, base + W, base + W + 1];
  let best = cands[0];
  for (const c of cands) if (x[c] > x[best]) best = c;
  return best;
}

export function maxPool2Ref(x: ArrayLike<number>, NC: number, H: number, W: number): Float64Array {
  const Ho = Math.floor(H / 2);
  const Wo = Math.floor(W / 2);
  const y = new Float64Array(NC * Ho * Wo);
  for (let p = 0; p < NC; p++)
    for (let i = 0; i < Ho; i++)
      for (let j = 0; j < Wo; j++) y[(p * Ho + i) * Wo + j] = x[argmax(x, (p * H + 2 * i) * W + 2 * j, W)];
  return y;
}

export function maxPool2BackwardRef(dy: ArrayLike<number>, x: ArrayLike<number>, NC: number, H: number, W: number): Float64Array {
  const Ho = Math.floor(H / 2);
  const Wo = Math.floor(W / 2);
  const dx = new Float64Array(NC * H * W);
  for (let p = 0; p < NC; p++)
    for (let i = 0; i < Ho; i++)
      for (let j = 0; j < Wo; j++) dx[argmax(x, (p * H + 2 * i) * W + 2 * j, W)] += dy[(p * Ho + i) * Wo + j];
  return dx;
}
