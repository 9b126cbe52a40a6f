// Decodes the packed MNIST asset written by web/mnist-asset.ts (platform neutral).
import type { Digits } from './mnist-node.ts';

export function decodeMnistBinary(buf: ArrayBuffer): Digits {
  const u8 = new Uint8Array(buf);
  if (u8.length < 12 || String.fromCharCode(...u8.subarray(0, 4)) !== 'MNST') throw new Error('mnist.bin: not a packed MNIST file');
  const view = new DataView(buf);
  const count = view.getUint32(4, true);
  const size = view.getUint32(8, true);
  const px = size * size;
  if (u8.length !== 12 + count * px + count) throw new Error(`mnist.bin: expected ${12 + count * px + count} bytes, got ${u8.length}`);
  const images = new Float32Array(count * px);
  for (let i = 0; i < images.length; i++) images[i] = u8[12 + i] / 255;
  return { images, labels: u8.slice(12 + count * px), count, size };
}
