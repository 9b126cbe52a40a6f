// CPU twins of shaders/diffusion.wgsl (given the noise), float64: forward noising, the v target, and the
// sampler step from an ε or v output.
export function qSampleRef(x0: ArrayLike<number>, t: ArrayLike<number>, alphasCumprod: ArrayLike<number>, eps: ArrayLike<number>): Float64Array {
  const S = x0.length / t.length;
  return Float64Array.from(x0, (v, i) => {
    const a = alphasCumprod[t[Math.floor(i / S)]];
    return Math.sqrt(a) * v + Math.sqrt(1 - a) * eps[i];
  });
}

/** The v-prediction target v = √ᾱ_t·ε − √(1−ᾱ_t)·x_0 (Salimans & Ho 2022). */
export function vTargetRef(x0: ArrayLike<number>, t: ArrayLike<number>, alphasCumprod: ArrayLike<number>, eps: ArrayLike<number>): Float64Array {
  const S = x0.length / t.length;
  return Float64Array.from(x0, (v, i) => {
    const a = alphasCumprod[t[Math.floor(i / S)]];
    return Math.sqrt(a) * eps[i] - Math.sqrt(1 - a) * v;
  });
}

export interface RefCoefs {
  sqrtA: number; sqrt1mA: number; coefX0: number; coefXt: number; coefEps: number; sigma: number; clip: boolean; vPrediction?: boolean;
  coefHist?: number; storeHist?: boolean; target?: { sqrtA: number; sqrt1mA: number };
}
/** A multistep solver's previous x̂0 (updated in place when storeHist) and inpainting's known image, mask and noise. */
export interface RefExtras { hist?: Float64Array; inpaint?: { known: ArrayLike<number>; mask: ArrayLike<number>; z: ArrayLike<number> } }
export interface RefThreshold { mode?: 'static' | 'dynamic'; quantile?: number; maxValue?: number; recomputeEps?: boolean }

/** torch.quantile (linear interpolation) of one row. */
export function quantileRef(v: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(v).sort();
  const pos = q * (s.length - 1);
  const k = Math.floor(pos);
  return k + 1 < s.length ? s[k] + (pos - k) * (s[k + 1] - s[k]) : s[k];
}

/**
 * x_prev for one step; epsU (unconditional) and guidance for classifier-free guidance; z the step's noise;
 * th the x̂0 bound (static clamp or Imagen's per-sample dynamic threshold over rows of S) and whether ε̂ is
 * re-derived from the bounded x̂0.
 */
export function samplerStepRef(
  x: ArrayLike<number>, eps: ArrayLike<number>, c: RefCoefs, z: ArrayLike<number>, epsU?: ArrayLike<number>, guidance = 1,
  th: RefThreshold = {}, S = x.length, ex: RefExtras = {},
): Float64Array {
  const out = Float64Array.from(x, (_, i) => (epsU ? epsU[i] + guidance * (eps[i] - epsU[i]) : eps[i]));
  // v-prediction: the output is v̂; ε̂ and x̂0 follow from x_t = √ᾱ x0 + √(1−ᾱ) ε and v = √ᾱ ε − √(1−ᾱ) x0.
  const e = c.vPrediction ? Float64Array.from(x, (xt, i) => c.sqrtA * out[i] + c.sqrt1mA * xt) : out;
  const x0 = Float64Array.from(x, (xt, i) => (c.vPrediction ? c.sqrtA * xt - c.sqrt1mA * out[i] : (xt - c.sqrt1mA * e[i]) / c.sqrtA));
  const bounded = th.mode === 'dynamic' || c.clip;
  if (th.mode === 'dynamic') {
    for (let b = 0; b < x.length; b += S) {
      const row = x0.subarray(b, b + S);
      const s = Math.min(Math.max(quantileRef(row.map(Math.abs), th.quantile ?? 0.995), 1), th.maxValue ?? 1);
      for (let j = 0; j < S; j++) row[j] = Math.min(s, Math.max(-s, row[j])) / s;
    }
  } else if (c.clip) {
    for (let i = 0; i < x0.length; i++) x0[i] = Math.min(1, Math.max(-1, x0[i]));
  }
  return Float64Array.from(x, (xt, i) => {
    const ei = th.recomputeEps && bounded ? (xt - c.sqrtA * x0[i]) / c.sqrt1mA : e[i];
    let v = c.coefX0 * x0[i] + c.coefXt * xt + c.coefEps * ei + c.sigma * z[i] + (c.coefHist ? c.coefHist * ex.hist![i] : 0);
    if (c.storeHist) ex.hist![i] = x0[i];
    const k = ex.inpaint;
    if (k) v = k.mask[i] * v + (1 - k.mask[i]) * (c.target!.sqrtA * k.known[i] + c.target!.sqrt1mA * k.z[i]);
    return v;
  });
}
