// Decoded pixels of one of the user's images, whoever decoded them (pngjs/jpeg-js in Node, the browser's own
// decoder in the page): the format told from the first bytes, the centred square as planar RGB in [0, 1]
// (transparency laid over white, the background most drawings with an alpha channel assume), resized to the
// model's size, and the grey test. Platform neutral, plain loops.
import { centreSquare, resizeSquare } from './resize.ts';

/** Decoded pixels: 8-bit RGBA, row-major. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

const MAGIC: Record<'PNG' | 'JPEG', number[]> = { PNG: [0x89, 0x50, 0x4e, 0x47], JPEG: [0xff, 0xd8, 0xff] };

/** 'PNG' or 'JPEG' from a file's first bytes (never its name), or null for anything else. */
export function imageFormat(bytes: Uint8Array): 'PNG' | 'JPEG' | null {
  for (const format of ['PNG', 'JPEG'] as const) {
    const magic = MAGIC[format];
    if (bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b)) return format;
  }
  return null;
}

/** The centred square of an RGBA image as planar RGB [3, side, side] in [0, 1], alpha laid over white. */
export function squareRgb(img: Rgba): { rgb: Float32Array; side: number } {
  const { left, top, side } = centreSquare(img.width, img.height);
  if (side < 1) throw new Error('image has no pixels');
  const rgb = new Float32Array(3 * side * side);
  const plane = side * side;
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const o = ((top + y) * img.width + left + x) * 4;
      const a = img.data[o + 3] / 255;
      for (let c = 0; c < 3; c++) rgb[c * plane + y * side + x] = (a * img.data[o + c]) / 255 + (1 - a);
    }
  return { rgb, side };
}

/** Decoded pixels as the model's input: planar RGB [3, size, size] in [0, 1] of the centred square. */
export function rgbaToRgb(img: Rgba, size: number): Float32Array {
  const { rgb, side } = squareRgb(img);
  return resizeSquare(rgb, 3, side, size);
}

/** Planar RGB [3, S] → grey [S] by Rec. 601 luma (how every loader turns colour into a 1-channel input). */
export function rgbToGrey(rgb: Float32Array): Float32Array {
  const plane = rgb.length / 3;
  return Float32Array.from({ length: plane }, (_, i) => 0.299 * rgb[i] + 0.587 * rgb[plane + i] + 0.114 * rgb[2 * plane + i]);
}

/** Whether a planar RGB image is grey: R, G and B agree everywhere to within `tolerance` (JPEG rounding). */
export function isGrey(rgb: Float32Array, tolerance = 4 / 255): boolean {
  const plane = rgb.length / 3;
  for (let i = 0; i < plane; i++) {
    const r = rgb[i], g = rgb[plane + i], b = rgb[2 * plane + i];
    if (Math.abs(r - g) > tolerance || Math.abs(g - b) > tolerance) return false;
  }
  return true;
}
