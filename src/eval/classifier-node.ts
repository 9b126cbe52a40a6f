// The evaluation classifier in Node: loaded from its safetensors file, or trained on the GPU (full
// schedule, on the fixed training split) and written atomically when the file is absent.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Gpu } from '../runtime/gpu.ts';
import { Classifier, classifierBytes, loadClassifier, type ClassifierMeta } from '../model/classifier.ts';
import { CLASSIFIER_TRAIN, trainClassifier, type ClassifierTrainConfig } from '../train/classifier-trainer.ts';
import { loadMnist } from '../data/mnist-node.ts';
import { splitDigits } from '../data/split.ts';
import { readFileBytes, writeFileAtomic } from '../io/checkpoint-node.ts';

/** The shipped classifier (trained by this engine, see pretrained/README.md); read, never written. */
export const DEFAULT_CLASSIFIER_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'pretrained', 'mnist-classifier.safetensors');
/** Where a classifier trained here goes when the shipped one is asked for but absent or retrained. */
export const TRAINED_CLASSIFIER_PATH = 'runs/classifier/mnist-classifier.safetensors';

export async function ensureClassifier(
  gpu: Gpu, path = DEFAULT_CLASSIFIER_PATH, opts: { retrain?: boolean; train?: Partial<ClassifierTrainConfig>; log?: (s: string) => void } = {},
): Promise<{ classifier: Classifier; meta: ClassifierMeta; trained: boolean }> {
  const log = opts.log ?? (() => {});
  // The shipped file stays as committed: a retrained (or missing) shipped classifier is written under runs/.
  const shipped = resolve(path) === resolve(DEFAULT_CLASSIFIER_PATH);
  if (shipped && (opts.retrain || !existsSync(path))) path = TRAINED_CLASSIFIER_PATH;
  if (!opts.retrain && existsSync(path)) {
    const { classifier, meta } = loadClassifier(gpu, readFileBytes(path, 'classifier file'));
    log(`classifier: ${path} (held-out accuracy ${(100 * meta.accuracy).toFixed(2)} % on ${meta.testCount} digits)`);
    return { classifier, meta, trained: false };
  }
  const cfg = { ...CLASSIFIER_TRAIN, ...opts.train };
  const { train, test } = splitDigits(loadMnist());
  log(`classifier: training on ${train.count} digits (${cfg.steps} steps, batch ${cfg.batch}); held out: ${test.count}`);
  const classifier = new Classifier(gpu);
  const t0 = performance.now();
  const r = await trainClassifier(gpu, classifier, train, test, cfg, (step, loss) => {
    if (step % 100 === 0 || step === cfg.steps) log(`  step ${step}/${cfg.steps}  loss ${loss.toFixed(4)}  ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  });
  const meta: ClassifierMeta = { config: classifier.config, accuracy: r.accuracy, testCount: test.count, steps: r.steps };
  writeFileAtomic(path, await classifierBytes(classifier, meta));
  log(`classifier: held-out accuracy ${(100 * r.accuracy).toFixed(2)} % → ${path}`);
  return { classifier, meta, trained: true };
}
