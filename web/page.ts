// The page's GPU and its panels (training and its training set, samples, sketch): the device in use
// (replaced when it is lost, with the run resumed on the new one from its autosave and its own set), the
// guard that keeps two button actions from overlapping, and the small read-only probe the tests read from
// window.webgpuDiffusion.
import { createBrowserGpu } from '../src/platform/browser.ts';
import type { Gpu, KernelTime } from '../src/runtime/gpu.ts';
import { autotune, type TuneCache } from '../src/tune/autotune.ts';
import type { Digits } from '../src/data/mnist-node.ts';
import { $, clearError, showError } from './dom.ts';
import { TrainingPanel } from './training.ts';
import { SamplesPanel, showClasses, trainingGridRequest } from './samples.ts';
import { DatasetPanel } from './dataset-panel.ts';
import { mnistTrainingSet } from './training-set.ts';
import { loadRun } from './store.ts';
import { SketchPanel, type SketchRun } from './sketch-panel.ts';

/** What the page exposes for tests and curious users: read-only numbers, and a way to try device loss. */
export interface PageProbe {
  stats(): { pooledBytes: number; buffersCreated: number; step: number; state: string };
  /** Destroys the device as a driver reset would: the page must recover from its autosave. */
  simulateDeviceLoss(): void;
  /** The sketch pad's layers as they are now, and the last sketch run's input and output. */
  sketch(): { sketch: number[]; mask: number[]; lastRun: SketchRun | null };
}
declare global {
  interface Window {
    webgpuDiffusion?: PageProbe;
  }
}

const tuneCache: TuneCache = { get: (k) => localStorage.getItem(k), set: (k, v) => localStorage.setItem(k, v) };

export class Page {
  private gpu: Gpu;
  private readonly lost = new WeakSet<GPUDevice>();
  private busy = false;
  readonly training: TrainingPanel;
  readonly samples: SamplesPanel;
  readonly dataset: DatasetPanel;
  readonly sketch = new SketchPanel();

  constructor(gpu: Gpu, digits: Digits, heldOut: Digits) {
    this.gpu = gpu;
    this.watch(gpu);
    this.samples = new SamplesPanel(() => this.gpu, digits, heldOut);
    this.training = new TrainingPanel({
      gpu: () => this.gpu,
      mnist: mnistTrainingSet(digits),
      onSession: showClasses,
      onSample: (session, _step, signal) => this.samples.grid(session, trainingGridRequest(), signal),
      onProfile: (times) => showTimes(times),
      lost: (g) => this.lost.has(g.device),
    });
    this.dataset = new DatasetPanel(this.training);
  }

  probe(): PageProbe {
    return Object.freeze({
      stats: () => {
        const c = this.gpu.cacheStats();
        return { pooledBytes: c.pooledBytes, buffersCreated: c.buffersCreated, step: this.training.current?.step ?? 0, state: $('state').textContent ?? '' };
      },
      simulateDeviceLoss: () => this.gpu.device.destroy(),
      sketch: () => ({ sketch: [...this.sketch.pad.sketch], mask: [...this.sketch.pad.mask], lastRun: this.sketch.lastRun }),
    });
  }

  /** Runs a button's work unless another is in progress; errors go to the error line. */
  guard(f: () => Promise<void>): () => void {
    return () => {
      if (this.busy) return;
      this.busy = true;
      clearError();
      f()
        .catch((e) => showError((e as Error).message))
        .finally(() => (this.busy = false));
    };
  }

  /** Pauses training (no save) around work that needs the GPU to itself, then goes on if it was running. */
  async aside(f: () => Promise<void>): Promise<void> {
    const was = this.training.isRunning;
    await this.training.pause({ save: false });
    try {
      await f();
    } finally {
      if (was) this.training.start();
    }
  }

  private watch(gpu: Gpu): void {
    gpu.device.lost.then((info) => {
      this.lost.add(gpu.device);
      this.recover(info).catch((e) => showError(`The GPU device was lost and could not be recreated: ${(e as Error).message}. Reload the page.`));
    });
    gpu.device.addEventListener('uncapturederror', (ev) => {
      const err = (ev as GPUUncapturedErrorEvent).error;
      showError(`${err.constructor.name === 'GPUOutOfMemoryError' ? 'Out of GPU memory' : 'WebGPU error'}: ${err.message}. Try a smaller batch or preset, then Reset.`);
    });
  }

  /** A new device, the classifier back on it, and the run resumed from its last autosave. */
  private async recover(info: GPUDeviceLostInfo): Promise<void> {
    const wasRunning = this.training.isRunning;
    const runId = this.training.currentRunId;
    const set = this.training.trainingSet ?? undefined; // the run goes on with its own set, whatever is chosen now
    this.training.setState('device lost');
    const why = `The GPU device was lost (${info.reason || 'unknown reason'}${info.message ? `: ${info.message}` : ''})`;
    showError(`${why}; recreating it…`);
    await this.training.abandon();
    this.gpu = await newGpu();
    this.watch(this.gpu);
    this.samples.restoreClassifier();
    const saved = runId ? await loadRun() : null;
    if (!saved || saved.runId !== runId) {
      this.training.setState('idle');
      showError(`${why}. A new device is ready${runId ? ', but this run had no autosave yet: press Start to begin again' : ''}.`);
      return;
    }
    await this.training.adopt({ bytes: saved.bytes, kind: 'resume', losses: saved.losses, target: saved.target, runId, set });
    showError(`${why}. A new device took over from the autosave of step ${saved.step}${wasRunning ? '; training goes on' : ''}.`);
    if (wasRunning) this.training.start();
  }
}

export async function newGpu(): Promise<Gpu> {
  const gpu = await createBrowserGpu();
  await autotune(gpu, tuneCache, 2, 1, 4); // one conv shape at batch 4: ready in seconds on SwiftShader
  return gpu;
}

/** The kernels that took most of the profiled step, the rest summed in one row. */
function showTimes(times: Map<string, KernelTime> | null): void {
  const TOP = 15;
  $('timingHint').hidden = times !== null;
  if (!times) {
    $('timing').querySelector('tbody')!.innerHTML = '';
    return;
  }
  const rows = [...times.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((a, [, v]) => a + v.ms, 0);
  const row = (name: string, count: number, ms: number) => `<tr><td>${name}</td><td>${count}</td><td>${ms.toFixed(2)}</td><td>${((100 * ms) / total).toFixed(1)}</td></tr>`;
  const rest = rows.slice(TOP);
  $('timing').querySelector('tbody')!.innerHTML = [
    ...rows.slice(0, TOP).map(([k, v]) => row(k, v.count, v.ms)),
    ...(rest.length ? [row(`${rest.length} other kernels`, rest.reduce((a, [, v]) => a + v.count, 0), rest.reduce((a, [, v]) => a + v.ms, 0))] : []),
    `<tr class="total"><td>one training step</td><td>${rows.reduce((a, [, v]) => a + v.count, 0)}</td><td>${total.toFixed(2)}</td><td>100</td></tr>`,
  ].join('');
}

