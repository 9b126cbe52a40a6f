// Bounding the page's loss history: a long run keeps its recent losses at full resolution and the older
// ones thinned, so redrawing (smoothing, percentile range) and saving stay cheap.

/** Points kept: past this the older history is thinned (pairs averaged), so a long run's redraw stays cheap. */
export const MAX_POINTS = 4000;

/**
 * Halves the older half of a history (pairs averaged, the later step kept) until it fits `max` points: the
 * recent losses stay at full resolution, the shape of the whole curve stays visible.
 */
export function thin(steps: number[], losses: number[], max = MAX_POINTS): [number[], number[]] {
  if (max < 4) throw new Error(`loss history: max must be at least 4 points, got ${max}`);
  while (steps.length > max) {
    const half = Math.floor(steps.length / 2) & ~1;
    const s: number[] = [];
    const l: number[] = [];
    for (let i = 0; i < half; i += 2) {
      s.push(steps[i + 1]);
      l.push((losses[i] + losses[i + 1]) / 2);
    }
    steps = [...s, ...steps.slice(half)];
    losses = [...l, ...losses.slice(half)];
  }
  return [steps, losses];
}
