// Small image files made in the tests (PNG with pngjs, JPEG with jpeg-js, IDX by hand), and folders of them,
// for the dataset loading tests and the train command's --dataset tests.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';

export type Pixel = [number, number, number, number?];

/** A w×h PNG whose pixel (x, y) is f(x, y) (RGB, alpha 255 unless given). */
export function pngBytes(w: number, h: number, f: (x: number, y: number) => Pixel): Uint8Array {
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [r, g, b, a = 255] = f(x, y);
      png.data.set([r, g, b, a], (y * w + x) * 4);
    }
  return new Uint8Array(PNG.sync.write(png));
}

/** A w×h JPEG (quality 95) of f(x, y). */
export function jpegBytes(w: number, h: number, f: (x: number, y: number) => Pixel): Uint8Array {
  const data = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [r, g, b] = f(x, y);
      data.set([r, g, b, 255], (y * w + x) * 4);
    }
  return new Uint8Array(jpeg.encode({ width: w, height: h, data }, 95).data);
}

/** An unsigned-byte IDX file of the given dimensions and data. */
export function idxBytes(dims: number[], data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, 0x08, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** A fresh temporary folder holding `files` (relative path → bytes or text). */
export function folderOf(files: Record<string, Uint8Array | string>, prefix = 'wd-data-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [rel, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), bytes);
  }
  return dir;
}

export const RED: Pixel = [220, 30, 30];
export const BLUE: Pixel = [30, 30, 220];
export const GREY: Pixel = [128, 128, 128];

/** Two class folders of small RGB PNGs (different sizes, one not square), a corrupt PNG and a text file. */
export function shapesFolder(): string {
  return folderOf({
    'reds/r1.png': pngBytes(16, 16, () => RED),
    'reds/r2.png': pngBytes(24, 12, () => RED),
    'blues/b1.png': pngBytes(8, 8, () => BLUE),
    'blues/b2.jpg': jpegBytes(20, 20, () => BLUE),
    'blues/broken.png': pngBytes(16, 16, () => BLUE).subarray(0, 50),
    'blues/notes.txt': 'not an image',
  });
}
