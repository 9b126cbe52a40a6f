// TrainingSession: one diffusion training run, the same for `npm run train` (cli/train.ts) and the page
// (web/main.ts). It owns the model and the trainer and runs the step loop: loss polling with the
// non-finite stop, periodic samples and checkpoints, pause/stop between steps, and dispose. What differs
// between platforms comes in as hooks: where checkpoints go (an atomic file, IndexedDB), how samples are
// shown (a PNG, a canvas), and how the loop gives the host's event loop a turn (signals, clicks, painting).
import { StepPacer } from '../runtime/pacer.ts';
import type { Gpu, KernelTime } from '../runtime/gpu.ts';
import type { UNetConfig } from '../model/config.ts';
import { UNet } from '../model/unet.ts';
import { Trainer, type Dataset, type TrainConfig } from './trainer.ts';
import type { NoiseSchedule } from '../diffusion/schedule.ts';
import { checkpointBytes, loadCheckpoint, type CheckpointMeta } from '../io/checkpoint.ts';
import type { DatasetRecord } from '../data/image-set.ts';
import { DEFAULT_SAMPLING, sample, type SampleOptions } from '../diffusion/sampler.ts';

/** Where the weights come from. */
export type SessionStart =
  | { kind: 'fresh'; initSeed: number }
  /** A full checkpoint: weights, EMA, optimizer moments and step; the run goes on exactly where it stopped. */
  | { kind: 'resume'; bytes: Uint8Array }
  /** Another run's (EMA) weights with a fresh optimizer at step 0 (fine-tuning; shipped model files). */
  | { kind: 'weights'; bytes: Uint8Array };

export interface SessionSpec {
  config: UNetConfig;
  train: TrainConfig;
  start: SessionStart;
  /** Recorded in every checkpoint (the adapter that trained it), when the platform knows it. */
  adapter?: Record<string, string>;
  /** Recorded in every checkpoint (the set it trains on), when the platform knows it. */
  dataset?: DatasetRecord;
}

/**
 * How far to run and how often to look: the loop's settings, separate from the model's. The loop reads
 * them at every step, so a host may change them during a run (the page's target and grid period).
 */
export interface RunPlan {
  /** The step to reach, counting steps of earlier runs and of the checkpoint resumed from. */
  steps: number;
  /** Read the loss ring back every N steps (each read waits for the GPU). */
  lossEvery: number;
  /** Call onSample every N steps and at the end (0: never). */
  sampleEvery: number;
  /** Save a checkpoint every N steps and at the end (0: only on pause, stop and at the end). */
  checkpointEvery: number;
  /**
   * Steps the GPU may hold at once. 1 (the default) waits for each step before recording the next, so a
   * pause or a signal takes effect when the step in hand ends; the queue never runs ahead of the clicks.
   * Ignored where waiting spins a core (Gpu.waitSpinsCpu, Node): there two steps stay in flight with paced
   * fence waits (StepPacer).
   */
  inFlight?: number;
}

export type SaveReason = 'periodic' | 'pause' | 'stop' | 'end';

export interface SessionHooks {
  /** The losses of the steps since the last poll, oldest first, all finite; `step` is the last one's. */
  onLosses?(step: number, losses: number[]): void;
  /** `signal` is aborted when a pause or stop is asked for, so a long grid can give up and let the run end. */
  onSample?(step: number, signal: AbortSignal): Promise<void>;
  /**
   * Stores a checkpoint and says where (a path, "this browser's storage"); the non-finite stop names it.
   * null = not stored (a platform that can go on without it, like a full browser storage): not a good save.
   */
  saveCheckpoint?(step: number, bytes: Uint8Array, why: SaveReason): Promise<string | null>;
  /** Per-kernel GPU times of a step recorded with timestamp queries (after profileNextStep()). */
  onProfile?(step: number, times: Map<string, KernelTime>): void;
  /** Gives the host's event loop a turn between steps. */
  yieldToHost(): Promise<void>;
}

export interface RunEnd {
  reason: 'done' | 'paused' | 'stopped';
  step: number;
}

/** Thrown by run() when a loss is NaN or infinite: the message names the step and the last good save. */
export class LossNotFinite extends Error {
  constructor(readonly step: number, value: number, lastGood: { step: number; where: string } | null) {
    super(`loss became ${value} at step ${step}; training stopped. ` + (lastGood ? `Last good checkpoint: ${lastGood.where} (step ${lastGood.step})` : 'No checkpoint was written yet.'));
  }
}

