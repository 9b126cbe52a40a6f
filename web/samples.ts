// The Samples panel: the grid drawn during training and on demand (class labels on the cells, grey or RGB),
// the denoising film (t on every frame), and the sample-quality scores of `npm run eval` when a classifier is
// at hand (served with the page, uploaded, or trained here) and the model trains on MNIST (the scores compare
// with MNIST digits). The classifier is kept as bytes too, so a lost device can have it back on the new one.
// The class selects (here and in the sketch panel) list the model's classes.
import type { Gpu } from '../src/runtime/gpu.ts';
import type { Digits } from '../src/data/mnist-node.ts';
import type { TrainingSession } from '../src/train/session.ts';
import { sampleDigits } from '../src/data/split.ts';
import { Classifier, classifierBytes, loadClassifier } from '../src/model/classifier.ts';
import { CLASSIFIER_TRAIN, trainClassifier } from '../src/train/classifier-trainer.ts';
import { evaluateQuality, formatReport } from '../src/eval/evaluate.ts';
import { DEFAULT_SAMPLING, parseGuidanceInterval } from '../src/diffusion/sampler.ts';
import type { SamplerName } from '../src/diffusion/plan.ts';
import { $, positiveInt, readNumber, setText, val } from './dom.ts';
import { drawGrid } from './draw.ts';
import { FilmRecorder } from './film.ts';

const GRID_N = 16;

export interface SampleRequest {
  sampler: SamplerName;
  steps: number;
  eta: number;
  seed: number;
  /** 'all': the classes in turn (digits 0–9 for MNIST); else one class index for every cell. */
  digit: string;
  guidance: number;
  /** Guide only at noise levels σ in (lo, hi]; null = every step. */
  guidanceInterval: [number, number] | null;
}

