// The Training panel: one TrainingSession at a time, started, paused, reset or replaced by an upload, a
// shipped model or the autosave; its loss chart and stats; autosave to IndexedDB every N steps, on pause
// and at the end. Replacing a session disposes of the old one (every GPU buffer), and a replacement that
// fails (a refused file) leaves the old one as it was. The set a new model trains on (MNIST or the user's
// images) is chosen here too; a running session keeps its own until Reset (web/training-set.ts).
import type { Gpu, KernelTime } from '../src/runtime/gpu.ts';
import { TrainingSession, type RunPlan, type SessionHooks, type SessionStart } from '../src/train/session.ts';
import { savedTrainConfig } from '../src/train/settings.ts';
import { readCheckpointMeta } from '../src/io/checkpoint.ts';
import { $, positiveInt, readNumber, setStatus, setText, showError, yieldToHost } from './dom.ts';
import { controlsNeedingReset, liveFromControls, modelFromControls, presetOf, showSettings, trainFromControls } from './controls.ts';
import { LossChart } from './chart.ts';
import { formatDuration, formatNumber } from './format.ts';
import { saveRun } from './store.ts';
import { configForSet, describeSet, setForCheckpoint, type TrainingSet } from './training-set.ts';

export interface TrainingDeps {
  gpu(): Gpu;
  /** The MNIST training digits: the default set, and the one MNIST checkpoints train on. */
  mnist: TrainingSet;
  /** A new session became the current one (its classes go to the class selects). */
  onSession(session: TrainingSession): void;
  /** Draws the periodic grid (the Samples panel). */
  onSample(session: TrainingSession, step: number, signal: AbortSignal): Promise<void>;
  /** A profiled step's kernel times; null when a new session has none yet (the old table goes). */
  onProfile(times: Map<string, KernelTime> | null): void;
  /** True once the device of `gpu` is lost: errors of a run on it are the loss, not news. */
  lost(gpu: Gpu): boolean;
}

export type RunState = 'idle' | 'training' | 'pausing' | 'paused' | 'done' | 'stopped' | 'device lost';

/** Where a new session's weights come from, as the user sees it. */
export interface Adoption {
  bytes: Uint8Array;
  /** 'resume': the run goes on (its settings, its step); 'weights': a new run from these weights at step 0. */
  kind: 'resume' | 'weights';
  losses?: [number[], number[]];
  target?: number;
  /** The run this continues (its autosaves keep the id); absent: a new run. */
  runId?: string;
  /** The set it trains on; absent: as the checkpoint's record says (web/training-set.ts). */
  set?: TrainingSet;
}

const newRunId = () => Math.random().toString(36).slice(2, 10);

export class TrainingPanel {
  private session: TrainingSession | null = null;
  private run: Promise<unknown> | null = null;
  private readonly chart = new LossChart($('chart'), $('chartHint'));
  // The loss is read every 4 steps (one small GPU→CPU read; a GPU runs steps far faster than it round-trips).
  private readonly plan: RunPlan = { steps: 5000, lossEvery: 4, sampleEvery: 200, checkpointEvery: 100, inFlight: 1 };
  private preset = 'tiny';
  /** The autosave slot holds one run; a lost device restores it only into the run that wrote it. */
  private runId = '';
  private gpuMs: number | null = null;
  /** The set a new model trains on, and the set the current session trains on. */
  private chosen: TrainingSet;
  private sessionSet: TrainingSet | null = null;

  constructor(private readonly deps: TrainingDeps) {
    this.chosen = deps.mnist;
  }

  get current(): TrainingSession | null {
    return this.session;
  }
  get isRunning(): boolean {
    return this.run !== null;
  }
  get currentRunId(): string | null {
    return this.session ? this.runId : null;
  }
  /** The set the current (or, after a lost device, the last) session trains on. */
  get trainingSet(): TrainingSet | null {
    return this.sessionSet;
  }
  get chosenSet(): TrainingSet {
    return this.chosen;
  }
  get mnistSet(): TrainingSet {
    return this.deps.mnist;
  }

  /** The set the next new model trains on; a session in progress keeps its own (the note says: until Reset). */
  useSet(set: TrainingSet): void {
    this.chosen = set;
    this.updateResetNote();
  }

