// CPU twin of shaders/conv2d.wgsl and conv2d_backward_*.wgsl: conv2d forward and backward in plain loops
// with float64 accumulation.
export interface ConvShape { N: number; C_in: number; H: number; W: number; C_out: number; K: number; stride: number; pad: number }

export function convOut(s: ConvShape): [number, number] {
  return [Math.floor((s.H + 2 * s.pad - s.K) / s.stride) + 1, Math.floor((s.W + 2 * s.pad - s.K) / s.stride) + 1];
}

export function conv2dForwardRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, s: ConvShape): Float64Array {
  const [OH, OW] = convOut(s);
  const y = new Float64Array(s.N * s.C_out * OH * OW);
  for (let n = 0; n < s.N; n++)
    for (let co = 0; co < s.C_out; co++)
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++) {
          let acc = b[co];
          for (let ci = 0; ci < s.C_in; ci++)
            for (let ky = 0; ky < s.K; ky++) {
              const iy = oy * s.stride + ky - s.pad;
              if (iy < 0 || iy >= s.H) continue;
              for (let kx = 0; kx < s.K; kx++) {
                const ix = ox * s.stride + kx - s.pad;
                if (ix < 0 || ix >= s.W) continue;
                acc += w[((co * s.C_in + ci) * s.K + ky) * s.K + kx] * x[((n * s.C_in + ci) * s.H + iy) * s.W + ix];
              }
            }
          y[((n * s.C_out + co) * OH + oy) * OW + ox] = acc;
        }
  return y;
}

/** Gradients by scattering each output gradient back through the taps it read. */
export function conv2dBackwardRef(dy: ArrayLike<number>, x: ArrayLike<number>, w: ArrayLike<number>, s: ConvShape) {
  const [OH, OW] = convOut(s);
  const dx = new Float64Array(s.N * s.C_in * s.H * s.W);
  const dw = new Float64Array(s.C_out * s.C_in * s.K * s.K);
  const db = new Float64Array(s.C_out);
  for (let n = 0; n < s.N; n++)
    for (let co = 0; co < s.C_out; co++)
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++) {
          const g = dy[((n * s.C_out + co) * OH + oy) * OW + ox];
          db[co] += g;
          for (let ci = 0; ci < s.C_in; ci++)
            for (let ky = 0; ky < s.K; ky++) {
              const iy = oy * s.stride + ky - s.pad;
              if (iy < 0 || iy >= s.H) continue;
              for (let kx = 0; kx < s.K; kx++) {
                const ix = ox * s.stride + kx - s.pad;
                if (ix < 0 || ix >= s.W) continue;
                const wi = ((co * s.C_in + ci) * s.K + ky) * s.K + kx;
                const xi = ((n * s.C_in + ci) * s.H + iy) * s.W + ix;
                dw[wi] += g * x[xi];
                dx[xi] += g * w[wi];
              }
            }
        }
  return { dx, dw, db };
}
