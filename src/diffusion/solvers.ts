// The σ-space samplers of diffusers, as coefficients of the fused sampler step: DPM-Solver++ (2M, and its
// SDE variant; DPMSolverMultistepScheduler with solver_order 2, midpoint, lower_order_final, final σ 0) and
// Euler (EulerDiscreteScheduler, and EulerAncestralDiscreteScheduler). Computed in float64 from diffusers'
// formulas, with their defaults and timestep_spacing options.
//
// diffusers keeps the Euler state in "σ-space" (x_σ = x0 + σ·ε, σ = √((1−ᾱ)/ᾱ)) and feeds the model
// x_σ/√(σ²+1); that is exactly the variance-preserving x_t = √ᾱ·x0 + √(1−ᾱ)·ε with ᾱ = 1/(σ²+1), which is
// what the model reads and what the GPU keeps. So each update x_σ → x_σ' is rewritten for x_t:
//   x_t' = (x_σ' ) / √(σ'²+1) with x_σ = √(σ²+1)·x_t.
// DPM-Solver++ works on x_t directly: α = 1/√(σ²+1), σ_t = σ·α, λ = log α − log σ_t.
import type { StepCoefs } from '../ops/diffusion.ts';
import { roundHalfEven, type NoiseSchedule, type TimestepSpacing } from './schedule.ts';

/** One planned step: the (possibly fractional) timestep the model is run at, and the step's coefficients. */
export interface PlannedStep {
  t: number;
  coefs: StepCoefs;
}

/** The σ of every training timestep, √((1−ᾱ)/ᾱ). */
export function trainSigmas(s: NoiseSchedule): Float64Array {
  return Float64Array.from(s.alphasCumprod, (a) => Math.sqrt((1 - a) / a));
}

/** numpy.interp over integer knots 0..n−1. */
function interp(sig: Float64Array, t: number): number {
  if (t <= 0) return sig[0];
  if (t >= sig.length - 1) return sig[sig.length - 1];
  const i = Math.floor(t);
  return sig[i] + (t - i) * (sig[i + 1] - sig[i]);
}

/** DPMSolverMultistepScheduler.set_timesteps (lambda_min_clipped −∞, steps_offset 0): N integer timesteps. */
export function dpmTimesteps(T: number, N: number, spacing: TimestepSpacing): number[] {
  checkSteps(T, N);
  if (spacing === 'linspace') return Array.from({ length: N + 1 }, (_, i) => roundHalfEven(((T - 1) * i) / N)).reverse().slice(0, N);
  if (spacing === 'leading') {
    const r = Math.floor(T / (N + 1));
    return Array.from({ length: N + 1 }, (_, i) => i * r).reverse().slice(0, N);
  }
  if (spacing === 'trailing') return trailing(T, N);
  throw new Error(`timesteps: unknown timestep_spacing "${spacing}" (leading, trailing, linspace)`);
}

/** EulerDiscreteScheduler.set_timesteps: N timesteps, fractional for linspace (numpy linspace in float32). */
export function eulerTimesteps(T: number, N: number, spacing: TimestepSpacing): number[] {
  checkSteps(T, N);
  if (spacing === 'linspace') return Array.from({ length: N }, (_, i) => Math.fround(N === 1 ? 0 : ((T - 1) * i) / (N - 1))).reverse();
  if (spacing === 'leading') {
    const r = Math.floor(T / N);
    return Array.from({ length: N }, (_, i) => i * r).reverse();
  }
  if (spacing === 'trailing') return trailing(T, N);
  throw new Error(`timesteps: unknown timestep_spacing "${spacing}" (leading, trailing, linspace)`);
}

/** round(arange(T, 0, −T/N)) − 1. */
function trailing(T: number, N: number): number[] {
  const out: number[] = [];
  for (let v = T; v > 0 && out.length < N; v -= T / N) out.push(roundHalfEven(v) - 1);
  return out;
}

function checkSteps(T: number, N: number): void {
  if (!Number.isInteger(N) || N < 1 || N > T) throw new Error(`timesteps: number of steps must be in [1, ${T}], got ${N}`);
}

/** √ᾱ and √(1−ᾱ) of the level σ: the variance-preserving view of x_σ. */
const level = (sigma: number) => ({ sqrtA: 1 / Math.sqrt(sigma * sigma + 1), sqrt1mA: sigma / Math.sqrt(sigma * sigma + 1) });

