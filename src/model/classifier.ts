// The MNIST classifier behind the quality metrics: a small LeNet-style CNN written in the same layers as
// the UNet, so it trains and runs on our kernels.
//
//   x [B, 1, 28, 28] in [0, 1] → conv3 (C1) → SiLU → maxpool 2 → conv3 (C2) → SiLU → maxpool 2 → flatten
//     → linear (hidden) → SiLU = features (the penultimate layer, used by the Fréchet distance)
//     → linear (10) = logits
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { Graph } from './graph.ts';
import { Layers } from './layers.ts';
import { ParamStore, type Param } from './params.ts';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.ts';
import { paramSetTensors, readParamSets, type ParamSet } from '../io/param-sets.ts';

export interface ClassifierConfig {
  imageSize: number;
  channels: [number, number];
  hidden: number;
  classes: number;
}

export const CLASSIFIER_CONFIG: ClassifierConfig = { imageSize: 28, channels: [8, 16], hidden: 64, classes: 10 };

export interface BuiltClassifier {
  graph: Graph;
  batch: number;
  x: Tensor;        // [B, 1, S, S]
  features: Tensor; // [B, hidden]
  logits: Tensor;   // [B, classes]
}

export class Classifier {
  readonly params: ParamStore;
  private readonly paramMap = new Map<string, Param>();
  private readonly built = new Map<string, BuiltClassifier>();

  constructor(readonly gpu: Gpu, readonly config: ClassifierConfig = CLASSIFIER_CONFIG) {
    const { imageSize: S, channels, hidden, classes } = config;
    if (!(S >= 4 && S % 4 === 0)) throw new Error(`classifier: imageSize must be a multiple of 4, got ${S}`);
    for (const v of [...channels, hidden, classes]) if (!(Number.isInteger(v) && v > 0)) throw new Error(`classifier: bad config ${JSON.stringify(config)}`);
    this.params = new ParamStore(gpu);
    const probe = this.describe(1, false);
    this.params.allocate();
    probe.graph.release();
  }

  /** Returns every buffer: each built pass's activations and gradients to the pool, the parameters freed. */
  destroy(): void {
    for (const b of this.built.values()) b.graph.release();
    this.built.clear();
    this.params.destroy();
  }

  pass(batch: number, training: boolean): BuiltClassifier {
    const key = `${batch}:${training}`;
    let b = this.built.get(key);
    if (!b) {
      b = this.describe(batch, training);
      this.built.set(key, b);
    }
    return b;
  }

  private describe(batch: number, training: boolean): BuiltClassifier {
    const { imageSize: S, channels, hidden, classes } = this.config;
    const g = new Graph(this.gpu, training);
    const L = new Layers(this.gpu, g, this.params, this.paramMap, { groups: 1, heads: 1 });
    const x = g.buffer([batch, 1, S, S]);
    let h = L.maxpool(L.silu(L.conv('conv1', x, channels[0], 3)));
    h = L.maxpool(L.silu(L.conv('conv2', h, channels[1], 3)));
    const features = L.silu(L.linear('fc1', L.flatten(h), hidden));
    const logits = L.linear('fc2', features, classes);
    g.finalize();
    return { graph: g, batch, x, features, logits };
  }

  /** Forward pass over many images in batches: logits, features and the predicted class of each. */
  async run(images: Float32Array, count: number, batch = 250): Promise<{ logits: Float32Array; features: Float32Array; predictions: Uint8Array }> {
    const { imageSize: S, hidden, classes } = this.config;
    const px = S * S;
    if (images.length !== count * px) throw new Error(`classifier: expected ${count}×${px} pixel values, got ${images.length}`);
    const logits = new Float32Array(count * classes);
    const features = new Float32Array(count * hidden);
    const B = Math.min(batch, count);
    const pass = this.pass(B, false);
    for (let start = 0; start < count; start += B) {
      const n = Math.min(B, count - start);
      const chunk = new Float32Array(B * px);
      chunk.set(images.subarray(start * px, (start + n) * px));
      this.gpu.write(pass.x, chunk);
      pass.graph.forward();
      const [lg, ft] = await Promise.all([pass.logits.read(), pass.features.read()]);
      logits.set(lg.subarray(0, n * classes), start * classes);
      features.set(ft.subarray(0, n * hidden), start * hidden);
    }
    const predictions = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      let best = 0;
      for (let k = 1; k < classes; k++) if (logits[i * classes + k] > logits[i * classes + best]) best = k;
      predictions[i] = best;
    }
    return { logits, features, predictions };
  }
}

export const CLASSIFIER_FORMAT = 'webgpu-diffusion-classifier/1';
/** A classifier file holds its weights under their bare names. */
const WEIGHTS: readonly ParamSet[] = [{ prefix: '', kind: 'params' }];

export interface ClassifierMeta {
  config: ClassifierConfig;
  /** Held-out accuracy measured when it was trained, and on how many digits. */
  accuracy: number;
  testCount: number;
  steps: number;
}

export async function classifierBytes(clf: Classifier, meta: Omit<ClassifierMeta, 'config'>): Promise<Uint8Array> {
  return encodeSafetensors(await paramSetTensors(clf.params, WEIGHTS), {
    format: CLASSIFIER_FORMAT,
    config: JSON.stringify(clf.config),
    accuracy: String(meta.accuracy),
    test_count: String(meta.testCount),
    steps: String(meta.steps),
  });
}

/** Validates a classifier file completely, then builds the model and uploads its weights. */
export function loadClassifier(gpu: Gpu, bytes: Uint8Array): { classifier: Classifier; meta: ClassifierMeta } {
  const file = decodeSafetensors(bytes);
  const md = file.metadata;
  if (md.format !== CLASSIFIER_FORMAT) throw new Error(`classifier file: metadata format is ${JSON.stringify(md.format)}, expected "${CLASSIFIER_FORMAT}"`);
  let meta: ClassifierMeta;
  try {
    meta = { config: JSON.parse(md.config), accuracy: Number(md.accuracy), testCount: Number(md.test_count), steps: Number(md.steps) };
  } catch (e) {
    throw new Error(`classifier file: unreadable metadata (${(e as Error).message})`);
  }
  const clf = new Classifier(gpu, meta.config);
  try {
    const flats = readParamSets('classifier file', file.tensors, clf.params, WEIGHTS);
    gpu.write(clf.params.flat('params'), flats.get('params')!);
  } catch (e) {
    clf.destroy();
    throw e;
  }
  return { classifier: clf, meta };
}
