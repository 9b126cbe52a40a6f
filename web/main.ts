// The in-browser trainer: the same engine as the Node CLI (UNet, Trainer, samplers, safetensors
// checkpoints) on navigator.gpu. Training runs a few steps per animation frame so the page stays responsive;
// the loss is read back every few steps only.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { createBrowserGpu, webgpuProblem } from '../src/platform/browser.ts';
import type { Gpu } from '../src/runtime/gpu.ts';
import { adapterLine } from '../src/runtime/device.ts';
import { autotune, type TuneCache } from '../src/tune/autotune.ts';
import { UNet } from '../src/model/unet.ts';
import { PRESETS, type UNetConfig } from '../src/model/config.ts';
import { Trainer } from '../src/train/trainer.ts';
import { NoiseSchedule, type PredictionType, type ScheduleConfig } from '../src/diffusion/schedule.ts';
import { DEFAULT_SAMPLING, sample } from '../src/diffusion/sampler.ts';
import { checkpointBytes, loadCheckpoint, readCheckpointMeta } from '../src/io/checkpoint.ts';
import { decodeMnistBinary } from '../src/data/mnist-binary.ts';
import { sampleDigits, splitDigits } from '../src/data/split.ts';
import type { Digits } from '../src/data/mnist-node.ts';
import { Classifier, classifierBytes, loadClassifier } from '../src/model/classifier.ts';
import { CLASSIFIER_TRAIN, trainClassifier } from '../src/train/classifier-trainer.ts';
import { evaluateQuality, formatReport } from '../src/eval/evaluate.ts';

const $ = <T extends HTMLElement = HTMLInputElement>(id: string) => document.getElementById(id) as T;
const val = (id: string) => $(id).value;
const numVal = (id: string) => Number(val(id));

const LOSS_EVERY = 5;

interface Session {
  model: UNet;
  trainer: Trainer;
  schedule: NoiseSchedule;
  schedCfg: ScheduleConfig;
  trainCfg: Record<string, unknown>;
}

let gpu: Gpu;
let digits: Digits;
let heldOut: Digits;
let classifier: Classifier | null = null;
let classifierAccuracy = 0;
let session: Session | null = null;
let running = false;
let losses: [number[], number[]] = [[], []];
let chart: uPlot | null = null;
let lastGridStep = -1;
let busy = false; // sampling or checkpoint I/O in progress

function showError(msg: string): void {
  const e = $('error');
  e.textContent = msg;
  e.hidden = false;
}

function status(msg: string): void {
  $('status').textContent = msg;
}

function setState(s: string): void {
  $('state').textContent = s;
  ($('start') as HTMLButtonElement).disabled = s === 'training';
  ($('pause') as HTMLButtonElement).disabled = s !== 'training';
}

function currentConfig(): { config: UNetConfig; schedCfg: ScheduleConfig } {
  const config = { ...PRESETS[val('preset')] };
  if (!($('conditional') as HTMLInputElement).checked) config.classes = 0;
  const schedCfg: ScheduleConfig = {
    numTrainTimesteps: 1000, betaSchedule: val('schedule') as ScheduleConfig['betaSchedule'], betaStart: 1e-4, betaEnd: 0.02,
    predictionType: val('prediction') as PredictionType,
  };
  return { config, schedCfg };
}

