// CPU twins of shaders/channels.wgsl.
export function addChannelRef(x: ArrayLike<number>, e: ArrayLike<number>, N: number, C: number, S: number): Float64Array {
  return Float64Array.from(x, (v, i) => v + e[Math.floor(i / S)]);
}

export function concatRef(a: ArrayLike<number>, b: ArrayLike<number>, N: number, Ca: number, Cb: number, S: number): Float64Array {
  const out = new Float64Array(N * (Ca + Cb) * S);
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < Ca * S; i++) out[n * (Ca + Cb) * S + i] = a[n * Ca * S + i];
    for (let i = 0; i < Cb * S; i++) out[n * (Ca + Cb) * S + Ca * S + i] = b[n * Cb * S + i];
  }
  return out;
}

export function upsample2xRef(x: ArrayLike<number>, N: number, C: number, H: number, W: number): Float64Array {
  const out = new Float64Array(N * C * 4 * H * W);
  for (let p = 0; p < N * C; p++)
    for (let oy = 0; oy < 2 * H; oy++)
      for (let ox = 0; ox < 2 * W; ox++) out[(p * 2 * H + oy) * 2 * W + ox] = x[(p * H + (oy >> 1)) * W + (ox >> 1)];
  return out;
}

export function upsample2xBackwardRef(dout: ArrayLike<number>, N: number, C: number, H: number, W: number): Float64Array {
  const dx = new Float64Array(N * C * H * W);
  for (let p = 0; p < N * C; p++)
    for (let oy = 0; oy < 2 * H; oy++)
      for (let ox = 0; ox < 2 * W; ox++) dx[(p * H + (oy >> 1)) * W + (ox >> 1)] += dout[(p * 2 * H + oy) * 2 * W + ox];
  return dx;
}

/** Backward of concat: dout [N, Ca + Cb, S] → da [N, Ca, S], db [N, Cb, S]. */
export function splitRef(dout: ArrayLike<number>, N: number, Ca: number, Cb: number, S: number): { da: Float64Array; db: Float64Array } {
  const da = new Float64Array(N * Ca * S);
  const db = new Float64Array(N * Cb * S);
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < Ca * S; i++) da[n * Ca * S + i] = dout[n * (Ca + Cb) * S + i];
    for (let i = 0; i < Cb * S; i++) db[n * Cb * S + i] = dout[n * (Ca + Cb) * S + Ca * S + i];
  }
  return { da, db };
}
