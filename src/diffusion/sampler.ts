// Sampling through the UNet and the fused sampler-step kernel: DDPM, DDIM, DPM-Solver++ (2M, SDE) and Euler
// (deterministic, ancestral) from noise, from a noised image (image-to-image, SDEdit) or filling a masked
// part of one (inpainting, RePaint-style), with optional classifier-free guidance (conditional and
// null-class halves run as one doubled batch), at every step or only in a band of noise levels (the other
// steps run the conditional batch alone). Same seed, same adapter → same images.
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import type { UNet } from '../model/unet.ts';
import type { Precision } from '../model/layers.ts';
import type { NoiseSchedule } from './schedule.ts';
import { samplerPlan, strengthStart, type PlanOptions, type SamplerName } from './plan.ts';
import { randn } from '../ops/random.ts';
import { axpby, scale } from '../ops/elementwise.ts';
import { renoise, samplerStep, type StepExtras, type StepThreshold } from '../ops/diffusion.ts';

/** The sampler and its steps (PlanOptions: sampler, steps, η, spacing, variance type, x̂0 clamp), and the rest. */
export interface SampleOptions extends PlanOptions {
  n: number;
  /** Imagen's per-sample dynamic threshold instead of the static clamp (diffusers' thresholding). */
  dynamicThreshold?: { quantile?: number; maxValue?: number } | null;
  /** Step with ε̂ re-derived from the clipped x̂0 (diffusers' use_clipped_model_output; DDIM only matters). */
  clippedModelOutput?: boolean;
  /** Class to draw (conditional models); null = the null class (unconditional). A number array gives one per sample. */
  classLabel?: number | number[] | null;
  /** Classifier-free guidance scale; 1 or undefined = no guidance. */
  guidance?: number;
  /**
   * Guide only at noise levels σ = √(1−ᾱ)/√ᾱ in (lo, hi] (Kynkäänniemi et al. 2024, "Applying guidance in a
   * limited interval"); the other steps run the conditional half alone (half the batch). null = every step.
   * Without guidance (1 or undefined) it is checked and otherwise ignored.
   * The model then keeps both passes (batch n and 2n) built. With DPM-Solver++ 2M, the first step after a
   * switch extrapolates from an x̂0 of the other guidance mode (the paper used Heun; only DDIM was measured).
   */
  guidanceInterval?: [number, number] | null;
  seed?: number;
  /** Use the EMA weights (default true). */
  ema?: boolean;
  /** 'f16': the model's 3×3 stride-1 convs read f16 activations and weights where the adapter has the kernels (see Precision in model/layers.ts). */
  precision?: Precision;
  /**
   * Start from images instead of noise: [n, C, S, S] in [0, 1]. With `strength` s ∈ (0, 1] the images are
   * noised to the level s selects and denoised from there (SDEdit; s → 0 returns them, 1 starts from noise
   * level T); with `mask` (1 = regenerate, 0 = keep) the kept part is held to them at every step.
   */
  init?: { images: Float32Array; strength?: number; mask?: Float32Array; resample?: number } | null;
  /** Called after each step with the step index and the current x (a GPU tensor; read it if needed). */
  onStep?: (i: number, t: number, x: Tensor) => void | Promise<void>;
}

/**
 * The sampling settings `sample`, `eval`, the training grids and the page use unless told otherwise: the
 * combination that scored best on the shipped model (docs/sampling.md has the sweep it was chosen from).
 */
export const DEFAULT_SAMPLING = {
  sampler: 'ddim' as SamplerName,
  steps: 25,
  eta: 1,
  guidance: 1.35,
  // Guided only at σ = √(1−ᾱ)/√ᾱ in (0.3, 5]; the other steps run the conditional half alone (faster too).
  guidanceInterval: [0.3, 5] as [number, number] | null,
  clip: true,
  clippedModelOutput: true,
};

