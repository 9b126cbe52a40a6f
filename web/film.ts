// The denoising film: a few frames of one sample taken from the sampler's onStep as it runs, each labelled
// with the noise level it sits at, then drawn as a strip. Shared by "Sample now" and the sketch panel, which
// films the first sample of its batch.
import type { Tensor } from '../src/runtime/tensor.ts';
import { drawGrid } from './draw.ts';

const FILM_FRAMES = 10;

export class FilmRecorder {
  private readonly picks: Set<number>;
  private readonly frames: Float32Array;
  private readonly taken: number[] = [];
  private readonly stepT: number[] = [];

  /**
   * `steps`: how many sampler steps will run (the frames are spread evenly over them, the last one final);
   * `channels`: the model's (1 grey, 3 RGB).
   */
  constructor(private readonly steps: number, private readonly size: number, private readonly channels = 1) {
    const count = Math.min(FILM_FRAMES, steps);
    this.picks = new Set(Array.from({ length: count }, (_, k) => Math.round((k * (steps - 1)) / Math.max(1, count - 1))));
    this.frames = new Float32Array(this.picks.size * channels * size * size);
  }

  /** The sampler's onStep: keeps sample 0 of x at the picked steps. */
  readonly onStep = async (i: number, t: number, x: Tensor): Promise<void> => {
    this.stepT[i] = t;
    const image = this.channels * this.size * this.size;
    if (!this.picks.has(i) || this.taken.length * image >= this.frames.length) return;
    this.frames.set((await x.read()).subarray(0, image), image * this.taken.length);
    this.taken.push(i);
  };

  /** Draws the frames taken; false when the sampler ran no step (nothing to show). */
  draw(canvas: HTMLCanvasElement): boolean {
    if (!this.taken.length) return false;
    // After the step at t the image sits at the next step's t (the last one at t = 0): that is its noise level.
    const ts = this.taken.map((i) => (i + 1 < this.steps && this.stepT[i + 1] !== undefined ? `t = ${this.stepT[i + 1]}` : 't = 0 (final)'));
    drawGrid(canvas, this.frames, ts.length, this.size, { cols: 5, scale: 3, captions: ts, below: true, channels: this.channels });
    return true;
  }
}
