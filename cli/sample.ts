// npm run sample -- --checkpoint FILE|NAME [--sampler …] [--steps N] [--n 64] [--class 3 --guidance 2] [--seed …]
//                   [--init IMAGE [--strength S] [--mask MASK [--resample R]]] --out grid.png [--raw samples.npy]
// From noise, from a noised image (image-to-image) or filling the white part of a mask (inpainting).
import { Command } from 'commander';
import { addAdapterOption, addSamplingOptions, describeModel, describeSampling, int, notePrecision, resolveCheckpoint, runCli, samplingFromOpts, setupGpu, UsageError } from './common.ts';
import { UNet } from '../src/model/unet.ts';
import { NoiseSchedule } from '../src/diffusion/schedule.ts';
import { sample } from '../src/diffusion/sampler.ts';
import { loadCheckpoint, readCheckpointMeta } from '../src/io/checkpoint.ts';
import { readFileBytes, writeFileAtomic } from '../src/io/checkpoint-node.ts';
import { npyBytes, terminalPreview, writeGridPng } from '../src/io/images-node.ts';
import { initFromFlags, strengthFlag } from './sample-init.ts';

/** --class: a class number (a digit for MNIST) or "all"; the checkpoint's class count is checked later. */
function classFlag(v: string): number | 'all' {
  if (v === 'all') return 'all';
  if (!/^\d+$/.test(v.trim())) throw new UsageError(`--class must be a class number (a digit for MNIST) or "all", got "${v}"`);
  return Number(v);
}

const USAGE = 'npm run sample -- --checkpoint FILE|NAME [--sampler ddim|ddpm|dpmsolver++|sde-dpmsolver++|euler|euler-ancestral] [--steps N] [--init IMAGE [--strength S] [--mask MASK [--resample R]]] [--n N] [--eta X] [--class D|all --guidance S [--guidance-interval LO,HI|all]] [--no-clip] [--no-clipped-eps] [--dynamic-threshold Q] [--seed N] [--precision f32|f16] [--no-ema] [--out grid.png] [--raw FILE.npy|FILE.f32] [--adapter gpu|lavapipe|swiftshader]';

await runCli(USAGE, async () => {
  const program = new Command()
    .name('sample')
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .option('--checkpoint <file>', 'safetensors checkpoint written by train')
    .option('--n <n>', 'number of samples', int('n', 1, 4096), 64)
    .option('--class <c>', 'class to draw (a digit for MNIST), or "all" for every class in turn (class-conditional models)', classFlag)
    .option('--seed <n>', 'noise seed', int('seed', 0, 0xffffffff), 0)
    .option('--no-ema', 'use the raw weights instead of the EMA')
    .option('--out <file>', 'PNG grid to write', 'samples.png')
    .option('--raw <file>', 'also write the samples as .npy (or bare float32 with any other extension)')
    .option('--preview', 'also draw the first 10 samples in the terminal')
    .option('--init <image>', 'start from this PNG/JPEG (resized to the model) instead of noise: image-to-image, or inpainting with --mask')
    .option('--strength <s>', 'image-to-image: how far the image is noised, in (0, 1] (default 0.8; with --mask 1)', strengthFlag)
    .option('--mask <image>', 'inpainting: white = regenerate, black = keep the --init image (same size as it)')
    .option('--resample <r>', "inpainting: RePaint's resampling, each step run r times (ddpm/ddim/euler)", int('resample', 1, 100))
    .option('--no-autotune', 'skip measuring kernel variants');
  addSamplingOptions(program);
  addAdapterOption(program);
  program.parse(process.argv);
  const o = program.opts();
  if (!o.checkpoint) throw new UsageError('--checkpoint is required');
  if (!String(o.out).endsWith('.png')) throw new UsageError(`--out must be a .png file, got "${o.out}"`);
  const ckptPath = resolveCheckpoint(o.checkpoint);
  const bytes = readFileBytes(ckptPath, 'checkpoint');
  const meta = readCheckpointMeta(bytes, ckptPath);
  console.log(`model: ${ckptPath} — ${describeModel(meta)}`);
  if (o.class !== undefined && !meta.config.classes) throw new UsageError('--class needs a class-conditional checkpoint');
  const classes = meta.config.classes;
  if (typeof o.class === 'number' && o.class >= classes) throw new UsageError(`--class ${o.class}: this model has classes 0–${classes - 1}${meta.dataset?.classNames.length ? ` (${meta.dataset.classNames.join(', ')})` : ''}`);
  const schedule = new NoiseSchedule(meta.schedule);
  const so = samplingFromOpts(o, schedule.T, !!meta.config.classes);
  const init = initFromFlags(o, o.n, meta.config.inChannels, meta.config.imageSize);

  const gpu = await setupGpu(o.autotune, false, o.adapter);
  const halfConvs = notePrecision(gpu, so.precision);
  const model = new UNet(gpu, meta.config);
  loadCheckpoint(model, bytes);
  const t0 = performance.now();
  const imgs = await sample(gpu, model, schedule, {
    n: o.n, ...so,
    classLabel: model.conditional ? (o.class === 'all' ? Array.from({ length: o.n }, (_, i) => i % classes) : (o.class ?? null)) : null, seed: o.seed, ema: o.ema,
    init,
  });
  const secs = (performance.now() - t0) / 1000;
  writeGridPng(o.out, imgs, o.n, meta.config.imageSize, 2, o.class === 'all' ? Math.min(classes, o.n) : undefined);
  if (o.preview && meta.config.inChannels === 1) console.log(terminalPreview(imgs, o.n, meta.config.imageSize));
  const how = !init ? '' : init.mask ? `, inpainting ${o.init} where ${o.mask} is white${init.resample ? `, resample ${init.resample}` : ''}` : `, from ${o.init} at strength ${init.strength}`;
  console.log(`${o.n} samples from ${ckptPath} (${describeSampling(so, halfConvs)}${how}) in ${secs.toFixed(1)} s → ${o.out}`);
  if (o.raw) {
    const s = meta.config.imageSize;
    const shape = [o.n, meta.config.inChannels, s, s];
    writeFileAtomic(o.raw, String(o.raw).endsWith('.npy') ? npyBytes(imgs, shape) : new Uint8Array(imgs.buffer));
    console.log(`raw samples [${shape.join(', ')}] float32 in [−1, 1] → ${o.raw}`);
  }
  gpu.destroy();
});
