// The shipped models: the diffusion model in pretrained/ loads (model-only file, metadata says how it was
// made), draws digits that the shipped classifier recognises far above what noise or blur gets, and
// `--checkpoint NAME` finds it on the command line.
import { describe, expect, it } from 'vitest';
import { describeModel } from '../cli/common.ts';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { decodeSafetensors } from '../src/io/safetensors.ts';
import { tmpdir } from 'node:os';
import { UNet } from '../src/model/unet.ts';
import { PRESETS } from '../src/model/config.ts';
import { NoiseSchedule } from '../src/diffusion/schedule.ts';
import { DEFAULT_SAMPLING, sample } from '../src/diffusion/sampler.ts';
import { loadCheckpoint, readCheckpointMeta } from '../src/io/checkpoint.ts';
import { loadClassifier } from '../src/model/classifier.ts';
import { loadMnist } from '../src/data/mnist-node.ts';
import { splitDigits, sampleDigits } from '../src/data/split.ts';
import { blurImages } from '../src/eval/swd.ts';
import { useGpu } from './helpers.ts';

const getGpu = useGpu();

/** The shipped model on the file's Gpu, its schedule, and the shipped classifier. */
async function shipped() {
  const gpu = await getGpu();
  const bytes = new Uint8Array(readFileSync(MODEL));
  const meta = readCheckpointMeta(bytes);
  const model = new UNet(gpu, meta.config);
  loadCheckpoint(model, bytes);
  const { classifier } = loadClassifier(gpu, new Uint8Array(readFileSync(CLASSIFIER)));
  return { gpu, model, schedule: new NoiseSchedule(meta.schedule), classifier };
}
const MODEL = 'pretrained/mnist-tiny.safetensors';
const CLASSIFIER = 'pretrained/mnist-classifier.safetensors';

