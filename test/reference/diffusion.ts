// CPU twins of shaders/diffusion.wgsl (given the noise), float64.
export function qSampleRef(x0: ArrayLike<number>, t: ArrayLike<number>, alphasCumprod: ArrayLike<number>, eps: ArrayLike<number>): Float64Array {
  const S = x0.length / t.length;
  return Float64Array.from(x0, (v, i) => {
    const a = alphasCumprod[t[Math.floor(i / S)]];
    return Math.sqrt(a) * v + Math.sqrt(1 - a) * eps[i];
  });
}

export interface RefCoefs { sqrtA: number; sqrt1mA: number; coefX0: number; coefXt: number; coefEps: number; sigma: number; clip: boolean }

/** x_prev for one step; epsU (unconditional) and guidance for classifier-free guidance; z the step's noise. */
export function samplerStepRef(x: ArrayLike<number>, eps: ArrayLike<number>, c: RefCoefs, z: ArrayLike<number>, epsU?: ArrayLike<number>, guidance = 1): Float64Array {
  return Float64Array.from(x, (xt, i) => {
    const e = epsU ? epsU[i] + guidance * (eps[i] - epsU[i]) : eps[i];
    let x0 = (xt - c.sqrt1mA * e) / c.sqrtA;
    if (c.clip) x0 = Math.min(1, Math.max(-1, x0));
    return c.coefX0 * x0 + c.coefXt * xt + c.coefEps * e + c.sigma * z[i];
  });
}
