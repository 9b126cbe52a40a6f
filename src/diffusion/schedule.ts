// Noise schedules and sampler-step coefficients, in float64, with the names and semantics of the diffusers
// DDPMScheduler / DDIMScheduler (beta_schedule, timestep_spacing, variance_type, clip_sample,
// set_alpha_to_one). The GPU kernels receive only the per-step scalars computed here.
import type { StepCoefs } from '../ops/diffusion.ts';

export type BetaSchedule = 'linear' | 'squaredcos_cap_v2';
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
export type VarianceType = 'fixed_small' | 'fixed_large';
/** What the model is trained to output (diffusers' prediction_type). */
export type PredictionType = 'epsilon' | 'v_prediction';
export const PREDICTION_TYPES: readonly PredictionType[] = ['epsilon', 'v_prediction'];

export interface ScheduleConfig {
  numTrainTimesteps: number;
  betaSchedule: BetaSchedule;
  betaStart: number;
  betaEnd: number;
  /** Absent in checkpoints written before v-prediction existed: 'epsilon'. */
  predictionType?: PredictionType;
}

export const DEFAULT_SCHEDULE: ScheduleConfig = { numTrainTimesteps: 1000, betaSchedule: 'linear', betaStart: 1e-4, betaEnd: 0.02 };

export class NoiseSchedule {
  readonly T: number;
  readonly betas: Float64Array;
  readonly alphasCumprod: Float64Array;

  readonly predictionType: PredictionType;

  constructor(readonly config: ScheduleConfig = DEFAULT_SCHEDULE) {
    const T = config.numTrainTimesteps;
    if (!Number.isInteger(T) || T < 2) throw new Error(`schedule: numTrainTimesteps must be an integer ≥ 2, got ${T}`);
    this.predictionType = config.predictionType ?? 'epsilon';
    if (!PREDICTION_TYPES.includes(this.predictionType)) {
      throw new Error(`schedule: unknown prediction_type "${this.predictionType}" (${PREDICTION_TYPES.join(', ')})`);
    }
    this.T = T;
    const betas = new Float64Array(T);
    if (config.betaSchedule === 'linear') {
      for (let i = 0; i < T; i++) betas[i] = config.betaStart + ((config.betaEnd - config.betaStart) * i) / (T - 1);
    } else if (config.betaSchedule === 'squaredcos_cap_v2') {
      const abar = (s: number) => Math.cos(((s + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
      for (let i = 0; i < T; i++) betas[i] = Math.min(1 - abar((i + 1) / T) / abar(i / T), 0.999);
    } else {
      throw new Error(`schedule: unknown beta_schedule "${config.betaSchedule}" (linear, squaredcos_cap_v2)`);
    }
    this.betas = betas;
    this.alphasCumprod = new Float64Array(T);
    let acc = 1;
    for (let i = 0; i < T; i++) this.alphasCumprod[i] = acc *= 1 - betas[i];
  }

  /**
   * Min-SNR-γ loss weights per timestep (Hang et al. 2023): the loss on x̂0 weighted by min(SNR_t, γ),
   * SNR_t = ᾱ_t/(1−ᾱ_t). Expressed on the trained target, that is min(SNR, γ)/SNR for ε and
   * min(SNR, γ)/(SNR + 1) for v.
   */
  minSnrWeights(gamma: number): Float32Array {
    if (!(gamma > 0)) throw new Error(`schedule: min-SNR γ must be positive, got ${gamma}`);
    return Float32Array.from(this.alphasCumprod, (a) => {
      const snr = a / (1 - a);
      return Math.min(snr, gamma) / (this.predictionType === 'v_prediction' ? snr + 1 : snr);
    });
  }

  /** [T, 2] table of √ᾱ_t, √(1−ᾱ_t) for the forward-noising kernel. */
  sqrtTable(): Float32Array {
    const out = new Float32Array(2 * this.T);
    for (let t = 0; t < this.T; t++) {
      out[2 * t] = Math.sqrt(this.alphasCumprod[t]);
      out[2 * t + 1] = Math.sqrt(1 - this.alphasCumprod[t]);
    }
    return out;
  }
}

/** The N inference timesteps, high to low, as diffusers' timestep_spacing computes them. */
export function inferenceTimesteps(T: number, N: number, spacing: TimestepSpacing): number[] {
  if (!Number.isInteger(N) || N < 1 || N > T) throw new Error(`timesteps: number of steps must be in [1, ${T}], got ${N}`);
  let ts: number[];
  if (spacing === 'leading') {
    const r = Math.floor(T / N);
    ts = Array.from({ length: N }, (_, i) => i * r);
  } else if (spacing === 'trailing') {
    const r = T / N;
    ts = [];
    for (let i = 0; i < N; i++) ts.push(Math.round(T - i * r) - 1);
    return ts;
  } else if (spacing === 'linspace') {
    ts = Array.from({ length: N }, (_, i) => roundHalfEven(N === 1 ? 0 : ((T - 1) * i) / (N - 1)));
  } else {
    throw new Error(`timesteps: unknown timestep_spacing "${spacing}" (leading, trailing, linspace)`);
  }
  return ts.reverse();
}

/** numpy's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

const alphaPrev = (s: NoiseSchedule, prev: number, final: number) => (prev >= 0 ? s.alphasCumprod[prev] : final);

/** DDPM ancestral step t → prev (prev < 0: ᾱ_prev = 1, no noise). */
export function ddpmStep(s: NoiseSchedule, t: number, prev: number, varianceType: VarianceType = 'fixed_small', clip = true): StepCoefs {
  const a = s.alphasCumprod[t];
  const ap = alphaPrev(s, prev, 1);
  const betaT = 1 - a / ap;
  let variance = 0;
  if (t > 0) variance = varianceType === 'fixed_small' ? Math.max(((1 - ap) / (1 - a)) * betaT, 1e-20) : betaT;
  return {
    sqrtA: Math.sqrt(a),
    sqrt1mA: Math.sqrt(1 - a),
    coefX0: (Math.sqrt(ap) * betaT) / (1 - a),
    coefXt: (Math.sqrt(a / ap) * (1 - ap)) / (1 - a),
    coefEps: 0,
    sigma: t > 0 ? Math.sqrt(variance) : 0,
    vPrediction: s.predictionType === 'v_prediction',
    clip,
  };
}

/** DDIM step t → prev with stochasticity η (η = 0: deterministic). */
export function ddimStep(s: NoiseSchedule, t: number, prev: number, eta = 0, clip = false, setAlphaToOne = true): StepCoefs {
  const a = s.alphasCumprod[t];
  const ap = alphaPrev(s, prev, setAlphaToOne ? 1 : s.alphasCumprod[0]);
  const sigma = eta * Math.sqrt(((1 - ap) / (1 - a)) * (1 - a / ap));
  return {
    sqrtA: Math.sqrt(a),
    sqrt1mA: Math.sqrt(1 - a),
    coefX0: Math.sqrt(ap),
    coefXt: 0,
    coefEps: Math.sqrt(Math.max(1 - ap - sigma * sigma, 0)),
    sigma,
    vPrediction: s.predictionType === 'v_prediction',
    clip,
  };
}
