// Trainer: one DDPM training step encoded entirely on the GPU into one command buffer — advance the step
// counter, draw a batch of digit indices, timesteps and label dropout, noise the images (ε drawn in the
// kernel; the target is ε or v), UNet forward, MSE (optionally min-SNR-γ weighted) into the loss ring,
// backward, AdamW, EMA. The CPU writes nothing per step; it reads the loss ring only when asked (every N
// steps).
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import type { UNet } from '../model/unet.ts';
import { NoiseSchedule, type ScheduleConfig } from '../diffusion/schedule.ts';
import { advanceCounter, newCounter, randint } from '../ops/random.ts';
import { gatherLabels, gatherRows } from '../ops/data.ts';
import { qSample } from '../ops/diffusion.ts';
import { mseBackward, mseForward } from '../ops/loss.ts';
import { adamwStep, emaUpdate, type LrSchedule } from '../ops/adamw.ts';

export interface TrainConfig {
  batch: number;
  lr: number;
  weightDecay: number;
  emaDecay: number;
  seed: number;
  /** Probability of replacing the label by the null class (classifier-free guidance). */
  labelDropout: number;
  schedule: ScheduleConfig;
  /** Learning-rate warm-up and decay by step (default constant). */
  lrSchedule?: LrSchedule;
  /** EMA decay warm-up: min(emaDecay, (1 + t)/(10 + t)) at step t (absent: the plain decay from step 1). */
  emaWarmup?: boolean;
  /** Min-SNR-γ loss weighting (Hang et al. 2023); absent or null: plain MSE on the target. */
  minSnrGamma?: number | null;
}

export const DEFAULT_TRAIN: Omit<TrainConfig, 'schedule'> = { batch: 16, lr: 1e-3, weightDecay: 0, emaDecay: 0.995, seed: 0, labelDropout: 0.1, emaWarmup: true };

export interface Dataset {
  images: Float32Array; // [count, C·S·S] in [0, 1]
  labels: Uint8Array;
  count: number;
}

export const LOSS_RING = 1024;

export class Trainer {
  /** Steps completed (mirrors the GPU counter). */
  step = 0;
  readonly schedule: NoiseSchedule;
  private readonly counter: Tensor;
  private readonly data: Tensor;
  private readonly dataLabels: Tensor;
  private readonly idx: Tensor;
  private readonly x0: Tensor;
  private readonly eps: Tensor;
  private readonly sched: Tensor;
  private readonly losses: Tensor;
  private readonly partial: Tensor;
  private readonly lossWeights: Tensor | null;
  private lastRead = 0;

  constructor(readonly gpu: Gpu, readonly model: UNet, dataset: Dataset, readonly cfg: TrainConfig, startStep = 0) {
    const m = model.config;
    const per = m.inChannels * m.imageSize * m.imageSize;
    if (dataset.images.length !== dataset.count * per) throw new Error(`trainer: dataset holds ${dataset.images.length} values, expected ${dataset.count}×${per}`);
    if (!Number.isInteger(cfg.batch) || cfg.batch < 1) throw new Error(`trainer: batch must be a positive integer, got ${cfg.batch}`);
    this.schedule = new NoiseSchedule(cfg.schedule);
    // The dataset lives on the GPU, scaled to [−1, 1].
    this.data = gpu.upload([dataset.count, per], Float32Array.from(dataset.images, (v) => 2 * v - 1), 'dataset');
    this.dataLabels = gpu.upload([dataset.count], dataset.labels, 'dataset', 'u32');
    this.counter = newCounter(gpu, startStep);
    this.step = this.lastRead = startStep;
    const B = cfg.batch;
    this.idx = gpu.tensor([B], 'trainer', 'u32');
    this.x0 = gpu.tensor([B, m.inChannels, m.imageSize, m.imageSize], 'trainer');
    this.eps = gpu.tensor(this.x0.shape, 'trainer');
    this.sched = gpu.upload([this.schedule.T, 2], this.schedule.sqrtTable(), 'trainer');
    this.losses = gpu.upload([LOSS_RING], new Float32Array(LOSS_RING).fill(NaN), 'trainer');
    this.partial = gpu.tensor([64], 'trainer');
    this.lossWeights = cfg.minSnrGamma ? gpu.upload([this.schedule.T], this.schedule.minSnrWeights(cfg.minSnrGamma), 'trainer') : null;
    this.count = dataset.count;
  }

  private readonly count: number;

  /** Records one training step and submits it (one command buffer). */
  encodeStep(): void {
    const { gpu, model, cfg } = this;
    const pass = model.pass(cfg.batch, true);
    const ps = model.params;
    advanceCounter(gpu, this.counter);
    randint(gpu, this.idx, this.count, cfg.seed, 1, this.counter);
    gatherRows(gpu, this.data, this.idx, this.x0);
    randint(gpu, pass.t, this.schedule.T, cfg.seed, 2, this.counter);
    if (pass.labels) gatherLabels(gpu, this.dataLabels, this.idx, pass.labels, model.config.classes, cfg.labelDropout, cfg.seed, 3, this.counter);
    // this.eps holds the target: ε, or v for v-prediction.
    qSample(gpu, this.x0, pass.t, this.sched, cfg.seed, this.counter, { xt: pass.x, eps: this.eps }, 4, this.schedule.predictionType === 'v_prediction');
    pass.graph.forward();
    const weighted = this.lossWeights ? { t: pass.t, weights: this.lossWeights } : undefined;
    mseForward(gpu, pass.out, this.eps, this.losses, this.counter, this.partial, weighted);
    mseBackward(gpu, pass.out, this.eps, 1, pass.graph.grad(pass.out), weighted);
    pass.graph.backward();
    adamwStep(gpu, ps.flat('params'), ps.flat('grads'), ps.flat('m'), ps.flat('v'), this.counter, { lr: cfg.lr, weightDecay: cfg.weightDecay, schedule: cfg.lrSchedule });
    emaUpdate(gpu, ps.flat('ema'), ps.flat('params'), cfg.emaDecay, cfg.emaWarmup ? this.counter : undefined);
    gpu.flush();
    this.step++;
  }

  /** Returns the trainer's own buffers (dataset, batch, schedule, losses) to the pool; the model is the caller's. */
  destroy(): void {
    for (const t of [this.data, this.dataLabels, this.counter, this.idx, this.x0, this.eps, this.sched, this.losses, this.partial, this.lossWeights]) t?.release();
  }

  /** Losses of the steps since the last call (at most LOSS_RING of them), oldest first. */
  async readLosses(): Promise<number[]> {
    const ring = await this.losses.read();
    const out: number[] = [];
    for (let s = Math.max(this.lastRead + 1, this.step - LOSS_RING + 1); s <= this.step; s++) out.push(ring[s % LOSS_RING]);
    this.lastRead = this.step;
    return out;
  }
}
