// CPU twins of shaders/loss.wgsl and shaders/adamw.wgsl.
export function mseRef(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += (pred[i] - target[i]) ** 2;
  return s / pred.length;
}

export const mseBackwardRef = (pred: ArrayLike<number>, target: ArrayLike<number>, scale = 1) =>
  Float64Array.from(pred, (v, i) => (scale * 2 * (v - target[i])) / pred.length);

/** Σ_i w[i / S]·(pred_i − target_i)² / n: each sample's squared errors scaled by its weight. */
export function mseWeightedRef(pred: ArrayLike<number>, target: ArrayLike<number>, w: ArrayLike<number>): number {
  const S = pred.length / w.length;
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += w[Math.floor(i / S)] * (pred[i] - target[i]) ** 2;
  return s / pred.length;
}

export const mseWeightedBackwardRef = (pred: ArrayLike<number>, target: ArrayLike<number>, w: ArrayLike<number>, scale = 1) =>
  Float64Array.from(pred, (v, i) => (scale * 2 * w[Math.floor(i / (pred.length / w.length))] * (v - target[i])) / pred.length);

export interface LrScheduleRef { warmup: number; decayStart: number; decayEnd: number; minFactor: number }
export interface AdamRefCfg { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; schedule?: LrScheduleRef }

/** Warm-up then cosine decay, written out step by step (twin of scheduled_lr in adamw.wgsl). */
export function lrRef(lr: number, s: LrScheduleRef | undefined, t: number): number {
  if (!s) return lr;
  let warm = 1;
  if (s.warmup > 0 && t < s.warmup) warm = t / s.warmup;
  let decay = 1;
  if (s.decayEnd > s.decayStart && t > s.decayStart) {
    const progress = t >= s.decayEnd ? 1 : (t - s.decayStart) / (s.decayEnd - s.decayStart);
    const cosine = (1 + Math.cos(Math.PI * progress)) / 2;
    decay = s.minFactor + (1 - s.minFactor) * cosine;
  }
  return lr * warm * decay;
}

/** One AdamW step at step t (≥ 1), in place on float64 copies. */
export function adamwRef(p: Float64Array, g: ArrayLike<number>, m: Float64Array, v: Float64Array, t: number, c: AdamRefCfg): void {
  for (let i = 0; i < p.length; i++) {
    m[i] = c.beta1 * m[i] + (1 - c.beta1) * g[i];
    v[i] = c.beta2 * v[i] + (1 - c.beta2) * g[i] * g[i];
    const mh = m[i] / (1 - c.beta1 ** t);
    const vh = v[i] / (1 - c.beta2 ** t);
    const lr = lrRef(c.lr, c.schedule, t);
    p[i] = p[i] * (1 - lr * c.weightDecay) - (lr * mh) / (Math.sqrt(vh) + c.eps);
  }
}
