// The evaluation classifier (trained on our kernels) and the metrics built on it. CI trains a reduced
// schedule that must still clearly learn (≥ 90 % held out); FULL_CLASSIFIER=1 runs the full schedule and
// asks for the issue's ≥ 97 %.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Classifier, classifierBytes, loadClassifier } from '../src/model/classifier.ts';
import { CLASSIFIER_TRAIN, ClassifierTrainer, trainClassifier } from '../src/train/classifier-trainer.ts';
import { loadMnist } from '../src/data/mnist-node.ts';
import { sampleDigits, splitDigits } from '../src/data/split.ts';
import { fitGaussian, frechetDistance } from '../src/eval/frechet.ts';
import { evaluateQuality } from '../src/eval/evaluate.ts';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.ts';
import { npyBytes } from '../src/io/images-node.ts';
import { checkpointBytes } from '../src/io/checkpoint.ts';
import { UNet } from '../src/model/unet.ts';
import { PRESETS } from '../src/model/config.ts';
import { DEFAULT_SCHEDULE } from '../src/diffusion/schedule.ts';
import { rng, useGpu } from './helpers.ts';

const getGpu = useGpu();
const FULL = process.env.FULL_CLASSIFIER === '1';
const STEPS = FULL ? CLASSIFIER_TRAIN.steps : 200;
const { train, test } = splitDigits(loadMnist());
let clf: Classifier;
let heldOutAccuracy = 0;
let clfFile = '';

function noisy(x: Float32Array, sigma: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from(x, (v) => Math.min(1, Math.max(0, v + sigma * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()))));
}

beforeAll(async () => {
  const gpu = await getGpu();
  clf = new Classifier(gpu);
  const r = await trainClassifier(gpu, clf, train, test, { ...CLASSIFIER_TRAIN, steps: STEPS });
  heldOutAccuracy = r.accuracy;
  clfFile = join(mkdtempSync(join(tmpdir(), 'wd-clf-')), 'classifier.safetensors');
  writeFileSync(clfFile, await classifierBytes(clf, { accuracy: r.accuracy, testCount: test.count, steps: STEPS }));
});

describe('MNIST classifier', () => {
  it(`reaches the held-out accuracy bar (${FULL ? 'full schedule, ≥ 97 %' : `reduced ${STEPS}-step schedule, ≥ 90 %`})`, () => {
    console.log(`classifier held-out accuracy after ${STEPS} steps: ${(100 * heldOutAccuracy).toFixed(2)} % on ${test.count} digits`);
    expect(heldOutAccuracy).toBeGreaterThanOrEqual(FULL ? 0.97 : 0.9);
  });

  it('a training step allocates nothing after warm-up', async () => {
    const gpu = await getGpu();
    const t = new ClassifierTrainer(gpu, clf, sampleDigits(train, 100, 1), { ...CLASSIFIER_TRAIN, steps: 2 }); // lr drops after step 1 (70 %)
    t.encodeStep();
    t.encodeStep();
    t.encodeStep(); // past the lr drop: both lr uniforms exist
    await gpu.sync();
    const before = gpu.cacheStats();
    t.encodeStep();
    await gpu.sync();
    expect(gpu.cacheStats()).toEqual(before);
    expect(Number.isFinite(await t.recentLoss(4))).toBe(true);
  });

  it('round-trips through safetensors; a foreign or tampered file is refused', async () => {
    const gpu = await getGpu();
    const bytes = new Uint8Array(readFileSync(clfFile));
    const { classifier: copy, meta } = loadClassifier(gpu, bytes);
    expect(meta.accuracy).toBeCloseTo(heldOutAccuracy, 10);
    const probe = sampleDigits(test, 20, 5);
    const a = await copy.run(probe.images, 20);
    const file = decodeSafetensors(bytes);
    expect(() => loadClassifier(gpu, encodeSafetensors([...file.tensors.values()], { ...file.metadata, format: 'other' }))).toThrow(/metadata format is "other"/);
    const w = file.tensors.get('fc2.weight')!;
    expect(() => loadClassifier(gpu, encodeSafetensors([...file.tensors.values()].map((t) => (t === w ? { ...w, shape: [w.shape[1], w.shape[0]] } : t)), file.metadata))).toThrow(/classifier file: tensor fc2.weight has shape \[64,10\], the model expects \[10,64\]/);
    expect(() => loadClassifier(gpu, bytes.subarray(0, bytes.length - 8))).toThrow();
    const b = await copy.run(probe.images, 20);
    expect(b.logits).toEqual(a.logits);
  });

  it('feature Fréchet distance: 0 for a set against itself, growing with pixel noise', async () => {
    const real = sampleDigits(test, 300, 6);
    const feats = async (x: Float32Array) => fitGaussian((await clf.run(x, 300)).features, 300, clf.config.hidden);
    const g = await feats(real.images);
    expect(frechetDistance(g, g)).toBeLessThan(1e-6);
    const fds: number[] = [];
    for (const s of [0.1, 0.3, 0.6]) fds.push(frechetDistance(g, await feats(noisy(real.images, s, 7))));
    console.log('FD with pixel noise σ = 0.1, 0.3, 0.6:', fds.map((v) => v.toFixed(3)).join(', '));
    expect(fds[0]).toBeGreaterThan(0);
    expect(fds[1]).toBeGreaterThan(fds[0]);
    expect(fds[2]).toBeGreaterThan(fds[1]);
  });

  it('quality report: real digits score near the floor and far better than noise; per-digit accuracy', async () => {
    const n = 200;
    const reference = sampleDigits(test, n, 11);
    const floor = sampleDigits(train, n, 12);
    const other = sampleDigits(train, n, 13);
    const swd = { patches: 16, repeats: 2, directions: 32 };
    const real = await evaluateQuality(clf, { samples: other.images, n, requested: other.labels, reference, floor, swd });
    const r = rng(8);
    const noise = await evaluateQuality(clf, { samples: Float32Array.from({ length: n * 784 }, () => r()), n, reference, floor, swd });
    expect(real.fd).toBeLessThan(3 * real.fdFloor + 1);
    expect(noise.fd).toBeGreaterThan(10 * real.fd);
    expect(noise.swd.mean).toBeGreaterThan(2 * real.swd.mean);
    expect(real.accuracy!.overall).toBeGreaterThan(0.85);
    expect(real.accuracy!.perClass.every((a) => a !== null && a > 0.5)).toBe(true);
    expect(noise.accuracy).toBeNull();
    expect(real.histogram.reduce((a, b) => a + b, 0)).toBe(n);
    expect(real.entropyBits).toBeGreaterThan(3.1);
    expect(noise.entropyBits).toBeLessThan(real.entropyBits);
  });
});

