// The Sketch panel: what its Run button does with the pad. Without a mask, image-to-image (SDEdit): the
// sketch noised to the level the strength picks and denoised into a digit of the chosen class. With a mask,
// inpainting: the red part regenerated, the rest of the sketch kept exactly. Eight samples from the same
// input in one batch, and the film of the first. Bad input (no model, an empty mask in mask mode, a
// strength that runs no step) is a one-line error before any GPU work.
import type { TrainingSession } from '../src/train/session.ts';
import type { SampleOptions } from '../src/diffusion/sampler.ts';
import { strengthStart } from '../src/diffusion/plan.ts';
import { resizeSquare } from '../src/data/resize.ts';
import { $, readNumber, setText, val } from './dom.ts';
import { drawGrid } from './draw.ts';
import { FilmRecorder } from './film.ts';
import { classIndex, type SampleRequest } from './samples.ts';
import { SketchPad } from './sketch.ts';
import { readGreyImage } from './image-file.ts';

const SKETCH_SAMPLES = 8;

export type SketchTask = 'image-to-image' | 'inpainting';

/** The last run's input and output, for the page's probe (tests read them back). */
export interface SketchRun {
  task: SketchTask;
  /** The pad's sketch as it was run, size×size in [0, 1]. */
  sketch: number[];
  /** The mask as it was run (1 = regenerate), or null for image-to-image. */
  mask: number[] | null;
  /** n samples of [C, S, S] in [−1, 1], the sampler's output. */
  samples: number[];
  n: number;
  size: number;
}

export class SketchPanel {
  readonly pad = new SketchPad($<HTMLCanvasElement>('sketchPad'));
  private last: SketchRun | null = null;

  constructor() {
    this.pad.onChange = () => this.showPlan();
    this.showPlan();
  }

  get lastRun(): SketchRun | null {
    return this.last;
  }

  /** What Run will do with the pad as it is now, said under it. */
  showPlan(): void {
    const p = this.pad;
    setText('sketchPlan', !p.maskIsEmpty
      ? 'Run: inpainting — the red part is regenerated, the rest of the sketch kept as it is.'
      : p.layer === 'mask'
        ? 'Mask mode: paint over the part to regenerate (it turns red).'
        : 'Run: image-to-image — the sketch becomes a digit of the chosen class.');
  }

  /** Runs image-to-image or inpainting on the pad; returns a status line. */
  async run(session: TrainingSession, r: SampleRequest): Promise<string> {
    const p = this.pad;
    const task: SketchTask = p.maskIsEmpty ? 'image-to-image' : 'inpainting';
    if (p.layer === 'mask' && p.maskIsEmpty) throw new Error('the mask is empty: paint over the part to regenerate, or switch to "sketch" to run image-to-image');
    if (task === 'image-to-image' && p.sketchIsEmpty) throw new Error('the sketch is empty: draw a digit or upload an image first');
    const strength = readNumber('sketchStrength', 'strength', (n) => n >= 0.05 && n <= 1, 'a number from 0.05 to 1');
    const cfg = session.model.config;
    const steps = Math.min(r.steps, session.schedule.T);
    const runs = steps - strengthStart(steps, strength);
    if (runs === 0) throw new Error(`strength ${strength} of ${steps} steps is no step at all: raise the strength or the steps`);
    const sketch = Float32Array.from(p.sketch);
    const mask = task === 'inpainting' ? Float32Array.from(p.mask) : null;
    const film = new FilmRecorder(runs, cfg.imageSize, cfg.inChannels);
    const samples = await session.sample({
      n: SKETCH_SAMPLES, sampler: r.sampler, steps, eta: r.eta, seed: r.seed, guidance: r.guidance, guidanceInterval: r.guidanceInterval,
      classLabel: session.model.conditional ? classIndex(val('sketchClass'), cfg.classes) : null,
      init: modelInit(sketch, mask, p.size, cfg.inChannels, cfg.imageSize, strength),
      onStep: film.onStep,
    });
    this.last = { task, sketch: [...sketch], mask: mask && [...mask], samples: [...samples], n: SKETCH_SAMPLES, size: cfg.imageSize };
    drawGrid($<HTMLCanvasElement>('sketchGrid'), samples, SKETCH_SAMPLES, cfg.imageSize, { cols: 4, scale: 3, channels: cfg.inChannels });
    $('sketchFilm').hidden = !film.draw($<HTMLCanvasElement>('sketchFilm'));
    $('sketchHint').hidden = true;
    return `${task}: ${SKETCH_SAMPLES} samples with ${r.sampler}, ${runs} of ${steps} steps (strength ${strength})`;
  }

  /** An uploaded image becomes the sketch (the mask is cleared); returns a status line. */
  async upload(file: File): Promise<string> {
    const { grey, inverted } = await readGreyImage(file, this.pad.size);
    this.pad.setImage(grey);
    return `${file.name} is the sketch now${inverted ? ' (inverted: dark strokes on a light ground became light on dark, as in MNIST)' : ''}`;
  }
}

/**
 * The sampler's init for the pad: every sample starts from the same image, grey repeated over the model's
 * channels and resized when the model is not 28×28 (the mask then re-thresholded, so pixels stay kept or not).
 */
function modelInit(sketch: Float32Array, mask: Float32Array | null, padSize: number, channels: number, size: number, strength: number): SampleOptions['init'] {
  const fit = (plane: Float32Array) => (padSize === size ? plane : resizeSquare(plane, 1, padSize, size));
  const perImage = (plane: Float32Array) => {
    const one = new Float32Array(channels * size * size);
    for (let c = 0; c < channels; c++) one.set(plane, c * size * size);
    return repeat(one, SKETCH_SAMPLES);
  };
  const images = perImage(fit(sketch));
  if (!mask) return { images, strength };
  return { images, strength, mask: perImage(fit(mask).map((v) => (v >= 0.5 ? 1 : 0))) };
}

function repeat(one: Float32Array, n: number): Float32Array {
  const out = new Float32Array(one.length * n);
  for (let i = 0; i < n; i++) out.set(one, i * one.length);
  return out;
}
