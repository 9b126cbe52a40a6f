// Decoding one of the user's image files in Node (PNG with pngjs, JPEG with jpeg-js; told apart by their first
// bytes, not by the file name) into a square, channel-planar RGB image of the model's size with values in
// [0, 1]. The pixel work after decoding is platform neutral (src/data/rgba.ts; the page decodes with the browser).
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { imageFormat, rgbaToRgb, type Rgba } from './rgba.ts';

/** PNG or JPEG bytes as RGBA; throws with a short reason for anything else or a damaged file. */
export function decodeImage(bytes: Uint8Array): Rgba {
  const format = imageFormat(bytes);
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

/** An image file's bytes as planar RGB [3, size, size] in [0, 1]. */
export function imageToRgb(bytes: Uint8Array, size: number): Float32Array {
  return rgbaToRgb(decodeImage(bytes), size);
}