describe('eval command line', () => {
  const tsx = join('node_modules', '.bin', 'tsx');
  it('scores a raw samples file and a checkpoint, writing JSON; bad input gets a one-line error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wd-eval-'));
    const s = sampleDigits(train, 20, 14);
    writeFileSync(join(dir, 's.npy'), npyBytes(Float32Array.from(s.images, (v) => 2 * v - 1), [20, 1, 28, 28]));
    const common = ['--classifier', clfFile, '--n', '20', '--swd-patches', '8', '--no-autotune'];
    // Without --n a samples file is scored whole (its 20 samples, not the default 1000).
    const noN = common.filter((a, i) => a !== '--n' && common[i - 1] !== '--n');
    const out = execFileSync(tsx, ['cli/eval.ts', '--samples', join(dir, 's.npy'), ...noN, '--out', join(dir, 'e.json')], { encoding: 'utf8', stdio: 'pipe' });
    expect(out).toMatch(/Fréchet distance/);
    const json = JSON.parse(readFileSync(join(dir, 'e.json'), 'utf8'));
    expect(json.n).toBe(20);
    expect(json.report.swd.levels.map((l: { size: number }) => l.size)).toEqual([28, 14]);
    expect(json.report.fd).toBeGreaterThanOrEqual(0);

    const gpu = await getGpu();
    const model = new UNet(gpu, PRESETS.tiny);
    model.params.initialize(3);
    writeFileSync(join(dir, 'c.safetensors'), await checkpointBytes(model, { schedule: DEFAULT_SCHEDULE, step: 0 }));
    const ck = execFileSync(tsx, ['cli/eval.ts', '--checkpoint', join(dir, 'c.safetensors'), '--steps', '2', '--batch', '10', ...common, '--out', join(dir, 'c.json')], { encoding: 'utf8', stdio: 'pipe' });
    expect(ck).toMatch(/sampled 20\/20/);
    const cj = JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8'));
    expect(cj.source.steps).toBe(2);
    expect(cj.report.accuracy === null).toBe(!model.conditional);

    const none = spawnSync(tsx, ['cli/eval.ts', '--n', '20'], { encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^error: give exactly one of --checkpoint, --samples, --baseline\nusage: npm run eval/);
    writeFileSync(join(dir, 'bad.npy'), npyBytes(new Float32Array(20 * 64), [20, 8, 8]));
    const bad = spawnSync(tsx, ['cli/eval.ts', '--samples', join(dir, 'bad.npy'), ...common], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe('error: samples file: shape (20,8,8) is not N × 28 × 28 single-channel images');
    writeFileSync(join(dir, 'few.npy'), npyBytes(new Float32Array(5 * 784), [5, 784]));
    const few = spawnSync(tsx, ['cli/eval.ts', '--samples', join(dir, 'few.npy'), ...noN], { encoding: 'utf8' });
    expect(few.status).toBe(2);
    expect(few.stderr).toMatch(/^error: .*few\.npy holds 5 samples; eval needs at least 10\n/);
  });
});
