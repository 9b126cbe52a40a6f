// DDPM ancestral and DDIM sampling through the UNet and the fused sampler-step kernel, with optional
// classifier-free guidance (conditional and null-class halves run as one doubled batch). Same seed, same
// adapter → same images.
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import type { UNet } from '../model/unet.ts';
import { NoiseSchedule, ddimStep, ddpmStep, inferenceTimesteps, type TimestepSpacing, type VarianceType } from './schedule.ts';
import { randn } from '../ops/random.ts';
import { samplerStep, type StepThreshold } from '../ops/diffusion.ts';

export interface SampleOptions {
  n: number;
  sampler: 'ddpm' | 'ddim';
  /** Inference steps (DDPM: usually all T). */
  steps: number;
  eta?: number;
  spacing?: TimestepSpacing;
  varianceType?: VarianceType;
  /** Clamp x̂0 to [−1, 1] (diffusers' clip_sample; default true for both samplers, as there). */
  clip?: boolean;
  /** Imagen's per-sample dynamic threshold instead of the static clamp (diffusers' thresholding). */
  dynamicThreshold?: { quantile?: number; maxValue?: number } | null;
  /** Step with ε̂ re-derived from the clipped x̂0 (diffusers' use_clipped_model_output; DDIM only matters). */
  clippedModelOutput?: boolean;
  /** Class to draw (conditional models); null = the null class (unconditional). A number array gives one per sample. */
  classLabel?: number | number[] | null;
  /** Classifier-free guidance scale; 1 or undefined = no guidance. */
  guidance?: number;
  seed?: number;
  /** Use the EMA weights (default true). */
  ema?: boolean;
  /** Called after each step with the step index and the current x (a GPU tensor; read it if needed). */
  onStep?: (i: number, t: number, x: Tensor) => void | Promise<void>;
}

/**
 * The sampling settings `sample`, `eval`, the training grids and the page use unless told otherwise: the
 * combination that scored best on the shipped model (docs/sampling.md has the sweep it was chosen from).
 */
export const DEFAULT_SAMPLING = {
  sampler: 'ddim' as 'ddim' | 'ddpm',
  steps: 25,
  eta: 1,
  guidance: 2,
  clip: true,
  clippedModelOutput: true,
};

export async function sample(gpu: Gpu, model: UNet, schedule: NoiseSchedule, o: SampleOptions): Promise<Float32Array> {
  const cfg = model.config;
  if (!Number.isInteger(o.n) || o.n < 1) throw new Error(`sample: n must be a positive integer, got ${o.n}`);
  const guided = o.guidance !== undefined && o.guidance !== 1 && model.conditional;
  if (o.guidance !== undefined && o.guidance !== 1 && !model.conditional) throw new Error('sample: guidance needs a class-conditional model');
  const labelsArr = labelList(o.n, o.classLabel ?? null, cfg.classes);
  const ts = o.sampler === 'ddpm' && o.steps === schedule.T
    ? Array.from({ length: schedule.T }, (_, i) => schedule.T - 1 - i)
    : inferenceTimesteps(schedule.T, o.steps, o.spacing ?? 'leading');
  const stride = Math.floor(schedule.T / o.steps);
  const seed = o.seed ?? 0;
  // The EMA weights are read in place by a pass built on them (UNet.pass 'ema'): nothing is copied.
  const pass = model.pass(guided ? 2 * o.n : o.n, false, o.ema !== false ? 'ema' : 'params');
  const shape = [o.n, cfg.inChannels, cfg.imageSize, cfg.imageSize];
  const x = guided ? gpu.tensor(shape, 'sample') : pass.x;
  randn(gpu, x, seed, 21);
  if (pass.labels) gpu.write(pass.labels, guided ? [...labelsArr, ...labelsArr.map(() => cfg.classes)] : labelsArr);

  const threshold: StepThreshold = o.dynamicThreshold
    ? { mode: 'dynamic', quantile: o.dynamicThreshold.quantile, maxValue: o.dynamicThreshold.maxValue, recomputeEps: o.clippedModelOutput }
    : { mode: 'static', recomputeEps: o.clippedModelOutput };
  try {
    const tAll = new Uint32Array(pass.batch);
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i];
      const prev = o.sampler === 'ddpm' && o.steps === schedule.T ? t - 1 : t - stride;
      gpu.write(pass.t, tAll.fill(t));
      if (guided) {
        const half = x.size * 4;
        copyInto(gpu, x, pass.x, 0);
        copyInto(gpu, x, pass.x, half);
      }
      pass.graph.forward();
      const c = o.sampler === 'ddpm'
        ? ddpmStep(schedule, t, prev, o.varianceType ?? 'fixed_small', o.clip ?? true)
        : ddimStep(schedule, t, prev, o.eta ?? 0, o.clip ?? true);
      samplerStep(gpu, x, pass.out, c, seed, i, guided ? o.guidance! : null, threshold);
      if (o.onStep) await o.onStep(i, t, x);
    }
    const out = await x.read();
    return out;
  } finally {
    if (guided) x.release();
  }
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
