// The loss chart (uPlot): every polled loss as a faint line and an exponentially smoothed one on top, axis
// titles, a linear y axis from 0 to just above the bulk of the losses (a few early spikes do not flatten the
// rest), and a hint while there is nothing to draw. The history is bounded (MAX_POINTS, older points thinned).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { MAX_POINTS, thin } from './loss-history.ts';

/** TensorBoard-style smoothing: an EMA with its start-up bias divided out, so the first points are not pulled to 0. */
export function smooth(values: readonly number[], alpha = 0.95): number[] {
  let m = 0;
  return values.map((v, i) => {
    m = alpha * m + (1 - alpha) * v;
    return m / (1 - alpha ** (i + 1));
  });
}

/** [0, a little above the 98th percentile]: spikes may leave the top, the bulk of the curve fills the height. */
export function lossRange(values: readonly number[]): [number, number] {
  if (!values.length) return [0, 1];
  const sorted = [...values].sort((a, b) => a - b);
  const p98 = sorted[Math.min(sorted.length - 1, Math.floor(0.98 * sorted.length))];
  return [0, p98 > 0 ? 1.1 * p98 : 1];
}

const AXIS = { stroke: '#333', grid: { stroke: '#e6e6e6', width: 1 }, ticks: { stroke: '#ccc', width: 1 }, font: '12px system-ui, sans-serif', labelFont: '12px system-ui, sans-serif' };

export class LossChart {
  private readonly plot: uPlot;
  private steps: number[] = [];
  private losses: number[] = [];
  private smoothed: number[] = [];

  constructor(el: HTMLElement, private readonly hint: HTMLElement) {
    this.plot = new uPlot(
      {
        width: Math.max(300, el.clientWidth),
        height: 220,
        scales: { x: { time: false, range: (_u, lo, hi) => (this.steps.length ? [lo, Math.max(hi, lo + 1)] : [0, 100]) }, y: { range: () => lossRange(this.losses) } },
        series: [
          { label: 'step' },
          { label: 'loss per step', stroke: 'rgba(204, 51, 51, 0.3)', width: 1, points: { show: false } },
          { label: 'smoothed', stroke: '#b22', width: 2, points: { show: false } },
        ],
        axes: [
          { ...AXIS, label: 'training step', labelSize: 20 },
          { ...AXIS, label: 'loss (mean squared error)', labelSize: 20, size: 50 },
        ],
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
      },
      [[], [], []],
      el,
    );
    new ResizeObserver(() => this.plot.setSize({ width: Math.max(300, el.clientWidth), height: 220 })).observe(el);
    this.redraw();
  }

  /** Adds the losses of steps last − n + 1 … last. */
  add(last: number, values: readonly number[]): void {
    values.forEach((v, i) => {
      this.steps.push(last - values.length + 1 + i);
      this.losses.push(v);
    });
    if (this.steps.length > MAX_POINTS) [this.steps, this.losses] = thin(this.steps, this.losses);
    this.redraw();
  }

  /** Replaces the history (a restored run) or clears it. */
  set(steps: number[] = [], losses: number[] = []): void {
    [this.steps, this.losses] = thin([...steps], [...losses]);
    this.redraw();
  }

  history(): [number[], number[]] {
    return [[...this.steps], [...this.losses]];
  }

  /** The smoothed loss at the last step (what the stats show), or null before any. */
  latest(): number | null {
    return this.smoothed.at(-1) ?? null;
  }

  private redraw(): void {
    this.smoothed = smooth(this.losses);
    this.plot.setData([this.steps, this.losses, this.smoothed]);
    this.hint.hidden = this.losses.length > 0;
  }
}
