// The page's loss history stays bounded: older points are averaged in pairs, recent ones kept as they are.
import { describe, expect, it } from 'vitest';
import { MAX_POINTS, thin } from '../web/loss-history.ts';

describe('loss history thinning', () => {
  it('leaves a history within the bound untouched', () => {
    expect(thin([1, 2, 3], [0.5, 0.4, 0.3], 10)).toEqual([[1, 2, 3], [0.5, 0.4, 0.3]]);
  });

  it('averages the older half in pairs and keeps the recent half until it fits', () => {
    const steps = Array.from({ length: 12 }, (_, i) => i + 1);
    const losses = steps.map((s) => s * 10);
    const [s, l] = thin(steps, losses, 10);
    expect(s.length).toBeLessThanOrEqual(10);
    expect(s.slice(-6)).toEqual([7, 8, 9, 10, 11, 12]); // the recent half as it was
    expect(l.slice(-6)).toEqual([70, 80, 90, 100, 110, 120]);
    expect(s.slice(0, 3)).toEqual([2, 4, 6]); // each pair keeps its later step …
    expect(l.slice(0, 3)).toEqual([15, 35, 55]); // … and the mean of its two losses
    for (let i = 1; i < s.length; i++) expect(s[i]).toBeGreaterThan(s[i - 1]);
  });

  it('holds a very long run to MAX_POINTS with the last step last', () => {
    const n = 50_000;
    const [s, l] = thin(Array.from({ length: n }, (_, i) => i), Array.from({ length: n }, () => 1));
    expect(s.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(s.at(-1)).toBe(n - 1);
    expect(l.every((v) => v === 1)).toBe(true);
  });
});