/** Settings that can change between steps without a new model (the trainer is rebuilt at the same step). */
export type LiveSettings = Pick<TrainConfig, 'batch' | 'lr' | 'minSnrGamma' | 'labelDropout' | 'weightDecay'>;

export class TrainingSession {
  readonly model: UNet;
  private trainer: Trainer;
  private pending: Partial<LiveSettings> | null = null;
  private request: { reason: 'paused' | 'stopped'; save: boolean } | null = null;
  private abort = new AbortController();
  private running: Promise<RunEnd> | null = null;
  private disposed = false;
  private profileRequested = false;
  private lastGood: { step: number; where: string } | null = null;
  /**
   * Steps and wall time of the loop in the current run, grids and saves excluded: the rate for ETA and
   * ms/step. `since` is when the interval being timed began (null while a hook runs or after the run).
   */
  private timing: { steps: number; seconds: number; since: number | null } = { steps: 0, seconds: 0, since: null };
  /**
   * Where waiting spins a core (Gpu.waitSpinsCpu) two steps stay in flight with paced fence waits
   * (StepPacer): no wait is pending while the GPU works, and the next step is queued when one ends.
   * (Two in flight with plain queue waits kept a wait pending all the time: ~8 % slower than one at a time.)
   */
  private readonly pacer = new StepPacer();

  /** Builds model and trainer; a bad checkpoint throws before the trainer takes any GPU memory. */
  constructor(readonly gpu: Gpu, private readonly data: Dataset, readonly spec: SessionSpec) {
    this.model = new UNet(gpu, spec.config);
    let step = 0;
    try {
      step = initWeights(gpu, this.model, spec.start);
      this.trainer = new Trainer(gpu, this.model, data, spec.train, step);
    } catch (e) {
      this.model.destroy();
      throw e;
    }
  }

  get step(): number {
    return this.trainer.step;
  }
  get settings(): TrainConfig {
    return this.trainer.cfg;
  }
  get schedule(): NoiseSchedule {
    return this.trainer.schedule;
  }
  get isRunning(): boolean {
    return this.running !== null;
  }
  /** Steps per second and wall milliseconds per step of the loop in the current (or last) run. */
  get rate(): { stepsPerSecond: number; msPerStep: number } {
    const { steps, since } = this.timing;
    const seconds = this.timing.seconds + (since !== null ? (performance.now() - since) / 1000 : 0);
    return { stepsPerSecond: seconds > 0 ? steps / seconds : 0, msPerStep: steps > 0 ? (1000 * seconds) / steps : 0 };
  }

  /** Runs until plan.steps, a pause or a stop. Starting a run while one is going is a mistake, not a no-op. */
  run(plan: RunPlan, hooks: SessionHooks): Promise<RunEnd> {
    if (this.disposed) throw new Error('training session: already disposed');
    if (this.running) throw new Error('training session: already running');
    checkPlan(plan);
    if (this.step >= plan.steps) throw new Error(`training session: step ${plan.steps} is already reached (the run is at step ${this.step})`);
    this.request = null;
    this.abort = new AbortController();
    this.running = this.loop(plan, hooks).finally(() => {
      this.stopClock();
      this.running = null;
    });
    return this.running;
  }

  /**
   * Records the next step with a timestamp pair around every kernel and hands the times to onProfile. That
   * step runs slower (each kernel in its own pass), so the rate leaves it out. No-op without timestamps.
   */
  profileNextStep(): void {
    this.profileRequested = this.gpu.hasTimestamps;
  }

  /** Ends the run after the step in hand (saving first unless told not to); resolves when it has ended. */
  pause(opts: { save?: boolean } = {}): Promise<RunEnd | null> {
    return this.end('paused', opts.save ?? true);
  }
  stop(opts: { save?: boolean } = {}): Promise<RunEnd | null> {
    return this.end('stopped', opts.save ?? true);
  }

  /**
   * Changes batch, lr, … from the next step on (now when idle): the trainer is rebuilt at the same step, so
   * the model, EMA, optimizer and RNG position go on; only the new setting differs.
   */
  update(changes: Partial<LiveSettings>): void {
    this.pending = { ...this.pending, ...changes };
    if (!this.running) this.applyPending();
  }