describe('shipped model', () => {
  it('is a model-only tiny checkpoint under 2 MB whose metadata says how it was made', () => {
    const bytes = new Uint8Array(readFileSync(MODEL));
    expect(bytes.length).toBeLessThan(2 * 1024 * 1024);
    const meta = readCheckpointMeta(bytes);
    expect(meta.contents).toBe('model');
    expect(meta.config).toEqual(PRESETS.tiny);
    expect(meta.step).toBeGreaterThan(0);
    expect(['gpu', 'lavapipe', 'swiftshader']).toContain(meta.adapter?.kind);
    const about = meta.about as Record<string, unknown>;
    for (const k of ['imageGradients', 'wallMinutes', 'command', 'dataset']) expect(about).toHaveProperty(k);
    // What the CLIs print about it: the whole training (a fine-tune's own step counter restarts at 0).
    expect(describeModel(meta)).toMatch(new RegExp(`${about.totalSteps ?? meta.step} steps, ${Math.round(Number(about.imageGradients) / 1000)} k image-gradients, trained on ${meta.adapter?.kind} in \\d+ min`));
  });

  it('draws digits the classifier recognises (≥ 80 % of 20 DDIM-20 samples; noise and blur do not)', async () => {
    const { gpu, model, schedule, classifier } = await shipped();
    const labels = Array.from({ length: 20 }, (_, i) => i % 10);
    const imgs = await sample(gpu, model, schedule, { ...DEFAULT_SAMPLING, n: 20, steps: 20, classLabel: labels, seed: 3 });
    const accuracy = async (images: Float32Array, want: ArrayLike<number>) => {
      const { predictions } = await classifier.run(images, want.length);
      return predictions.filter((p, i) => p === want[i]).length / want.length;
    };
    const acc = await accuracy(Float32Array.from(imgs, (v) => (v + 1) / 2), labels);
    expect(acc).toBeGreaterThanOrEqual(0.8);
    // The bar is one that noise and blurred real digits fail.
    const noise = Float32Array.from({ length: 20 * 784 }, (_, i) => ((i * 2654435761) % 1000) / 1000);
    expect(await accuracy(noise, labels)).toBeLessThan(0.5);
    const real = sampleDigits(splitDigits(loadMnist()).test, 20, 5);
    expect(await accuracy(blurImages(real.images, 20, 28, 3), real.labels)).toBeLessThan(0.8);
  });

  it('keeps its digits at many DDIM steps: accuracy at 50 steps within a few points of 10 (default x̂0 handling)', async () => {
    const { gpu, model, schedule, classifier } = await shipped();
    const labels = Array.from({ length: 20 }, (_, i) => i % 10);
    const acc = async (steps: number) => {
      const imgs = await sample(gpu, model, schedule, { ...DEFAULT_SAMPLING, sampler: 'ddim', n: 20, steps, classLabel: labels, seed: 8 });
      const { predictions } = await classifier.run(Float32Array.from(imgs, (v) => (v + 1) / 2), 20);
      return predictions.filter((p, i) => p === labels[i]).length / 20;
    };
    const [a10, a50] = [await acc(10), await acc(50)];
    expect(a50, `DDIM-50 ${a50} vs DDIM-10 ${a10}`).toBeGreaterThanOrEqual(a10 - 0.1);
  });

  it('npm run sample finds it by name and names it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wd-pre-'));
    const out = execFileSync(join('node_modules', '.bin', 'tsx'), ['cli/sample.ts', '--checkpoint', 'mnist-tiny', '--n', '2', '--steps', '2', '--no-autotune', '--out', join(dir, 'g.png')], { encoding: 'utf8', stdio: 'pipe' });
    expect(out).toMatch(/^model: .*pretrained\/mnist-tiny\.safetensors — 8\/16\/32 channels, \d+ steps/m);
    expect(readFileSync(join(dir, 'g.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('npm run export renews a model-only file\'s facts with --about (weights copied bit for bit) and refuses it without', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wd-exp-'));
    writeFileSync(join(dir, 'about.json'), JSON.stringify({ name: 'renewed', digitAccuracy: 0.5 }));
    const run = (...args: string[]) => execFileSync(join('node_modules', '.bin', 'tsx'), ['cli/export.ts', '--checkpoint', MODEL, '--out', join(dir, 'm.safetensors'), ...args], { encoding: 'utf8', stdio: 'pipe' });
    expect(run('--about', join(dir, 'about.json'))).toMatch(/facts renewed/);
    const [a, b] = [MODEL, join(dir, 'm.safetensors')].map((f) => new Uint8Array(readFileSync(f)));
    const [ma, mb] = [a, b].map((x) => readCheckpointMeta(x));
    expect(mb.about).toEqual({ name: 'renewed', digitAccuracy: 0.5 });
    expect({ ...mb, about: null }).toEqual({ ...ma, about: null }); // config, schedule, step, adapter, contents kept
    expect(decodeSafetensors(b).metadata.weights).toBe(decodeSafetensors(a).metadata.weights);
    const [ta, tb] = [a, b].map((x) => decodeSafetensors(x).tensors);
    expect([...tb.keys()]).toEqual([...ta.keys()]);
    for (const [k, t] of ta) expect(Buffer.from(tb.get(k)!.data.buffer, tb.get(k)!.data.byteOffset, tb.get(k)!.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)), k).toBe(true);
    expect(() => run()).toThrow(/already a model-only file \(give --about to renew its facts\)/);
    expect(() => run('--about', join(dir, 'about.json'), '--no-ema')).toThrow(/--no-ema: .* is a model-only file/);
  });

  it('--guidance-interval is named in what sample prints ("all" guides every step; guidance 1 ignores the default interval); a reversed one is a usage error before sampling', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wd-gi-'));
    const run = (...extra: string[]) => execFileSync(join('node_modules', '.bin', 'tsx'), ['cli/sample.ts', '--checkpoint', 'mnist-tiny', '--n', '2', '--steps', '3', '--class', 'all', '--no-autotune', '--out', join(dir, 'g.png'), ...extra], { encoding: 'utf8', stdio: 'pipe' });
    expect(run('--guidance', '2', '--guidance-interval', '0.3,5')).toMatch(/ddim, 3 steps, η 1, guidance 2 in σ \(0\.3, 5\]/);
    expect(run('--guidance', '1.25', '--guidance-interval', 'all')).toMatch(/ddim, 3 steps, η 1, guidance 1\.25\)/);
    expect(run()).toMatch(/ddim, 3 steps, η 1, guidance 1\.35 in σ \(0\.3, 5\]\)/); // the defaults
    expect(run('--guidance', '1')).toMatch(/ddim, 3 steps, η 1, guidance 1 in σ \(0\.3, 5\]\)|ddim, 3 steps, η 1, guidance 1\)/);
    expect(() => run('--guidance-interval', '5,0.3')).toThrow(/--guidance-interval: the guidance interval must be σ_lo,σ_hi with 0 ≤ σ_lo < σ_hi/);
  });
});