/**
 * DPM-Solver++ 2M (sde: the SDE variant): first order at the first step run (no history yet) and at the last
 * (final σ = 0), second-order midpoint in between, with D1 = (D0 − D_prev)/r0, r0 = h_prev/h.
 */
export function dpmSolverPlan(s: NoiseSchedule, N: number, spacing: TimestepSpacing = 'linspace', sde = false, clip = false, start = 0): PlannedStep[] {
  const ts = dpmTimesteps(s.T, N, spacing);
  const all = trainSigmas(s);
  const sig = [...ts.map((t) => interp(all, t)), 0];
  const lambda = (v: number) => (v === 0 ? Infinity : -Math.log(v)); // log α − log(σ·α) = −log σ
  const vPrediction = s.predictionType === 'v_prediction';
  const steps = ts.map((t, i) => {
    const cur = level(sig[i]);
    const tgt = level(sig[i + 1]);
    const h = lambda(sig[i + 1]) - lambda(sig[i]);
    // e^{−h} − 1 and e^{−2h} − 1, exact at h = ∞ (the final step to σ = 0).
    const em1 = h === Infinity ? -1 : Math.expm1(-h);
    const em2 = h === Infinity ? -1 : Math.expm1(-2 * h);
    // Image-to-image starts at `start`: no history there either.
    const firstOrder = i === start || i === ts.length - 1;
    const r0 = firstOrder ? 1 : (lambda(sig[i]) - lambda(sig[i - 1])) / h;
    // x' = a·x + b·(D0 + (D0 − D_prev)/(2 r0)) [+ noise], so coef_x0 = b·(1 + 1/(2 r0)), coef_hist = −b/(2 r0).
    const a = sde ? (tgt.sqrt1mA / cur.sqrt1mA) * Math.exp(-h) : tgt.sqrt1mA / cur.sqrt1mA;
    const b = sde ? -tgt.sqrtA * em2 : -tgt.sqrtA * em1;
    const half = firstOrder ? 0 : 0.5 / r0;
    return {
      t,
      coefs: {
        sqrtA: cur.sqrtA, sqrt1mA: cur.sqrt1mA,
        coefX0: b * (1 + half), coefXt: a, coefEps: 0, coefHist: -b * half,
        sigma: sde ? tgt.sqrt1mA * Math.sqrt(-em2) : 0,
        storeHist: i < ts.length - 1, vPrediction, clip, target: tgt,
      },
    };
  });
  return steps.slice(start);
}

/**
 * Euler (ancestral: with fresh noise σ_up each step, landing at σ_down first): x_σ' = x_σ + (x_σ − x̂0)/σ·(σ_down − σ)
 * + σ_up·z, rewritten for x_t. The first x is z·init_noise_sigma/√(σ_0²+1) (see eulerInitScale).
 */
export function eulerPlan(s: NoiseSchedule, N: number, spacing: TimestepSpacing = 'linspace', ancestral = false): PlannedStep[] {
  const ts = eulerTimesteps(s.T, N, spacing);
  const all = trainSigmas(s);
  const sig = [...ts.map((t) => interp(all, t)), 0];
  const vPrediction = s.predictionType === 'v_prediction';
  return ts.map((t, i) => {
    const from = sig[i];
    const to = sig[i + 1];
    const up = ancestral ? Math.sqrt((to * to * (from * from - to * to)) / (from * from)) : 0;
    const down = ancestral ? Math.sqrt(to * to - up * up) : to;
    const norm = Math.sqrt(to * to + 1);
    return {
      t,
      coefs: {
        ...level(from),
        coefXt: (Math.sqrt(from * from + 1) * down) / (from * norm),
        coefX0: (1 - down / from) / norm,
        coefEps: 0,
        sigma: up / norm,
        vPrediction, clip: false, target: level(to),
      },
    };
  });
}

/**
 * diffusers starts Euler from z·init_noise_sigma in σ-space (σ_0 for linspace and trailing spacing,
 * √(σ_0²+1) for leading); in x_t that is z times this.
 */
export function eulerInitScale(s: NoiseSchedule, N: number, spacing: TimestepSpacing): number {
  const s0 = interp(trainSigmas(s), eulerTimesteps(s.T, N, spacing)[0]);
  const init = spacing === 'leading' ? Math.sqrt(s0 * s0 + 1) : s0;
  return init / Math.sqrt(s0 * s0 + 1);
}