  /**
   * Samples with the EMA weights: the sampling defaults unless `o` says otherwise, the classes in turn (digits
   * 0–9 for MNIST) for a class-conditional model (guidance only there), at most T steps.
   */
  sample(o: Partial<SampleOptions> & { n: number }): Promise<Float32Array> {
    const cond = this.model.conditional;
    const classes = this.model.config.classes;
    return sample(this.gpu, this.model, this.schedule, {
      ...DEFAULT_SAMPLING,
      classLabel: cond ? Array.from({ length: o.n }, (_, i) => i % classes) : null,
      ...o,
      steps: Math.min(o.steps ?? DEFAULT_SAMPLING.steps, this.schedule.T),
      guidance: cond ? (o.guidance ?? DEFAULT_SAMPLING.guidance) : undefined,
      guidanceInterval: cond ? (o.guidanceInterval !== undefined ? o.guidanceInterval : DEFAULT_SAMPLING.guidanceInterval) : null,
    });
  }

  /** The full checkpoint of this moment (weights, EMA, optimizer, step, settings). */
  async checkpoint(): Promise<Uint8Array> {
    const cfg = this.trainer.cfg;
    return checkpointBytes(this.model, { schedule: cfg.schedule, step: this.step, train: cfg as unknown as Record<string, unknown>, adapter: this.spec.adapter, dataset: this.spec.dataset });
  }

  /** Returns every GPU buffer (model, parameters, trainer, digit buffer). Stop a run first. */
  dispose(): void {
    if (this.running) throw new Error('training session: stop the run before disposing of it');
    if (this.disposed) return;
    this.disposed = true;
    this.pacer.destroy();
    this.trainer.destroy();
    this.model.destroy();
  }

  /** Resolves with how the run ended, or null when none was going or it failed (run() reports the failure). */
  private async end(reason: 'paused' | 'stopped', save: boolean): Promise<RunEnd | null> {
    if (!this.running) return null;
    this.request ??= { reason, save };
    this.abort.abort();
    return this.running.catch(() => null);
  }

  private async loop(plan: RunPlan, hooks: SessionHooks): Promise<RunEnd> {
    this.timing = { steps: 0, seconds: 0, since: performance.now() };
    const inFlight: Promise<void>[] = [];
    // Grids, checkpoints and profiled steps are not training time: the rate leaves them out.
    const untimed = async (f: () => Promise<unknown>) => {
      this.stopClock();
      await f();
      this.timing.since = performance.now();
    };
    // Anything but a training step first waits for the steps in flight (a no-op where none are).
    const drained = () => this.pacer.drain(this.abort.signal);
    try {
      while (this.step < plan.steps && !this.request) {
        if (this.pending) await drained().then(() => this.poll(hooks)); // the old trainer's ring goes with it
        this.applyPending();
        if (this.profileRequested) await untimed(() => drained().then(() => this.profiledStep(hooks)));
        else {
          this.trainer.encodeStep();
          if (this.gpu.waitSpinsCpu) await this.pacer.step(this.gpu, this.abort.signal);
          else {
            inFlight.push(this.gpu.device.queue.onSubmittedWorkDone());
            while (inFlight.length >= (plan.inFlight ?? 1)) await inFlight.shift();
          }
          this.timing.steps++;
        }
        const s = this.step;
        if (s % plan.lossEvery === 0) await drained().then(() => this.poll(hooks));
        if (plan.sampleEvery && s % plan.sampleEvery === 0 && s < plan.steps) await untimed(async () => { await drained(); await hooks.onSample?.(s, this.abort.signal); });
        if (plan.checkpointEvery && s % plan.checkpointEvery === 0 && s < plan.steps) await untimed(() => drained().then(() => this.save(hooks, 'periodic')));
        await hooks.yieldToHost();
      }
    } finally {
      // Not the abort signal: the steps in flight end before anything reads, also when a step threw (a
      // later run() must not find a stale fence in flight).
      await this.pacer.drain().catch(() => {});
    }
    this.stopClock();
    await Promise.all(inFlight);
    // A pause or stop that came while the last step ran does not turn a finished run into an interrupted one.
    const req = this.step >= plan.steps ? null : (this.request as { reason: 'paused' | 'stopped'; save: boolean } | null);
    if (!req) {
      // The end of the run: the last grid and checkpoint, whatever the periods.
      if (plan.sampleEvery) await this.poll(hooks).then(() => hooks.onSample?.(this.step, this.abort.signal));
      await this.save(hooks, 'end');
      return { reason: 'done', step: this.step };
    }
    if (req.save) await this.save(hooks, req.reason === 'paused' ? 'pause' : 'stop');
    else await this.poll(hooks);
    return { reason: req.reason, step: this.step };
  }

