// Decoding one of the user's image files (PNG with pngjs, JPEG with jpeg-js; told apart by their first bytes,
// not by the file name) into a square, channel-planar RGB image of the model's size with values in [0, 1].
// Transparent pixels are laid over white, the background most drawings with an alpha channel assume.
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { centreSquare, resizeSquare } from './resize.ts';

/** Decoded pixels: 8-bit RGBA, row-major. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const startsWith = (bytes: Uint8Array, magic: number[]) => bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);

/** PNG or JPEG bytes as RGBA; throws with a short reason for anything else or a damaged file. */
export function decodeImage(bytes: Uint8Array): Rgba {
  const format = startsWith(bytes, PNG_MAGIC) ? 'PNG' : startsWith(bytes, JPEG_MAGIC) ? 'JPEG' : null;
  if (!format) throw new Error('not a PNG or JPEG image');
  try {
    return format === 'PNG' ? decodePng(bytes) : decodeJpeg(bytes);
  } catch (e) {
    // The decoders' own messages name stream internals ("read requests waiting on finished stream").
    throw new Error(`damaged ${format} file (${(e as Error).message})`);
  }
}

function decodePng(bytes: Uint8Array): Rgba {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)); // 16-bit PNGs come rescaled to 8
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

function decodeJpeg(bytes: Uint8Array): Rgba {
  // Not tolerant: a truncated or damaged JPEG is an error here, not an image with a grey bottom half.
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, maxResolutionInMP: 100, maxMemoryUsageInMB: 1024 });
  return { width: img.width, height: img.height, data: img.data };
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

/** An image file's bytes as planar RGB [3, size, size] in [0, 1]. */
export function imageToRgb(bytes: Uint8Array, size: number): Float32Array {
  const { rgb, side } = squareRgb(decodeImage(bytes));
  return resizeSquare(rgb, 3, side, size);
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
