// Image and array files in Node: sample grids as real PNGs (pngjs), raw samples as .npy (NumPy v1.0
// format, float32, C order) or as bare little-endian float32.
import { PNG } from 'pngjs';
import { writeFileAtomic } from './checkpoint-node.ts';

/**
 * Lays out n S×S images (values in [−1, 1]) in a grid, 2 px gaps, upscaled by `scale`. The images are grey
 * or planar RGB ([n, 1 or 3, S, S]): the channel count follows from the array's length.
 */
export function gridPng(samples: Float32Array, n: number, size: number, scale = 2, cols = Math.ceil(Math.sqrt(n))): Buffer {
  const channels = samples.length / (n * size * size);
  if (channels !== 1 && channels !== 3) throw new Error(`gridPng: ${samples.length} values are not ${n} grey or RGB ${size}×${size} images`);
  const rows = Math.ceil(n / cols);
  const gap = 2;
  const cell = size * scale + gap;
  const png = new PNG({ width: cols * cell + gap, height: rows * cell + gap });
  png.data.fill(0);
  for (let i = 0; i < png.data.length; i += 4) {
    png.data[i] = png.data[i + 1] = png.data[i + 2] = 40;
    png.data[i + 3] = 255;
  }
  const plane = size * size;
  for (let k = 0; k < n; k++) {
    const ox = gap + (k % cols) * cell;
    const oy = gap + Math.floor(k / cols) * cell;
    for (let y = 0; y < size * scale; y++)
      for (let x = 0; x < size * scale; x++) {
        const o = ((oy + y) * png.width + ox + x) * 4;
        const at = k * channels * plane + Math.floor(y / scale) * size + Math.floor(x / scale);
        // Grey: the one channel into R, G and B; RGB: each plane into its own.
        for (let c = 0; c < 3; c++) {
          const v = samples[at + (channels === 3 ? c * plane : 0)];
          png.data[o + c] = Math.round(Math.min(1, Math.max(0, (v + 1) / 2)) * 255);
        }
      }
  }
  return PNG.sync.write(png);
}

export function writeGridPng(path: string, samples: Float32Array, n: number, size: number, scale = 2, cols?: number): void {
  writeFileAtomic(path, gridPng(samples, n, size, scale, cols));
}

export function npyBytes(data: Float32Array, shape: number[]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY v1.0
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Reads a little-endian float32 .npy file (C order), as written by npyBytes. */
export function readNpy(bytes: Uint8Array, what = 'npy file'): { data: Float32Array; shape: number[] } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new Error(`${what}: not a .npy file (bad magic)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const hlen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = (major === 1 ? 10 : 12) + hlen;
  const header = new TextDecoder().decode(bytes.subarray(major === 1 ? 10 : 12, start));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  if (descr !== '<f4') throw new Error(`${what}: dtype ${descr ?? '?'} is not little-endian float32 ('<f4')`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${what}: Fortran order is not supported`);
  const shapeStr = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (shapeStr === undefined) throw new Error(`${what}: header has no shape`);
  const shape = shapeStr.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - start !== count * 4) throw new Error(`${what}: shape (${shape}) needs ${count * 4} data bytes, file has ${bytes.length - start}`);
  const data = new Float32Array(count);
  new Uint8Array(data.buffer).set(bytes.subarray(start));
  return { data, shape };
}

/**
 * Up to `count` single-channel S×S images (values in [−1, 1]) five to a band as terminal text: each character
 * cell holds two image rows (▀ ▄ █ or space) after downsampling by 2, so a 28-px digit is 14×7 characters.
 */
export function terminalPreview(samples: Float32Array, n: number, size: number, count = 10): string {
  const k = Math.min(n, count);
  const half = Math.ceil(size / 2);
  // Mean of each 2×2 block, as on/off at the midpoint of [−1, 1].
  const on = (img: number, y: number, x: number) => {
    let s = 0, c = 0;
    for (let dy = 0; dy < 2; dy++)
      for (let dx = 0; dx < 2; dx++) {
        const yy = 2 * y + dy, xx = 2 * x + dx;
        if (yy < size && xx < size) { s += samples[img * size * size + yy * size + xx]; c++; }
      }
    return s / c > -0.2;
  };
  const lines: string[] = [];
  // Five images per band keeps a band within 80 columns.
  for (let first = 0; first < k; first += 5) {
    for (let row = 0; row < Math.ceil(half / 2); row++) {
      let line = '';
      for (let img = first; img < Math.min(k, first + 5); img++) {
        for (let x = 0; x < half; x++) {
          const top = on(img, 2 * row, x);
          const bottom = 2 * row + 1 < half && on(img, 2 * row + 1, x);
          line += top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ';
        }
        line += '  ';
      }
      lines.push(line.trimEnd());
    }
    lines.push('');
  }
  return lines.join('\n');
}