  private async profiledStep(hooks: SessionHooks): Promise<void> {
    this.profileRequested = false;
    await this.gpu.sync(); // the steps before it must not land in its timings
    this.gpu.resetKernelTimes();
    this.gpu.profile = true;
    try {
      this.trainer.encodeStep();
    } finally {
      this.gpu.profile = false;
    }
    hooks.onProfile?.(this.step, await this.gpu.kernelTimes());
  }

  private stopClock(): void {
    if (this.timing.since !== null) this.timing.seconds += (performance.now() - this.timing.since) / 1000;
    this.timing.since = null;
  }

  /** Reads the losses since the last poll; a non-finite one stops the run (nothing is saved after it). */
  private async poll(hooks: SessionHooks): Promise<void> {
    const losses = await this.trainer.readLosses();
    if (!losses.length) return;
    const bad = losses.findIndex((l) => !Number.isFinite(l));
    if (bad >= 0) throw new LossNotFinite(this.step - losses.length + bad + 1, losses[bad], this.lastGood);
    hooks.onLosses?.(this.step, losses);
  }

  private async save(hooks: SessionHooks, why: SaveReason): Promise<void> {
    await this.poll(hooks); // never save a model whose latest losses were not checked
    if (!hooks.saveCheckpoint) return;
    const where = await hooks.saveCheckpoint(this.step, await this.checkpoint(), why);
    if (where !== null) this.lastGood = { step: this.step, where };
  }

  private applyPending(): void {
    if (!this.pending) return;
    const cfg = { ...this.trainer.cfg, ...this.pending };
    this.pending = null;
    if (JSON.stringify(cfg) === JSON.stringify(this.trainer.cfg)) return;
    // Build the new trainer before freeing the old: if it throws (a bad batch, out of memory) the run keeps a
    // working trainer instead of one whose buffers are back in the pool.
    const next = new Trainer(this.gpu, this.model, this.data, cfg, this.trainer.step);
    const oldBatch = this.trainer.cfg.batch;
    this.trainer.destroy();
    this.trainer = next;
    this.pacer.reset(); // another batch size or model: measure again
    // The old batch size's training pass (activations and gradients) would otherwise stay cached.
    if (oldBatch !== cfg.batch) this.model.releasePass(oldBatch, true);
  }
}

function checkPlan(p: RunPlan): void {
  for (const k of ['steps', 'lossEvery'] as const) if (!Number.isInteger(p[k]) || p[k] < 1) throw new Error(`training session: ${k} must be a positive integer, got ${p[k]}`);
  for (const k of ['sampleEvery', 'checkpointEvery'] as const) if (!Number.isInteger(p[k]) || p[k] < 0) throw new Error(`training session: ${k} must be a non-negative integer, got ${p[k]}`);
  if (p.lossEvery > 1024) throw new Error(`training session: lossEvery must be at most 1024 (the loss ring), got ${p.lossEvery}`);
  if (p.inFlight !== undefined && (!Number.isInteger(p.inFlight) || p.inFlight < 1)) throw new Error(`training session: inFlight must be a positive integer, got ${p.inFlight}`);
}

/** Fills the model's weights as `start` says; returns the step the run goes on from. */
function initWeights(gpu: Gpu, model: UNet, start: SessionStart): number {
  if (start.kind === 'fresh') {
    model.params.initialize(start.initSeed);
    return 0;
  }
  const meta: CheckpointMeta = loadCheckpoint(model, start.bytes);
  if (start.kind === 'resume') return meta.step;
  // Start from the EMA weights (the better set) with fresh AdamW moments.
  const ps = model.params;
  gpu.copy(ps.flat('ema'), ps.flat('params'));
  gpu.write(ps.flat('m'), new Float32Array(ps.total));
  gpu.write(ps.flat('v'), new Float32Array(ps.total));
  return 0;
}