  /** Starts (or continues) training towards the target; a new session from the controls when there is none. */
  start(): void {
    if (this.run) return;
    this.readPlan();
    const s = (this.session ??= this.fresh());
    if (s.step >= this.plan.steps) throw new Error(`the run is at step ${s.step}, the target is ${this.plan.steps}: raise target steps to go on`);
    s.profileNextStep();
    this.setState('training');
    this.run = s
      .run(this.plan, this.hooks(s))
      .then((end) => this.setState(end.reason === 'done' ? 'done' : 'paused'))
      .catch(async (e) => {
        // An error from a device that is going away is the loss itself (its promise may settle a moment
        // later): the page's device-loss handler takes it from there.
        await Promise.race([s.gpu.device.lost, new Promise((r) => setTimeout(r, 1000))]);
        if (this.deps.lost(s.gpu)) return;
        this.setState('stopped');
        showError(`Training stopped: ${(e as Error).message}`);
      })
      .finally(() => {
        this.run = null;
        this.showStats();
      });
  }

  /** Pauses after the step in hand and autosaves (unless told not to); resolves when it has. */
  async pause(opts: { save?: boolean } = {}): Promise<void> {
    if (!this.session || !this.run) return;
    this.setState('pausing');
    await this.session.pause(opts);
    await this.run;
  }

  /** Forgets the run: stops it (no save), returns every GPU buffer, clears chart and stats. */
  async reset(): Promise<void> {
    await this.drop();
    this.chart.set();
    this.forgetProfile();
    setText('saved', '—');
    this.setState('idle');
    this.showStats();
    this.updateResetNote();
  }

  /**
   * Makes a checkpoint the session: validated and built first, so a refused file leaves the current run
   * untouched; then the old session is stopped and disposed of.
   */
  async adopt(a: Adoption): Promise<TrainingSession> {
    const meta = readCheckpointMeta(a.bytes);
    const full = a.kind === 'resume' && meta.contents !== 'model';
    const train = full ? savedTrainConfig(meta) : trainFromControls(meta.schedule);
    const start: SessionStart = full ? { kind: 'resume', bytes: a.bytes } : { kind: 'weights', bytes: a.bytes };
    const data = a.set ?? setForCheckpoint(meta, this.deps.mnist, this.chosen);
    const next = new TrainingSession(this.deps.gpu(), data.set, { config: meta.config, train, start, dataset: data.record });
    await this.drop();
    this.session = next;
    this.sessionSet = data;
    this.deps.onSession(next);
    this.runId = a.runId ?? newRunId();
    setText('saved', '—');
    this.preset = presetOf(meta.config);
    showSettings(meta.config, train);
    if (a.target && a.target > next.step) $('target').value = String(a.target);
    this.chart.set(...(a.losses ?? [[], []]));
    this.forgetProfile();
    this.setState('paused');
    this.showStats();
    this.updateResetNote();
    return next;
  }

  /** After a lost device: forget the session without touching the GPU it lived on. */
  async abandon(): Promise<void> {
    const s = this.session;
    if (!s) return;
    void s.stop({ save: false });
    // The run ends with an error on the dead device; give it a moment, then let go either way.
    await Promise.race([this.run, new Promise((r) => setTimeout(r, 2000))]);
    this.run = null;
    if (!s.isRunning) s.dispose();
    this.session = null;
  }

  /** Batch, learning rate and min-SNR go to the running trainer at its next step; model controls wait for Reset. */
  controlsChanged(): void {
    const s = this.session;
    if (s) {
      const live = liveFromControls();
      const was = s.settings;
      const changed = [
        live.batch !== was.batch && `batch ${live.batch}`,
        live.lr !== was.lr && `learning rate ${live.lr}`,
        live.minSnrGamma !== (was.minSnrGamma ?? null) && `min-SNR γ ${live.minSnrGamma ?? 0}`,
      ].filter(Boolean);
      if (changed.length) {
        s.update(live);
        setStatus(`${changed.join(', ')} ${this.run ? 'from the next step' : 'from the next Resume'} (step ${s.step + 1})`);
      }
    }
    this.readPlan();
    this.updateResetNote();
  }

  get lossHistory(): [number[], number[]] {
    return this.chart.history();
  }

