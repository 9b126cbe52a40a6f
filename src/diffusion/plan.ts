// Every sampler as a plan: the timesteps the model runs at and, per step, the coefficients of the fused
// sampler-step kernel (including the level each step lands on, for inpainting). Image-to-image (SDEdit)
// starts part-way down the same plan.
import type { StepCoefs } from '../ops/diffusion.ts';
import { ddimStep, ddpmStep, inferenceTimesteps, type NoiseSchedule, type TimestepSpacing, type VarianceType } from './schedule.ts';
import { dpmSolverPlan, eulerInitScale, eulerPlan, type PlannedStep } from './solvers.ts';

export const SAMPLERS = ['ddpm', 'ddim', 'dpmsolver++', 'sde-dpmsolver++', 'euler', 'euler-ancestral'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** diffusers' default timestep_spacing per scheduler. */
export const DEFAULT_SPACING: Record<SamplerName, TimestepSpacing> = {
  ddpm: 'leading', ddim: 'leading', 'dpmsolver++': 'linspace', 'sde-dpmsolver++': 'linspace', euler: 'linspace', 'euler-ancestral': 'linspace',
};

export interface PlanOptions {
  sampler: SamplerName;
  /** Inference steps (DDPM: usually all T). */
  steps: number;
  /** DDIM's stochasticity (0: deterministic). */
  eta?: number;
  spacing?: TimestepSpacing;
  varianceType?: VarianceType;
  /** Clamp x̂0 to [−1, 1] (DDPM/DDIM: diffusers' clip_sample, default on; DPM-Solver++: thresholding, default off). */
  clip?: boolean;
}

export interface SamplerPlan {
  steps: PlannedStep[];
  /** x starts as z × this (Euler's init_noise_sigma seen from x_t; 1 for the others). */
  initScale: number;
  /** The plan keeps the previous x̂0 between steps (DPM-Solver++ 2M). */
  multistep: boolean;
}

/** The full plan from pure noise; `start` (from strengthStart) begins part-way, as diffusers' img2img does. */
export function samplerPlan(s: NoiseSchedule, o: PlanOptions, start = 0): SamplerPlan {
  const spacing = o.spacing ?? DEFAULT_SPACING[o.sampler];
  switch (o.sampler) {
    case 'ddpm':
    case 'ddim':
      return { steps: ddxmPlan(s, o, spacing).slice(start), initScale: 1, multistep: false };
    case 'dpmsolver++':
    case 'sde-dpmsolver++':
      return { steps: dpmSolverPlan(s, o.steps, spacing, o.sampler === 'sde-dpmsolver++', o.clip ?? false, start), initScale: 1, multistep: true };
    case 'euler':
    case 'euler-ancestral':
      return { steps: eulerPlan(s, o.steps, spacing, o.sampler === 'euler-ancestral').slice(start), initScale: eulerInitScale(s, o.steps, spacing), multistep: false };
    default:
      throw new Error(`sample: unknown sampler "${o.sampler}" (${SAMPLERS.join(', ')})`);
  }
}

/**
 * Image-to-image strength s ∈ (0, 1] → the index of the first step to run, as diffusers' img2img pipelines
 * compute it: the last ⌊N·s⌋ of N steps run (none when s < 1/N: the input comes back unchanged).
 */
export function strengthStart(steps: number, strength: number): number {
  if (!(strength > 0 && strength <= 1)) throw new Error(`strength must be in (0, 1], got ${strength}`);
  return steps - Math.min(Math.floor(steps * strength), steps);
}

/** DDPM (all T steps, or N respaced) and DDIM, each step landing on ᾱ_prev. */
function ddxmPlan(s: NoiseSchedule, o: PlanOptions, spacing: TimestepSpacing): PlannedStep[] {
  const full = o.sampler === 'ddpm' && o.steps === s.T;
  const ts = full ? Array.from({ length: s.T }, (_, i) => s.T - 1 - i) : inferenceTimesteps(s.T, o.steps, spacing);
  const stride = Math.floor(s.T / o.steps);
  return ts.map((t) => {
    const prev = full ? t - 1 : t - stride;
    const coefs: StepCoefs = o.sampler === 'ddpm'
      ? ddpmStep(s, t, prev, o.varianceType ?? 'fixed_small', o.clip ?? true)
      : ddimStep(s, t, prev, o.eta ?? 0, o.clip ?? true);
    const ap = prev >= 0 ? s.alphasCumprod[prev] : 1;
    return { t, coefs: { ...coefs, target: { sqrtA: Math.sqrt(ap), sqrt1mA: Math.sqrt(1 - ap) } } };
  });
}