/** The panel's own controls, validated. */
export function requestFromControls(): SampleRequest {
  return {
    sampler: val('sampler') as SamplerName,
    steps: readNumber('steps', 'sampler steps', (n) => positiveInt(n) && n <= 1000, 'an integer from 1 to 1000'),
    eta: readNumber('eta-in', 'η', (n) => n >= 0 && n <= 10, 'a number from 0 to 10'),
    seed: readNumber('seed', 'seed', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
    digit: val('digit'),
    guidance: readNumber('guidance', 'guidance', (n) => n >= 0 && n <= 100, 'a number from 0 to 100'),
    guidanceInterval: readInterval(),
  };
}

/** The "guide at σ" field: "lo,hi" or "all". */
function readInterval(): [number, number] | null {
  try {
    return parseGuidanceInterval(val('guidanceInterval'));
  } catch (e) {
    throw new Error(`guide at σ: ${(e as Error).message}`);
  }
}

/** The grid drawn during training: the sampling defaults, the grid's DDIM steps, a fixed seed. */
export function trainingGridRequest(): SampleRequest {
  const steps = readNumber('gridSteps', 'grid DDIM steps', (n) => positiveInt(n) && n <= 1000, 'an integer from 1 to 1000');
  return { ...DEFAULT_SAMPLING, steps, seed: 0, digit: 'all' };
}

class GridAbandoned extends Error {}

/** A class select's value as a class index, checked against the model's classes (a stale select could name more). */
export function classIndex(value: string, classes: number): number {
  const k = Number(value);
  if (!(value !== '' && Number.isInteger(k) && k >= 0 && k < classes)) throw new Error(`class ${value} is not one of the model's ${classes} classes`);
  return k;
}

/** The model's class names: the recorded set's, else the indices (a checkpoint from before records). */
function classNames(session: TrainingSession): string[] {
  const n = session.model.config.classes;
  const recorded = session.spec.dataset?.classNames;
  return recorded?.length === n ? recorded : Array.from({ length: n }, (_, k) => String(k));
}

/** A class name short enough for a cell's corner. */
const caption = (name: string) => (name.length > 9 ? `${name.slice(0, 8)}…` : name);

/** Fills a class select with the model's classes (after "all" when asked), keeping the choice when it still exists. */
function fillClassSelect(id: string, names: string[], withAll: boolean): void {
  const sel = $<HTMLSelectElement>(id);
  const keep = sel.value;
  const digits = names.every((n, k) => n === String(k));
  const all = withAll ? [new Option(digits ? `0–${names.length - 1}` : 'all', 'all')] : [];
  sel.replaceChildren(...all, ...names.map((n, k) => new Option(n, String(k))));
  if (Array.from(sel.options).some((o) => o.value === keep)) sel.value = keep;
}

/** The Samples and Sketch panels' class selects list the session's classes (none: left as they are). */
export function showClasses(session: TrainingSession): void {
  const names = classNames(session);
  if (!names.length) return;
  fillClassSelect('digit', names, true);
  fillClassSelect('sketchClass', names, false);
}

export class SamplesPanel {
  private classifier: Classifier | null = null;
  private classifierFile: { bytes: Uint8Array; accuracy: number } | null = null;

  constructor(private readonly gpu: () => Gpu, private readonly digits: Digits, private readonly heldOut: Digits) {}

  /**
   * Draws a grid of the session's model (and scores it when a classifier is loaded). With a signal the
   * sampler goes one step at a time and gives up, drawing nothing, once it is aborted (a pause mid-grid).
   */
  async grid(session: TrainingSession, r: SampleRequest, signal?: AbortSignal): Promise<void> {
    const c = session.model.config;
    const one = session.model.conditional && r.digit !== 'all' ? classIndex(r.digit, c.classes) : null;
    const labels = session.model.conditional ? Array.from({ length: GRID_N }, (_, i) => one ?? i % c.classes) : null;
    const onStep = signal && (async () => {
      await session.gpu.device.queue.onSubmittedWorkDone();
      if (signal.aborted) throw new GridAbandoned();
    });
    let imgs: Float32Array;
    try {
      imgs = await session.sample({ n: GRID_N, sampler: r.sampler, steps: r.steps, eta: r.eta, seed: r.seed, classLabel: labels, guidance: r.guidance, guidanceInterval: r.guidanceInterval, onStep });
    } catch (e) {
      if (e instanceof GridAbandoned) return;
      throw e;
    }
    const names = classNames(session);
    drawGrid($<HTMLCanvasElement>('gridCanvas'), imgs, GRID_N, c.imageSize, { cols: 4, scale: 3, captions: labels?.map((k) => caption(names[k])), channels: c.inChannels });
    $('gridHint').hidden = true;
    const set = session.spec.dataset;
    if (set && set.kind !== 'mnist') setText('scores', `no scores: they compare samples with MNIST digits, and this model trains on ${set.name}`);
    else if (this.classifier && c.imageSize === 28 && c.inChannels === 1) await this.score(imgs, labels);
  }

  /** One sample followed from noise to image: a film of its frames, each labelled with its timestep. */
  async film(session: TrainingSession, r: SampleRequest): Promise<void> {
    const steps = Math.min(r.steps, 50);
    const c = session.model.config;
    const film = new FilmRecorder(steps, c.imageSize, c.inChannels);
    await session.sample({
      n: 1, sampler: r.sampler, steps, eta: r.eta, seed: r.seed + 1, guidance: r.guidance, guidanceInterval: r.guidanceInterval,
      classLabel: session.model.conditional ? (r.digit === 'all' ? 3 % c.classes : classIndex(r.digit, c.classes)) : null,
      onStep: film.onStep,
    });
    film.draw($<HTMLCanvasElement>('film'));
    $('filmHint').hidden = true;
  }

  /** The `npm run eval` metrics on the grid's samples, against as many held-out digits (small N: rough). */
  private async score(imgs: Float32Array, labels: number[] | null): Promise<void> {
    const report = await evaluateQuality(this.classifier!, {
      samples: Float32Array.from(imgs, (v) => (v + 1) / 2), n: GRID_N, requested: labels,
      reference: sampleDigits(this.heldOut, GRID_N, 11), floor: sampleDigits(this.digits, GRID_N, 12),
    });
    setText('scores', formatReport(report));
  }

  get hasClassifier(): boolean {
    return this.classifier !== null;
  }

  /** Loads a classifier file; a refused file leaves the current classifier in place. */
  useClassifier(bytes: Uint8Array, what: string): void {
    const loaded = loadClassifier(this.gpu(), bytes);
    this.classifier?.destroy();
    this.classifier = loaded.classifier;
    this.classifierFile = { bytes, accuracy: loaded.meta.accuracy };
    setText('scores', `${what} loaded (held-out accuracy ${(100 * loaded.meta.accuracy).toFixed(1)} %); scores appear after sampling`);
  }

  async trainClassifier(): Promise<void> {
    const clf = new Classifier(this.gpu());
    const t0 = performance.now();
    try {
      const r = await trainClassifier(this.gpu(), clf, this.digits, this.heldOut, CLASSIFIER_TRAIN, (step, loss) => {
        setText('scores', `training the classifier: step ${step}/${CLASSIFIER_TRAIN.steps}, loss ${loss.toFixed(4)}, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      });
      const bytes = await classifierBytes(clf, { accuracy: r.accuracy, testCount: this.heldOut.count, steps: CLASSIFIER_TRAIN.steps });
      this.classifier?.destroy();
      this.classifier = clf;
      this.classifierFile = { bytes, accuracy: r.accuracy };
      setText('scores', `classifier trained: held-out accuracy ${(100 * r.accuracy).toFixed(2)} % on ${this.heldOut.count} digits; scores appear after sampling`);
    } catch (e) {
      clf.destroy();
      throw e;
    }
  }

  classifierDownload(): Uint8Array {
    if (!this.classifierFile) throw new Error('no classifier to download: train or load one first');
    return this.classifierFile.bytes;
  }

  /** After a lost device: the same classifier on the new one (its old buffers went with the old device). */
  restoreClassifier(): void {
    this.classifier = null;
    if (this.classifierFile) this.useClassifier(this.classifierFile.bytes, 'classifier');
  }
}
