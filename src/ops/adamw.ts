// AdamW over a flat parameter buffer in one dispatch, and the EMA of the weights.
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { expectDtype, expectSize, fail } from './check.ts';
import { zeroCounter } from './random.ts';

export interface AdamWConfig {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  schedule?: LrSchedule;
}

/**
 * Learning-rate schedule, evaluated on the GPU from the step counter: linear warm-up over `warmup` steps,
 * then a cosine from lr at `decayStart` to lr·minFactor at `decayEnd` (no decay when decayEnd ≤ decayStart).
 */
export interface LrSchedule {
  warmup: number;
  decayStart: number;
  decayEnd: number;
  minFactor: number;
}

export const CONSTANT_LR: LrSchedule = { warmup: 0, decayStart: 0, decayEnd: 0, minFactor: 1 };

/** The learning rate the kernel uses at step t (for logs and checkpoints; the twin in test/ checks it). */
export function scheduledLr(lr: number, s: LrSchedule, t: number): number {
  let f = s.warmup > 0 ? Math.min(1, t / s.warmup) : 1;
  if (s.decayEnd > s.decayStart && t > s.decayStart) {
    const r = Math.min(1, (t - s.decayStart) / (s.decayEnd - s.decayStart));
    f *= s.minFactor + (1 - s.minFactor) * 0.5 * (1 + Math.cos(Math.PI * r));
  }
  return lr * f;
}

/**
 * One AdamW step on every element of `param` (in place), with m and v the moment buffers. The step t used
 * for bias correction is counter[0], which the caller advances on the GPU before this call (t ≥ 1).
 */
export function adamwStep(gpu: Gpu, param: Tensor, grad: Tensor, m: Tensor, v: Tensor, counter: Tensor, cfg: AdamWConfig): void {
  const op = 'adamw';
  for (const [name, t] of [['grad', grad], ['m', m], ['v', v]] as const) expectSize(op, name, t, param.size);
  expectDtype(op, 'counter', counter, 'u32');
  if (!(cfg.lr >= 0)) fail(op, `learning rate must be ≥ 0, got ${cfg.lr}`);
  const s = cfg.schedule ?? CONSTANT_LR;
  for (const k of ['warmup', 'decayStart', 'decayEnd'] as const) if (!Number.isInteger(s[k]) || s[k] < 0) fail(op, `schedule ${k} must be a non-negative integer, got ${s[k]}`);
  if (!(s.minFactor >= 0 && s.minFactor <= 1)) fail(op, `schedule minFactor must be in [0, 1], got ${s.minFactor}`);
  gpu.run(gpu.kernel('adamw', 'adamw'), {
    params: {
      n: param.size, lr: cfg.lr, beta1: cfg.beta1 ?? 0.9, beta2: cfg.beta2 ?? 0.999, eps: cfg.eps ?? 1e-8, weight_decay: cfg.weightDecay ?? 0,
      warmup: s.warmup, decay_start: s.decayStart, decay_end: s.decayEnd, min_factor: s.minFactor,
    },
    bind: { grad, state: counter, param, m, v },
    invocations: param.size,
  });
}

/** ema = decay·ema + (1 − decay)·param */
/**
 * ema ← d·ema + (1 − d)·param with d = decay, or with `warmupCounter` (the GPU step counter t)
 * d = min(decay, (1 + t)/(10 + t)) so the average forgets the random initialisation early.
 */
export function emaUpdate(gpu: Gpu, ema: Tensor, param: Tensor, decay: number, warmupCounter?: Tensor): void {
  const op = 'ema_update';
  expectSize(op, 'ema', ema, param.size);
  if (!(decay >= 0 && decay <= 1)) fail(op, `decay must be in [0, 1], got ${decay}`);
  if (warmupCounter) expectDtype(op, 'counter', warmupCounter, 'u32');
  gpu.run(gpu.kernel('adamw', 'ema_update'), {
    params: { n: param.size, decay, warmup: warmupCounter ? 1 : 0 },
    bind: { src: param, ema, ema_state: warmupCounter ?? zeroCounter(gpu) },
    invocations: param.size,
  });
}