  /** A new model from the controls, made for the chosen set: its channels, and its classes when conditional. */
  private fresh(): TrainingSession {
    const { preset, config: presetConfig, schedule } = modelFromControls();
    const data = this.chosen;
    if (data.set.size !== presetConfig.imageSize) {
      throw new Error(`the images of ${data.set.name} were read at ${data.set.size}×${data.set.size} but preset ${preset} takes ${presetConfig.imageSize}×${presetConfig.imageSize}: choose them again`);
    }
    const config = configForSet(presetConfig, data.set, presetConfig.classes > 0);
    const start: SessionStart = { kind: 'fresh', initSeed: Math.floor(Math.random() * 2 ** 31) };
    const s = new TrainingSession(this.deps.gpu(), data.set, { config, train: trainFromControls(schedule), start, dataset: data.record });
    this.preset = preset;
    this.runId = newRunId();
    this.sessionSet = data;
    this.deps.onSession(s);
    setText('saved', '—');
    const unlabelled = presetConfig.classes > 0 && !config.classes ? ' (unconditional: the images have no class folders)' : '';
    setStatus(`${preset} UNet: ${s.model.params.count.toLocaleString('en')} parameters, ${(s.model.flopsPerImage() / 1e6).toFixed(1)} MFLOP per image; training on ${describeSet(data.set)}${unlabelled}`);
    return s;
  }

  private async drop(): Promise<void> {
    const s = this.session;
    if (!s) return;
    await s.stop({ save: false });
    await this.run;
    s.dispose();
    this.session = null;
  }

  private forgetProfile(): void {
    this.gpuMs = null;
    this.deps.onProfile(null);
  }

  private readPlan(): void {
    this.plan.steps = readNumber('target', 'target steps', positiveInt, 'a positive integer');
    this.plan.sampleEvery = readNumber('gridEvery', 'grid every', positiveInt, 'a positive integer');
    this.plan.checkpointEvery = readNumber('autosaveEvery', 'autosave every', positiveInt, 'a positive integer');
  }

  private hooks(s: TrainingSession): SessionHooks {
    return {
      onLosses: (step, losses) => {
        this.chart.add(step, losses);
        this.showStats();
      },
      onSample: (step, signal) => this.deps.onSample(s, step, signal),
      onProfile: (_step, times) => {
        this.gpuMs = [...times.values()].reduce((a, t) => a + t.ms, 0);
        this.deps.onProfile(times);
      },
      // A full or unavailable browser storage is said on the page; training goes on without the autosave.
      saveCheckpoint: async (step, bytes) => {
        try {
          await saveRun({ runId: this.runId, bytes, step, target: this.plan.steps, savedAt: Date.now(), losses: this.chart.history(), preset: this.preset });
        } catch (e) {
          setText('saved', `not saved at step ${step}: ${(e as Error).message}`);
          console.warn(`autosave failed at step ${step}:`, e);
          return null;
        }
        setText('saved', `step ${step}, ${new Date().toLocaleTimeString()}`);
        return "this browser's autosave";
      },
      // The loss arrives every few steps; the step count, rate and ETA follow every step.
      yieldToHost: () => {
        this.showStats();
        return yieldToHost();
      },
    };
  }

  setState(state: RunState): void {
    setText('state', state);
    ($('start') as HTMLButtonElement).disabled = state === 'training' || state === 'pausing';
    ($('pause') as HTMLButtonElement).disabled = state !== 'training';
    $('start').textContent = this.session && this.session.step > 0 ? 'Resume' : 'Start';
  }

  /** Step, smoothed loss, rates and ETA, from the session as it is now (also after a pause or an upload). */
  showStats(): void {
    const s = this.session;
    const rate = s?.rate;
    const loss = this.chart.latest();
    setText('step', String(s?.step ?? 0));
    setText('loss', loss === null ? '—' : formatNumber(loss, 4));
    setText('sps', rate?.stepsPerSecond ? formatNumber(rate.stepsPerSecond) : '—');
    setText('wallms', rate?.msPerStep ? formatNumber(rate.msPerStep) : '—');
    setText('gpums', this.gpuMs !== null ? formatNumber(this.gpuMs) : '—');
    const left = s ? this.plan.steps - s.step : 0;
    setText('eta', this.run && rate?.stepsPerSecond ? formatDuration(left / rate.stepsPerSecond) : '—');
  }

  private updateResetNote(): void {
    const s = this.session;
    const pending = s ? controlsNeedingReset(s.model.config, s.settings.schedule, this.chosen.set.classNames.length) : [];
    if (s && this.sessionSet !== this.chosen) pending.push(`training set ${this.chosen.set.name}`);
    const note = $('resetNote');
    note.hidden = pending.length === 0;
    note.textContent = `${pending.join(', ')}: takes effect at Reset (a new model); the run in progress keeps its own.`;
  }
}
