// The fused diffusion kernels: forward noising (ε drawn in the kernel, the ε or v target kept) and the
// sampler step (DDPM or DDIM from an ε or v output, optional classifier-free guidance, z drawn in the
// kernel), in place on x.
import { shapeStr } from '../runtime/tensor.ts';
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { expectDtype, expectShape, fail, output } from './check.ts';
import { zeroCounter } from './random.ts';

/**
 * x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε for each sample n with its own t[n]. `sched` is [T, 2] (√ᾱ, √(1−ᾱ)).
 * Returns x_t and the loss target (both [N, ...] like x0) as `eps`: ε, or with vTarget
 * v = √ᾱ_t·ε − √(1−ᾱ_t)·x_0 (v-prediction).
 */
export function qSample(
  gpu: Gpu, x0: Tensor, t: Tensor, sched: Tensor, seed: number, counter?: Tensor,
  into: { xt?: Tensor; eps?: Tensor } = {}, stream = 7, vTarget = false,
): { xt: Tensor; eps: Tensor } {
  const op = 'q_sample';
  expectDtype(op, 't', t, 'u32');
  const N = x0.shape[0];
  if (t.size !== N) fail(op, `t has ${t.size} entries but x0 has batch ${N}`);
  if (sched.rank !== 2 || sched.shape[1] !== 2) fail(op, `sched must be [T, 2], got ${shapeStr(sched.shape)}`);
  const xt = output(op, 'xt', into.xt, x0.shape, () => gpu.tensor(x0.shape, op));
  const eps = output(op, 'eps', into.eps, x0.shape, () => gpu.tensor(x0.shape, op));
  gpu.run(gpu.kernel('diffusion', 'q_sample'), {
    params: { N, S: x0.size / N, seed, stream, v_target: vTarget ? 1 : 0 },
    bind: { x0, t, sched, state: counter ?? zeroCounter(gpu), xt, eps },
    invocations: Math.ceil(x0.size / 4),
  });
  return { xt, eps };
}

/** Coefficients of one sampler step (computed in float64 by the scheduler, see src/diffusion/). */
export interface StepCoefs {
  sqrtA: number;
  sqrt1mA: number;
  coefX0: number;
  coefXt: number;
  coefEps: number;
  sigma: number;
  /** The model output is v (v-prediction) rather than ε. */
  vPrediction?: boolean;
  /** Clamp x̂0 to ±clipRange (diffusers' clip_sample). */
  clip: boolean;
  clipRange?: number;
  /** Weight of the previous step's x̂0 (multistep solvers); needs `hist`. */
  coefHist?: number;
  /** Keep this step's x̂0 in `hist` for the next step. */
  storeHist?: boolean;
  /** √ᾱ and √(1−ᾱ) of the level the step lands on: inpainting noises the known image to it. */
  target?: { sqrtA: number; sqrt1mA: number };
}

/** Buffers a step may use besides x and the model output. */
export interface StepExtras {
  /** [N, ...] like x: the previous x̂0 of a multistep solver, read and rewritten in place. */
  hist?: Tensor;
  /** Inpainting: the known image (in [−1, 1]) and a mask (1 = regenerate, 0 = keep), both shaped like x. */
  inpaint?: { known: Tensor; mask: Tensor };
}

const unusedSlots = new WeakMap<Gpu, Tensor>();
/** A 4-float buffer bound to the read-write `hist` slot when a step keeps no history (never touched then). */
function unusedSlot(gpu: Gpu): Tensor {
  let t = unusedSlots.get(gpu);
  if (!t) unusedSlots.set(gpu, (t = gpu.tensor([4], 'sampler_step_unused_hist')));
  return t;
}

/** How x̂0 is bounded before the update, and which ε̂ the update uses (see shaders/diffusion.wgsl). */
export interface StepThreshold {
  /**
   * 'static': clamp to ±clipRange (when coefs.clip); 'dynamic': Imagen's per-sample threshold
   * s = clamp(quantile_q |x̂0|, 1, maxValue), x̂0 ← clamp(x̂0, −s, s)/s (diffusers' thresholding; defaults
   * q 0.995 and maxValue 1.5 — diffusers' sample_max_value 1 would make it the static clamp).
   */
  mode?: 'static' | 'dynamic';
  quantile?: number;
  maxValue?: number;
  /** Re-derive ε̂ from the bounded x̂0 (diffusers' use_clipped_model_output). */
  recomputeEps?: boolean;
}

