// The starting image and mask of `npm run sample -- --init IMAGE [--strength S] [--mask MASK] [--resample R]`:
// read, checked and resized to the model before any GPU work (image-to-image and inpainting).
import { readFileSync, existsSync } from 'node:fs';
import { decodeImage } from '../src/data/decode-image-node.ts';
import { rgbaToRgb, rgbToGrey } from '../src/data/rgba.ts';
import type { SampleOptions } from '../src/diffusion/sampler.ts';
import { UsageError } from './common.ts';

/** An image file as the model's input: [channels, size, size] in [0, 1] (grey as the dataset loaders make it). */
function readModelImage(path: string, flag: string, channels: number, size: number): { pixels: Float32Array; width: number; height: number } {
  if (!existsSync(path)) throw new UsageError(`${flag} ${path}: no such file`);
  let img;
  try {
    img = decodeImage(new Uint8Array(readFileSync(path)));
  } catch (e) {
    throw new UsageError(`${flag} ${path}: ${(e as Error).message}`);
  }
  const rgb = rgbaToRgb(img, size);
  return { pixels: channels === 3 ? rgb : rgbToGrey(rgb), width: img.width, height: img.height };
}

/** --strength: a number in (0, 1] (0 would run no step at all; diffusers' img2img allows the same range). */
export function strengthFlag(v: string): number {
  const s = Number(v);
  if (v.trim() === '' || !(s > 0 && s <= 1)) throw new UsageError(`--strength must be in (0, 1], got "${v}"`);
  return s;
}

/** --init/--strength/--mask/--resample → SampleOptions.init for n samples (each starts from the same image). */
export function initFromFlags(o: Record<string, any>, n: number, channels: number, size: number): SampleOptions['init'] {
  if (!o.init) {
    for (const f of ['strength', 'mask', 'resample']) if (o[f] !== undefined) throw new UsageError(`--${f} needs --init IMAGE`);
    return null;
  }
  if (o.resample !== undefined && !o.mask) throw new UsageError('--resample needs --mask (it is RePaint\'s inpainting schedule)');
  const init = readModelImage(o.init, '--init', channels, size);
  const images = repeat(init.pixels, n);
  if (!o.mask) return { images, strength: o.strength ?? 0.8 };
  const m = readModelImage(o.mask, '--mask', 1, size);
  if (m.width !== init.width || m.height !== init.height) {
    throw new UsageError(`--mask ${o.mask} is ${m.width}×${m.height} but --init ${o.init} is ${init.width}×${init.height}: they must be the same size`);
  }
  // White (≥ 0.5) = regenerate; the mask covers every channel.
  const one = Float32Array.from({ length: channels * size * size }, (_, i) => (m.pixels[i % (size * size)] >= 0.5 ? 1 : 0));
  if (!one.some((v) => v === 1)) throw new UsageError(`--mask ${o.mask} has no white pixel: nothing to regenerate`);
  return { images, mask: repeat(one, n), strength: o.strength ?? 1, resample: o.resample };
}

function repeat(one: Float32Array, n: number): Float32Array {
  const out = new Float32Array(one.length * n);
  for (let i = 0; i < n; i++) out.set(one, i * one.length);
  return out;
}