function newSession(config: UNetConfig, schedCfg: ScheduleConfig, startStep = 0, weights?: Uint8Array): Session {
  const batch = numVal('batch');
  const lr = numVal('lr');
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch must be a positive integer, got ${val('batch')}`);
  if (!(lr > 0 && lr < 1)) throw new Error(`learning rate must be in (0, 1), got ${val('lr')}`);
  const minSnr = numVal('minSnr');
  if (!(minSnr >= 0)) throw new Error(`min-SNR γ must be 0 (off) or positive, got ${val('minSnr')}`);
  const model = new UNet(gpu, config);
  if (weights) loadCheckpoint(model, weights);
  else model.params.initialize(Math.floor(Math.random() * 1e9));
  const trainCfg = { batch, lr, weightDecay: 0, emaDecay: 0.995, seed: Math.floor(Math.random() * 1e9), labelDropout: 0.1, schedule: schedCfg, minSnrGamma: minSnr || null, emaWarmup: true };
  const trainer = new Trainer(gpu, model, digits, trainCfg, startStep);
  return { model, trainer, schedule: new NoiseSchedule(schedCfg), schedCfg, trainCfg };
}

function ensureSession(): Session {
  if (!session) {
    const { config, schedCfg } = currentConfig();
    session = newSession(config, schedCfg);
    status(`${val('preset')} UNet: ${session.model.params.count.toLocaleString('en')} parameters, ${(session.model.flopsPerImage() / 1e6).toFixed(1)} MFLOP per image`);
  }
  return session;
}

function updateChart(): void {
  if (!chart) {
    chart = new uPlot(
      { width: 400, height: 180, scales: { x: { time: false }, y: { distr: 3 } }, series: [{ label: 'step' }, { label: 'loss', stroke: '#c33', width: 1 }], axes: [{}, { size: 50 }] },
      losses,
      $('chart'),
    );
  } else chart.setData(losses);
}

function drawGrid(canvas: HTMLCanvasElement, imgs: Float32Array, n: number, size: number, cols: number, scale: number): void {
  const rows = Math.ceil(n / cols);
  const gap = 2;
  canvas.width = cols * (size * scale + gap) + gap;
  canvas.height = rows * (size * scale + gap) + gap;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#282828';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const img = ctx.createImageData(size, size);
  const tmp = document.createElement('canvas');
  tmp.width = tmp.height = size;
  const tctx = tmp.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < size * size; i++) {
      const g = Math.round(Math.min(1, Math.max(0, (imgs[k * size * size + i] + 1) / 2)) * 255);
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = g;
      img.data[4 * i + 3] = 255;
    }
    tctx.putImageData(img, 0, 0);
    ctx.drawImage(tmp, gap + (k % cols) * (size * scale + gap), gap + Math.floor(k / cols) * (size * scale + gap), size * scale, size * scale);
  }
}

async function sampleGrid(steps: number, sampler: 'ddim' | 'ddpm', eta: number, seed: number, digit: string, guidance: number): Promise<void> {
  const s = ensureSession();
  const cond = s.model.conditional;
  const n = 16;
  const labels = cond ? Array.from({ length: n }, (_, i) => (digit === 'all' ? i % 10 : Number(digit))) : null;
  const imgs = await sample(gpu, s.model, s.schedule, {
    ...DEFAULT_SAMPLING, n, sampler, steps, eta, seed, classLabel: labels, guidance: cond ? guidance : undefined,
  });
  drawGrid($<HTMLCanvasElement>('gridCanvas'), imgs, n, s.model.config.imageSize, 4, 3);
  if (classifier && s.model.config.imageSize === 28 && s.model.config.inChannels === 1) await showScores(imgs, n, labels);
}

/** The `npm run eval` metrics on the grid's samples, against as many held-out digits (small N: rough). */
async function showScores(imgs: Float32Array, n: number, labels: number[] | null): Promise<void> {
  const report = await evaluateQuality(classifier!, {
    samples: Float32Array.from(imgs, (v) => (v + 1) / 2), n, requested: labels,
    reference: sampleDigits(heldOut, n, 11), floor: sampleDigits(digits, n, 12),
  });
  $('scores').textContent = formatReport(report);
}

async function denoisingFilm(steps: number, seed: number, digit: string, guidance: number): Promise<void> {
  const s = ensureSession();
  const frames = 10;
  const size = s.model.config.imageSize;
  const film = new Float32Array(frames * size * size);
  let f = 0;
  const every = Math.max(1, Math.floor(steps / (frames - 1)));
  const cond = s.model.conditional;
  await sample(gpu, s.model, s.schedule, {
    ...DEFAULT_SAMPLING, n: 1, steps, seed: seed + 1, classLabel: cond ? (digit === 'all' ? 3 : Number(digit)) : null, guidance: cond ? guidance : undefined,
    onStep: async (i, _t, x) => {
      if ((i % every === 0 || i === steps - 1) && f < frames) film.set((await x.read()).subarray(0, size * size), size * size * f++);
    },
  });
  drawGrid($<HTMLCanvasElement>('film'), film, f, size, frames, 2);
}

async function profileStep(): Promise<void> {
  if (!gpu.hasTimestamps || !session) {
    $('timingNote').textContent = 'This adapter has no timestamp-query feature: per-kernel GPU times are unavailable.';
    return;
  }
  gpu.resetKernelTimes();
  gpu.profile = true;
  session.trainer.encodeStep();
  const times = await gpu.kernelTimes();
  gpu.profile = false;
  const rows = [...times.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((a, [, v]) => a + v.ms, 0);
  $('gpums').textContent = total.toFixed(1);
  $('timing').querySelector('tbody')!.innerHTML = rows
    .map(([k, v]) => `<tr><td>${k}</td><td>${v.count}</td><td>${v.ms.toFixed(2)}</td><td>${((100 * v.ms) / total).toFixed(1)}</td></tr>`)
    .join('');
}

async function trainLoop(): Promise<void> {
  const s = ensureSession();
  running = true;
  setState('training');
  const target = numVal('target');
  let t0 = performance.now();
  let s0 = s.trainer.step;
  await profileStep();
  while (running && s.trainer.step < target) {
    // A few steps per frame, then yield so the page keeps painting and handling clicks.
    const frameStart = performance.now();
    do s.trainer.encodeStep();
    while (s.trainer.step % LOSS_EVERY !== 0 && performance.now() - frameStart < 30);
    if (s.trainer.step % LOSS_EVERY === 0) {
      const ls = await s.trainer.readLosses();
      const bad = ls.find((l) => !Number.isFinite(l));
      if (bad !== undefined) {
        running = false;
        setState('stopped');
        showError(`Training stopped: the loss became ${bad} at step ${s.trainer.step}. Lower the learning rate and press Reset.`);
        return;
      }
      ls.forEach((l, i) => {
        losses[0].push(s.trainer.step - ls.length + 1 + i);
        losses[1].push(l);
      });
      updateChart();
      const sps = (s.trainer.step - s0) / ((performance.now() - t0) / 1000);
      $('step').textContent = String(s.trainer.step);
      $('loss').textContent = ls[ls.length - 1].toFixed(4);
      $('sps').textContent = sps.toFixed(2);
      $('eta').textContent = sps > 0 ? `${Math.round((target - s.trainer.step) / sps)} s` : '—';
    }
    const every = numVal('gridEvery');
    if (s.trainer.step - lastGridStep >= every && s.trainer.step % LOSS_EVERY === 0) {
      lastGridStep = s.trainer.step;
      await sampleGrid(numVal('gridSteps'), DEFAULT_SAMPLING.sampler, DEFAULT_SAMPLING.eta, 0, 'all', DEFAULT_SAMPLING.guidance);
      await profileStep();
      t0 = performance.now();
      s0 = s.trainer.step;
    }
    await new Promise((r) => requestAnimationFrame(() => r(null)));
  }
  running = false;
  $('step').textContent = String(s.trainer.step);
  setState(s.trainer.step >= target ? 'done' : 'paused');
}

function download(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function guard(f: () => Promise<void>): () => void {
  return () => {
    if (busy) return;
    busy = true;
    f()
      .catch((e) => showError((e as Error).message))
      .finally(() => (busy = false));
  };
}

const localTuneCache: TuneCache = {
  get: (k) => localStorage.getItem(k),
  set: (k, v) => localStorage.setItem(k, v),
};

async function init(): Promise<void> {
  const problem = await webgpuProblem();
  if (problem) {
    $('adapter').textContent = 'WebGPU unavailable';
    showError(problem);
    document.querySelectorAll('button, input, select').forEach((e) => ((e as HTMLInputElement).disabled = true));
    return;
  }
  gpu = await createBrowserGpu();
  gpu.device.lost.then((info) => {
    running = false;
    setState('device lost');
    showError(`The GPU device was lost (${info.reason || 'unknown reason'}): ${info.message}. Reload the page to start again.`);
  });
  gpu.device.addEventListener('uncapturederror', (ev) => {
    const err = (ev as GPUUncapturedErrorEvent).error;
    running = false;
    showError(`${err.constructor.name === 'GPUOutOfMemoryError' ? 'Out of GPU memory' : 'WebGPU error'}: ${err.message}. Try a smaller batch or preset, then Reset.`);
  });
  const a = gpu.adapterInfo;
  $('adapter').textContent = `adapter: ${adapterLine(a)}`;
  // The sampling settings that scored best on the shipped model (docs/sampling.md).
  $('steps').value = $('gridSteps').value = String(DEFAULT_SAMPLING.steps);
  $('eta-in').value = String(DEFAULT_SAMPLING.eta);
  $('guidance').value = String(DEFAULT_SAMPLING.guidance);
  $('sampler').value = DEFAULT_SAMPLING.sampler;
  status('loading MNIST…');
  const res = await fetch('/mnist.bin');
  if (!res.ok) throw new Error(`could not load /mnist.bin (${res.status})`);
  const split = splitDigits(decodeMnistBinary(await res.arrayBuffer()));
  digits = split.train;
  heldOut = split.test;
  const clfRes = await fetch('/classifier.safetensors');
  if (clfRes.ok) {
    try {
      const loaded = loadClassifier(gpu, new Uint8Array(await clfRes.arrayBuffer()));
      classifier = loaded.classifier;
      classifierAccuracy = loaded.meta.accuracy;
      $('scores').textContent = `classifier loaded (held-out accuracy ${(100 * loaded.meta.accuracy).toFixed(1)} %); scores appear after sampling`;
    } catch (e) {
      $('scores').textContent = `classifier file refused: ${(e as Error).message}`;
    }
  }
  status('measuring kernel variants for this adapter…');
  const tune = await autotune(gpu, localTuneCache, 2, 1); // one conv shape: ready in seconds on SwiftShader
  status(`${digits.count} training digits loaded (${heldOut.count} held out); kernels: ${gpu.policy.describe()}. Press Start.`);
  setState('idle');

  $('start').onclick = () => {
    if (running || busy) return;
    $('error').hidden = true;
    trainLoop().catch((e) => {
      running = false;
      setState('error');
      showError((e as Error).message);
    });
  };
  $('pause').onclick = () => {
    running = false;
  };
  $('reset').onclick = () => {
    running = false;
    session = null;
    losses = [[], []];
    lastGridStep = -1;
    updateChart();
    $('step').textContent = '0';
    $('loss').textContent = '—';
    $('error').hidden = true;
    setState('idle');
    status('reset: the next Start begins from fresh weights with the settings above');
  };
  $('sample').onclick = guard(async () => {
    const wasRunning = running;
    running = false;
    const steps = numVal('steps');
    await sampleGrid(steps, val('sampler') as 'ddim' | 'ddpm', numVal('eta-in'), numVal('seed'), val('digit'), numVal('guidance'));
    await denoisingFilm(Math.min(steps, 50), numVal('seed'), val('digit'), numVal('guidance'));
    status(`sampled with ${val('sampler')}, ${steps} steps`);
    if (wasRunning) $('start').click();
  });
  $('train-clf').onclick = guard(async () => {
    const wasRunning = running;
    running = false;
    const clf = new Classifier(gpu);
    const t0 = performance.now();
    const r = await trainClassifier(gpu, clf, digits, heldOut, CLASSIFIER_TRAIN, (step, loss) => {
      $('scores').textContent = `training the classifier: step ${step}/${CLASSIFIER_TRAIN.steps}, loss ${loss.toFixed(4)}, ${((performance.now() - t0) / 1000).toFixed(0)} s`;
    });
    classifier = clf;
    classifierAccuracy = r.accuracy;
    $('scores').textContent = `classifier trained: held-out accuracy ${(100 * r.accuracy).toFixed(2)} % on ${heldOut.count} digits; scores appear after sampling`;
    if (wasRunning) $('start').click();
  });
  $('download-clf').onclick = guard(async () => {
    if (!classifier) throw new Error('no classifier to download: train or load one first');
    download(await classifierBytes(classifier, { accuracy: classifierAccuracy, testCount: heldOut.count, steps: CLASSIFIER_TRAIN.steps }), 'mnist-classifier.safetensors');
  });
  $('upload-clf').onchange = guard(async () => {
    const input = $('upload-clf') as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    input.value = '';
    try {
      const loaded = loadClassifier(gpu, new Uint8Array(await file.arrayBuffer()));
      classifier = loaded.classifier;
      classifierAccuracy = loaded.meta.accuracy;
      $('scores').textContent = `classifier ${file.name} loaded (held-out accuracy ${(100 * loaded.meta.accuracy).toFixed(1)} %); scores appear after sampling`;
    } catch (e) {
      showError(`Classifier refused, the current one is unchanged: ${(e as Error).message}`);
    }
  });
  $('download').onclick = guard(async () => {
    const s = ensureSession();
    const bytes = await checkpointBytes(s.model, { schedule: s.schedCfg, step: s.trainer.step, train: s.trainCfg });
    download(bytes, `ddpm-${val('preset')}-step${s.trainer.step}.safetensors`);
    status(`checkpoint of step ${s.trainer.step} downloaded (${(bytes.length / 1e6).toFixed(1)} MB)`);
  });
  $('load-pretrained').onclick = guard(async () => {
    running = false;
    const list = await fetch('/pretrained/index.json');
    const names: string[] = list.ok ? await list.json() : [];
    if (!names.length) throw new Error('no pretrained model is served with this page (pretrained/*.safetensors missing at build time)');
    const name = names[0];
    const res = await fetch(`/pretrained/${name}.safetensors`);
    if (!res.ok) throw new Error(`could not load /pretrained/${name}.safetensors (${res.status})`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const meta = readCheckpointMeta(bytes);
    adoptSession(newSession(meta.config, meta.schedule, 0, bytes), 0);
    status(`loaded the pretrained model ${name} (${meta.step} training steps); sampling… Start continues training from it`);
    await sampleGrid(DEFAULT_SAMPLING.steps, DEFAULT_SAMPLING.sampler, DEFAULT_SAMPLING.eta, numVal('seed'), 'all', DEFAULT_SAMPLING.guidance);
    status(`pretrained model ${name}: ${meta.step} training steps${meta.adapter?.kind ? ` on ${meta.adapter.kind}` : ''}; Start continues training from it (fresh optimizer)`);
  });
  $('upload').onchange = guard(async () => {
    const input = $('upload') as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    running = false;
    const bytes = new Uint8Array(await file.arrayBuffer());
    input.value = '';
    try {
      const meta = readCheckpointMeta(bytes);
      const next = newSession(meta.config, meta.schedule, meta.step, bytes);
      adoptSession(next, meta.step);
      status(`loaded ${file.name}: step ${meta.step}, ${next.model.params.count.toLocaleString('en')} parameters`);
    } catch (e) {
      showError(`Upload refused, the current model is unchanged: ${(e as Error).message}`);
    }
  });
}

/** Makes `next` the current session (loaded from a file): fresh chart, paused. */
function adoptSession(next: Session, step: number): void {
  session = next;
  // A loaded model fixes its schedule and what it predicts: show them.
  ($('schedule') as HTMLSelectElement).value = next.schedCfg.betaSchedule;
  ($('prediction') as HTMLSelectElement).value = next.schedCfg.predictionType ?? 'epsilon';
  losses = [[], []];
  lastGridStep = -1;
  updateChart();
  $('step').textContent = String(step);
  $('error').hidden = true;
  setState('paused');
}

init().catch((e) => showError(`Could not start: ${(e as Error).message}`));