/**
 * x ← x_prev in place. epsHat is [N, ...] like x, or [2N, ...] (conditional first, unconditional second)
 * when guidance is given.
 */
export function samplerStep(
  gpu: Gpu, x: Tensor, epsHat: Tensor, c: StepCoefs, seed: number, step: number, guidance: number | null = null, th: StepThreshold = {},
  extras: StepExtras = {},
): void {
  const op = 'sampler_step';
  const cfg = guidance !== null;
  const want = cfg ? [2 * x.shape[0], ...x.shape.slice(1)] : x.shape;
  expectShape(op, 'eps_hat', epsHat, want);
  for (const [k, v] of Object.entries({ ...c, ...c.target })) if (typeof v === 'number' && !Number.isFinite(v)) fail(op, `coefficient ${k} is ${v}`);
  if ((c.coefHist || c.storeHist) && !extras.hist) fail(op, 'a multistep step (coefHist or storeHist) needs a hist buffer');
  if (extras.hist) expectShape(op, 'hist', extras.hist, x.shape);
  if (extras.inpaint) {
    expectShape(op, 'known', extras.inpaint.known, x.shape);
    expectShape(op, 'mask', extras.inpaint.mask, x.shape);
    if (!c.target) fail(op, 'inpainting needs the target level of the step (coefs.target)');
  }
  const dynamic = th.mode === 'dynamic';
  const quantile = th.quantile ?? 0.995;
  const maxValue = th.maxValue ?? 1.5;
  if (dynamic && !(quantile > 0 && quantile <= 1)) fail(op, `dynamic threshold quantile must be in (0, 1], got ${quantile}`);
  if (dynamic && !(maxValue >= 1)) fail(op, `dynamic threshold max value must be ≥ 1, got ${maxValue}`);
  const N = x.shape[0];
  const S = x.size / N;
  gpu.run(gpu.kernel('diffusion', dynamic ? 'sampler_step_dynamic' : 'sampler_step'), {
    params: {
      n: x.size, S, cfg: cfg ? 1 : 0, guidance: guidance ?? 0,
      sqrt_a: c.sqrtA, sqrt_1ma: c.sqrt1mA, coef_x0: c.coefX0, coef_xt: c.coefXt, coef_eps: c.coefEps, sigma: c.sigma,
      clip: c.clip || dynamic ? 1 : 0, clip_range: dynamic ? maxValue : (c.clipRange ?? 1),
      recompute_eps: th.recomputeEps && (c.clip || dynamic) ? 1 : 0, quantile, seed, step, pred_v: c.vPrediction ? 1 : 0,
      coef_hist: c.coefHist ?? 0, store_hist: c.storeHist ? 1 : 0, inpaint: extras.inpaint ? 1 : 0,
      tgt_sqrt_a: c.target?.sqrtA ?? 0, tgt_sqrt_1ma: c.target?.sqrt1mA ?? 0,
    },
    // Unused read-only slots take the model output (never read then); the read-write one a spare buffer.
    bind: {
      eps_hat: epsHat, x, hist: extras.hist ?? unusedSlot(gpu),
      known: extras.inpaint?.known ?? epsHat, mask: extras.inpaint?.mask ?? epsHat,
    },
    ...(dynamic ? { workgroups: [N, 1, 1] as [number, number, number] } : { invocations: Math.ceil(x.size / 4) }),
  });
}

/** RePaint's jump back up: x ← a·x + b·z in place, z drawn in the kernel (keyed by seed and step). */
export function renoise(gpu: Gpu, x: Tensor, a: number, b: number, seed: number, step: number): void {
  const op = 'renoise';
  if (!Number.isFinite(a) || !Number.isFinite(b)) fail(op, `coefficients must be finite, got ${a}, ${b}`);
  gpu.run(gpu.kernel('diffusion', 'renoise'), {
    params: {
      n: x.size, S: x.size, cfg: 0, guidance: 0, sqrt_a: 0, sqrt_1ma: 0, coef_x0: 0, coef_xt: a, coef_eps: 0, sigma: b,
      clip: 0, clip_range: 0, recompute_eps: 0, quantile: 0, seed, step, pred_v: 0, coef_hist: 0, store_hist: 0, inpaint: 0,
      tgt_sqrt_a: 0, tgt_sqrt_1ma: 0,
    },
    bind: { x },
    invocations: Math.ceil(x.size / 4),
  });
}