export async function sample(gpu: Gpu, model: UNet, schedule: NoiseSchedule, o: SampleOptions): Promise<Float32Array> {
  const cfg = model.config;
  if (!Number.isInteger(o.n) || o.n < 1) throw new Error(`sample: n must be a positive integer, got ${o.n}`);
  const guided = o.guidance !== undefined && o.guidance !== 1 && model.conditional;
  if (o.guidance !== undefined && o.guidance !== 1 && !model.conditional) throw new Error('sample: guidance needs a class-conditional model');
  const labelsArr = labelList(o.n, o.classLabel ?? null, cfg.classes);
  const shape = [o.n, cfg.inChannels, cfg.imageSize, cfg.imageSize];
  const size = shape.reduce((p, v) => p * v, 1);
  const init = checkInit(o, size);
  const plan = samplerPlan(schedule, o, init ? strengthStart(o.steps, init.strength ?? 1) : 0);
  const resample = init?.resample ?? 1;
  if (resample > 1 && plan.multistep) throw new Error(`sample: resampling (RePaint) needs a single-step sampler, not ${o.sampler}`);
  const seed = o.seed ?? 0;
  // Checked always (a reversed interval is an error), used only when guiding: with guidance 1 (none) every
  // step runs the conditional half alone, whatever the interval — the default one included.
  const interval = guided ? checkInterval(o.guidanceInterval ?? null) : (checkInterval(o.guidanceInterval ?? null), null);
  const guidedAt = (c: { sqrtA: number; sqrt1mA: number }) => guided && (!interval || inInterval(c.sqrt1mA / c.sqrtA, interval));
  const { doubled, single } = samplingPasses(model, o, plan.steps.map((p) => guidedAt(p.coefs)));
  // x lives in the single pass's input when there is one (unguided steps then copy nothing).
  const x = single ? single.x : gpu.tensor(shape, 'sample');
  const temps: Tensor[] = [];
  const temp = (t: Tensor) => (temps.push(t), t);
  const extras: StepExtras = {};
  if (plan.multistep) extras.hist = temp(gpu.tensor(shape, 'sampler_hist'));
  try {
    const known = init ? temp(gpu.upload(shape, Float32Array.from(init.images, (v) => 2 * v - 1), 'sample_init')) : null;
    if (known && init?.mask) extras.inpaint = { known, mask: temp(gpu.upload(shape, init.mask, 'sample_mask')) };
    startingPoint(gpu, x, plan.steps[0]?.coefs, known, plan.initScale, seed, temp);
    if (doubled?.labels) gpu.write(doubled.labels, [...labelsArr, ...labelsArr.map(() => cfg.classes)]);
    if (single?.labels) gpu.write(single.labels, labelsArr);

    const threshold: StepThreshold = o.dynamicThreshold
      ? { mode: 'dynamic', quantile: o.dynamicThreshold.quantile, maxValue: o.dynamicThreshold.maxValue, recomputeEps: o.clippedModelOutput }
      : { mode: 'static', recomputeEps: o.clippedModelOutput };
    const tValues = new Float32Array(2 * o.n);
    let key = 0; // keys each step's noise: every model call draws fresh numbers
    for (let i = 0; i < plan.steps.length; i++) {
      const { t, coefs } = plan.steps[i];
      const g = guidedAt(coefs);
      const pass = g ? doubled! : single!;
      gpu.write(pass.t, tValues.subarray(0, pass.batch).fill(t));
      for (let r = 0; r < resample; r++) {
        if (g) {
          copyInto(gpu, x, pass.x, 0);
          copyInto(gpu, x, pass.x, x.byteLength);
        }
        pass.graph.forward();
        samplerStep(gpu, x, pass.out, coefs, seed, key++, g ? o.guidance! : null, threshold, extras);
        // RePaint: jump back to this step's level and run it again, so the regenerated part can agree with
        // the kept part (not after the last step, nor after the last repeat).
        if (r < resample - 1 && i < plan.steps.length - 1) {
          const ratio = (coefs.sqrtA / coefs.target!.sqrtA) ** 2;
          renoise(gpu, x, Math.sqrt(ratio), Math.sqrt(1 - ratio), seed, key++);
        } else break;
      }
      if (o.onStep) await o.onStep(i, t, x);
    }
    return await x.read();
  } finally {
    if (!single) x.release();
    for (const t of temps) t.release();
  }
}

/**
 * The passes a run needs: the doubled batch (conditional, then null class) if any step is guided, the
 * single conditional batch if any is not (or nothing is guided). Both read the EMA weights in place
 * (UNet.pass 'ema': nothing is copied) unless o.ema is false.
 */
function samplingPasses(model: UNet, o: SampleOptions, guidedSteps: boolean[]) {
  const weights = o.ema !== false ? ('ema' as const) : ('params' as const);
  const precision = o.precision ?? 'f32';
  const doubled = guidedSteps.some((g) => g) ? model.pass(2 * o.n, false, weights, precision) : null;
  const single = !doubled || guidedSteps.some((g) => !g) ? model.pass(o.n, false, weights, precision) : null;
  return { doubled, single };
}

/** "lo,hi" → a guidance interval (σ_lo, σ_hi]; "all" → null (guide at every step). Throws on anything else. */
export function parseGuidanceInterval(v: string): [number, number] | null {
  if (v.trim() === 'all') return null;
  return checkInterval(v.split(',').map((p) => (p.trim() === '' ? NaN : Number(p.trim()))), `"${v}"`);
}

/** An interval as parseGuidanceInterval reads it ("0.3,5" or "all"). */
export function formatGuidanceInterval(iv: [number, number] | null | undefined): string {
  return iv ? iv.join(',') : 'all';
}

/** A guidance interval (lo, hi] of noise levels σ, checked. */
function checkInterval(iv: number[] | null, what = iv?.join(',')): [number, number] | null {
  if (!iv) return null;
  const [lo, hi] = iv;
  if (!(iv.length === 2 && Number.isFinite(lo) && lo >= 0 && hi > lo)) throw new Error(`the guidance interval must be σ_lo,σ_hi with 0 ≤ σ_lo < σ_hi (or "all"), got ${what}`);
  return [lo, hi];
}

/** σ in (lo, hi]: open below, closed above, as the paper's interval. */
function inInterval(sigma: number, [lo, hi]: [number, number]): boolean {
  return sigma > lo && sigma <= hi;
}

/** x at the plan's first step: noise (× initScale), or the init images noised to that step's level. */
function startingPoint(gpu: Gpu, x: Tensor, first: { sqrtA: number; sqrt1mA: number } | undefined, known: Tensor | null, initScale: number, seed: number, temp: (t: Tensor) => Tensor): void {
  if (!known && initScale === 1) {
    randn(gpu, x, seed, 21);
    return;
  }
  const z = randn(gpu, temp(gpu.tensor(x.shape, 'sample_noise')), seed, 21);
  if (!known) scale(gpu, z, initScale, x);
  else if (!first) gpu.copyRange(known.buffer, known.byteOffset, x.buffer, x.byteOffset, x.byteLength); // no step runs: the input itself
  else axpby(gpu, known, z, first.sqrtA, first.sqrt1mA, x);
}

/** The init images, mask and resampling count, checked against the batch. */
function checkInit(o: SampleOptions, size: number): SampleOptions['init'] {
  const init = o.init;
  if (!init) return null;
  if (init.images.length !== size) throw new Error(`sample: init images hold ${init.images.length} values, expected ${size} (${o.n} images of the model's size)`);
  if (init.mask && init.mask.length !== size) throw new Error(`sample: the mask holds ${init.mask.length} values, expected ${size}`);
  if (init.resample !== undefined && !(Number.isInteger(init.resample) && init.resample >= 1)) throw new Error(`sample: resample must be an integer ≥ 1, got ${init.resample}`);
  if (init.resample !== undefined && init.resample > 1 && !init.mask) throw new Error('sample: resample needs a mask (it is RePaint\'s inpainting schedule)');
  return init;
}

function copyInto(gpu: Gpu, src: Tensor, dst: Tensor, byteOffset: number): void {
  gpu.copyRange(src.buffer, src.byteOffset, dst.buffer, dst.byteOffset + byteOffset, src.byteLength);
}

function labelList(n: number, c: number | number[] | null, classes: number): number[] {
  if (classes === 0) {
    if (c !== null) throw new Error('sample: this model is unconditional; drop --class');
    return [];
  }
  const list = Array.isArray(c) ? c : Array.from({ length: n }, () => (c === null ? classes : c));
  if (list.length !== n) throw new Error(`sample: ${list.length} labels for ${n} samples`);
  for (const l of list) if (!Number.isInteger(l) || l < 0 || l > classes) throw new Error(`sample: class ${l} is outside 0..${classes - 1}`);
  return list;
}
