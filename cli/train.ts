// npm run train -- --config tiny --steps 500 --batch 16 --lr 1e-3 --out runs/x [--resume FILE] [--seed 0]
// Trains the UNet on the 8,000 training-split MNIST digits entirely on the GPU; writes checkpoints (safetensors) and
// sample grids (PNG) into --out, and stops with a clear message if the loss stops being finite.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { addAdapterOption, adapterRecord, int, num, oneOf, resolveCheckpoint, runCli, setupGpu, UsageError } from './common.ts';
import { PRESETS, validateConfig, type UNetConfig } from '../src/model/config.ts';
import { UNet } from '../src/model/unet.ts';
import { Trainer, DEFAULT_TRAIN } from '../src/train/trainer.ts';
import { scheduledLr } from '../src/ops/adamw.ts';
import { loadMnist } from '../src/data/mnist-node.ts';
import { splitDigits } from '../src/data/split.ts';
import { NoiseSchedule, type PredictionType, type ScheduleConfig } from '../src/diffusion/schedule.ts';
import { DEFAULT_SAMPLING, sample } from '../src/diffusion/sampler.ts';
import { checkpointBytes, loadCheckpoint, readCheckpointMeta } from '../src/io/checkpoint.ts';
import { ensureWritableDir, readFileBytes, writeFileAtomic } from '../src/io/checkpoint-node.ts';
import { writeGridPng } from '../src/io/images-node.ts';

const USAGE = 'npm run train -- [--config tiny|small|FILE.json] [--steps N] [--batch N] [--lr X] [--out DIR] [--resume FILE | --from MODEL] [--seed N] [--adapter gpu|lavapipe|swiftshader] [--schedule linear|cosine] [--prediction v|eps] [--min-snr GAMMA] [--no-ema-warmup] [--sample-every N] [--loss-every N]';

function resolveConfig(name: string, unconditional: boolean): UNetConfig {
  let cfg: UNetConfig;
  if (PRESETS[name]) cfg = { ...PRESETS[name] };
  else if (name.endsWith('.json') && existsSync(name)) {
    try {
      cfg = JSON.parse(readFileSync(name, 'utf8'));
    } catch (e) {
      throw new UsageError(`--config ${name} is not valid JSON (${(e as Error).message})`);
    }
  } else throw new UsageError(`--config must be a preset (${Object.keys(PRESETS).join(', ')}) or a .json file, got "${name}"`);
  if (unconditional) cfg.classes = 0;
  try {
    validateConfig(cfg);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return cfg;
}

await runCli(USAGE, async () => {
  const program = new Command()
    .name('train')
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .option('--config <name>', 'preset (tiny, small) or a JSON config file', 'tiny')
    .option('--steps <n>', 'training steps to run (in total, counting resumed ones)', int('steps', 1), 500)
    .option('--batch <n>', 'batch size', int('batch', 1, 4096), 16)
    .option('--lr <x>', 'AdamW learning rate', num('lr', 0, 1), 1e-3)
    .option('--lr-warmup <n>', 'linear learning-rate warm-up over the first N steps', int('lr-warmup', 0), 0)
    .option('--lr-decay <kind>', 'learning-rate decay: none, or cosine down to --lr-min × lr at --steps', oneOf('lr-decay', ['none', 'cosine'] as const), 'none')
    .option('--lr-decay-start <step>', 'step where the cosine decay begins (default: the end of the warm-up)', int('lr-decay-start', 0))
    .option('--lr-min <factor>', 'learning rate at the end of the decay, as a fraction of --lr', num('lr-min', 0, 1), 0.1)
    .option('--weight-decay <x>', 'AdamW weight decay', num('weight-decay', 0, 1), 0)
    .option('--ema-decay <x>', 'EMA decay of the weights', num('ema-decay', 0, 1), DEFAULT_TRAIN.emaDecay)
    .option('--no-ema-warmup', 'keep the EMA decay fixed from step 1 (default: warmed up as min(decay, (1 + t)/(10 + t)), so the average forgets the initial weights early)')
    .option('--out <dir>', 'output directory', 'runs/default')
    .option('--resume <file>', 'continue from a checkpoint')
    .option('--from <model>', 'start from these weights (a checkpoint, or a shipped model name such as mnist-tiny) with a fresh optimizer at step 0')
    .option('--seed <n>', 'random seed (initial weights, batches, noise)', int('seed', 0, 0xffffffff), 0)
    .option('--schedule <name>', 'noise schedule', oneOf('schedule', ['linear', 'cosine'] as const), 'linear')
    .option('--timesteps <n>', 'diffusion steps T', int('timesteps', 2, 100000), 1000)
    .option('--prediction <kind>', 'what the model learns to output: v (√ᾱ·ε − √(1−ᾱ)·x0; the default, chosen by docs/recipes.md) or eps (the noise)', oneOf('prediction', ['eps', 'v'] as const), 'v')
    .option('--min-snr <gamma>', 'min-SNR-γ loss weighting (Hang et al. 2023; the paper uses 5); 0: plain MSE', num('min-snr', 0, 1e6), 0)
    .option('--label-dropout <p>', 'probability of training on the null class (classifier-free guidance)', num('label-dropout', 0, 1), 0.1)
    .option('--unconditional', 'train without class labels')
    .option('--sample-every <n>', 'write a sample grid and a checkpoint every N steps', int('sample-every', 1), 250)
    .option('--loss-every <n>', 'read the loss back every N steps', int('loss-every', 1, 1024), 10)
    .option('--sample-steps <n>', 'sampler steps for the periodic sample grids', int('sample-steps', 1, 1000), DEFAULT_SAMPLING.steps)
    .option('--no-autotune', 'skip measuring kernel variants for this adapter');
  addAdapterOption(program);
  program.parse(process.argv);
  const o = program.opts();
  if (program.args.length) throw new UsageError(`unexpected argument "${program.args[0]}"`);
  const decayStart: number = o.lrDecayStart ?? o.lrWarmup;
  if (o.lrDecay === 'cosine' && decayStart >= o.steps) {
    throw new UsageError(`${o.lrDecayStart !== undefined ? '--lr-decay-start' : '--lr-warmup'} ${decayStart} must be below --steps ${o.steps} for --lr-decay cosine`);
  }
  if (o.lrDecay !== 'cosine' && (o.lrDecayStart !== undefined || program.getOptionValueSource('lrMin') === 'cli')) {
    throw new UsageError('--lr-decay-start and --lr-min need --lr-decay cosine');
  }
  let lrSchedule = { warmup: o.lrWarmup, decayStart, decayEnd: o.lrDecay === 'cosine' ? o.steps : 0, minFactor: o.lrMin };

  let resumeBytes: Uint8Array | null = null;
  let config: UNetConfig;
  const prediction: PredictionType = o.prediction === 'v' ? 'v_prediction' : 'epsilon';
  let schedCfg: ScheduleConfig = {
    numTrainTimesteps: o.timesteps, betaSchedule: o.schedule === 'cosine' ? 'squaredcos_cap_v2' : 'linear', betaStart: 1e-4, betaEnd: 0.02, predictionType: prediction,
  };
  // A checkpoint fixes what its model outputs; a flag that asks for the other is a mistake, not a switch.
  const checkPrediction = (flag: string, meta: ScheduleConfig) => {
    const saved = meta.predictionType ?? 'epsilon';
    if (program.getOptionValueSource('prediction') === 'cli' && saved !== prediction) {
      throw new UsageError(`--prediction ${o.prediction}: the model of ${flag} was trained with ${saved === 'epsilon' ? 'eps' : 'v'}-prediction`);
    }
  };
  let startStep = 0;
  let fromBytes: Uint8Array | null = null;
  if (o.resume && o.from) throw new UsageError('give --resume (continue a run) or --from (fine-tune from weights), not both');
  if (o.from) {
    o.from = resolveCheckpoint(o.from);
    fromBytes = readFileBytes(o.from, 'checkpoint');
    const meta = readCheckpointMeta(fromBytes);
    config = meta.config;
    checkPrediction('--from', meta.schedule);
    schedCfg = meta.schedule;
  } else if (o.resume) {
    resumeBytes = readFileBytes(o.resume, 'checkpoint');
    const meta = readCheckpointMeta(resumeBytes);
    config = meta.config;
    checkPrediction('--resume', meta.schedule);
    schedCfg = meta.schedule;
    startStep = meta.step;
    if (o.steps <= startStep) {
      throw new UsageError(`--steps ${o.steps} is the total to reach, but ${o.resume} is already at step ${startStep}; give a larger --steps`);
    }
    if (program.getOptionValueSource('config') === 'cli') console.warn('note: --config is ignored with --resume: the checkpoint fixes the model');
    // A resumed run writes where it was, not into the default folder (which would split one run in two).
    if (program.getOptionValueSource('out') !== 'cli') o.out = dirname(o.resume);
    // Training settings come from the checkpoint unless a flag says otherwise (then the flag wins, said once).
    const saved = (meta.train ?? {}) as Record<string, unknown>;
    for (const [flag, key] of [['batch', 'batch'], ['lr', 'lr'], ['weightDecay', 'weightDecay'], ['emaDecay', 'emaDecay'], ['seed', 'seed'], ['labelDropout', 'labelDropout']] as const) {
      if (saved[key] === undefined) continue;
      if (program.getOptionValueSource(flag) !== 'cli') o[flag] = saved[key];
      else if (saved[key] !== o[flag]) console.warn(`note: continuing with --${flag.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} ${o[flag]} (the checkpoint trained with ${saved[key]})`);
    }
    if (program.getOptionValueSource('minSnr') !== 'cli' && saved.minSnrGamma !== undefined) o.minSnr = saved.minSnrGamma ?? 0;
    if (program.getOptionValueSource('emaWarmup') !== 'cli' && saved.emaWarmup !== undefined) o.emaWarmup = saved.emaWarmup;
    const lrFlags = ['lrWarmup', 'lrDecay', 'lrDecayStart', 'lrMin'].some((f) => program.getOptionValueSource(f) === 'cli');
    if (saved.lrSchedule && !lrFlags) lrSchedule = saved.lrSchedule as typeof lrSchedule;
    else if (saved.lrSchedule && JSON.stringify(saved.lrSchedule) !== JSON.stringify(lrSchedule)) {
      console.warn(`note: the checkpoint was trained with learning-rate schedule ${JSON.stringify(saved.lrSchedule)}; continuing with ${JSON.stringify(lrSchedule)} from the flags`);
    }
  } else {
    config = resolveConfig(o.config, !!o.unconditional);
  }

  // Before any GPU work: a run that cannot save is refused now, not after training.
  try {
    ensureWritableDir(o.out, '--out');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const gpu = await setupGpu(o.autotune, false, o.adapter);
  const model = new UNet(gpu, config);
  if (resumeBytes) {
    loadCheckpoint(model, resumeBytes);
    console.log(`resumed ${o.resume} at step ${startStep}`);
  } else if (fromBytes) {
    const meta = loadCheckpoint(model, fromBytes);
    // Start from the EMA weights (the better set) with fresh AdamW moments.
    const ps = model.params;
    gpu.copy(ps.flat('ema'), ps.flat('params'));
    gpu.write(ps.flat('m'), new Float32Array(ps.total));
    gpu.write(ps.flat('v'), new Float32Array(ps.total));
    console.log(`starting from the weights of ${o.from} (trained ${meta.step} steps); fresh optimizer`);
  } else {
    model.params.initialize(o.seed);
  }
  const schedule = new NoiseSchedule(schedCfg);
  // The held-out fifth (src/data/split.ts) is kept for `npm run eval`.
  const digits = splitDigits(loadMnist()).train;
  const trainCfg = { batch: o.batch, lr: o.lr, weightDecay: o.weightDecay, emaDecay: o.emaDecay, seed: o.seed, labelDropout: o.labelDropout, schedule: schedCfg, lrSchedule, minSnrGamma: o.minSnr || null, emaWarmup: !!o.emaWarmup };
  const trainer = new Trainer(gpu, model, digits, trainCfg, startStep);
  console.log(
    `model: ${model.params.count.toLocaleString('en')} parameters, ${(model.flopsPerImage() / 1e6).toFixed(1)} MFLOP forward per image; ` +
      `${digits.count} MNIST training digits; batch ${o.batch}, lr ${o.lr}${o.lrWarmup ? ` (warm-up ${o.lrWarmup} steps)` : ''}${o.lrDecay === 'cosine' ? ` (cosine decay from step ${decayStart} to ${o.lrMin}× at ${o.steps})` : ''}, ${schedCfg.betaSchedule} schedule T=${schedCfg.numTrainTimesteps}, ` +
      `${schedule.predictionType === 'v_prediction' ? 'v' : 'ε'}-prediction, ${o.minSnr ? `min-SNR-${o.minSnr} weighted` : 'plain'} MSE`,
  );
  const ckptPath = join(o.out, 'checkpoint.safetensors');
  let lastGood: string | null = null;

  const writeOutputs = async (step: number) => {
    const n = 16;
    const labels = model.conditional ? Array.from({ length: n }, (_, i) => i % 10) : null;
    const d = DEFAULT_SAMPLING;
    const imgs = await sample(gpu, model, schedule, {
      ...d, n, steps: Math.min(o.sampleSteps, schedule.T), classLabel: labels, guidance: model.conditional ? d.guidance : undefined, seed: 1234,
    });
    const png = join(o.out, `samples_step${String(step).padStart(6, '0')}.png`);
    writeGridPng(png, imgs, n, config.imageSize, 3);
    writeFileAtomic(ckptPath, await checkpointBytes(model, { schedule: schedCfg, step, train: trainCfg, adapter: adapterRecord(gpu) }));
    lastGood = ckptPath;
    return png;
  };

  const bar = new cliProgress.SingleBar(
    { format: 'step {value}/{total} |{bar}| loss {loss} | lr {lr} | {sps} steps/s | ETA {eta_formatted}', hideCursor: true, etaBuffer: 20, noTTYOutput: true, notTTYSchedule: 10000 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(o.steps, startStep, { loss: '—', sps: '—', lr: scheduledLr(o.lr, lrSchedule, startStep + 1).toExponential(1) });
  const t0 = performance.now();
  let lastPng = '';
  let recent: number[] = [];
  // Ctrl-C / SIGTERM: finish the step in hand, save, say where; a second signal quits at once.
  // One Ctrl-C in a terminal reaches this process more than once (the whole foreground group gets it and
  // npm forwards it again), so a repeat within a second counts as the same request, not a second one.
  let interrupted: string | null = null;
  let interruptedAt = 0;
  const onSignal = (sig: string) => {
    if (interrupted && performance.now() - interruptedAt > 1000) process.exit(130);
    if (!interrupted) [interrupted, interruptedAt] = [sig, performance.now()];
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  while (trainer.step < o.steps) {
    trainer.encodeStep();
    const s = trainer.step;
    await new Promise(setImmediate); // lets a signal in between steps
    if (interrupted) {
      bar.stop();
      await trainer.readLosses();
      lastPng = await writeOutputs(s);
      console.log(`interrupted (${interrupted}) at step ${s}; checkpoint: ${ckptPath}`);
      console.log(`continue with: npm run train -- --resume ${ckptPath} --steps ${o.steps}`);
      gpu.destroy();
      process.exit(130);
    }
    if (s % o.lossEvery === 0 || s === o.steps) {
      const losses = await trainer.readLosses();
      const bad = losses.findIndex((l) => !Number.isFinite(l));
      if (bad >= 0) {
        bar.stop();
        throw new Error(`loss became ${losses[bad]} at step ${s - losses.length + bad + 1}; training stopped. ` + (lastGood ? `Last good checkpoint: ${lastGood}` : 'No checkpoint was written yet.'));
      }
      recent = [...recent, ...losses].slice(-50);
      const sps = (s - startStep) / ((performance.now() - t0) / 1000);
      bar.update(s, { loss: (recent.reduce((a, b) => a + b, 0) / recent.length).toFixed(4), sps: sps.toFixed(2), lr: scheduledLr(o.lr, lrSchedule, s).toExponential(1) });
    }
    if (s % o.sampleEvery === 0 || s === o.steps) {
      if (s % o.lossEvery !== 0) await trainer.readLosses();
      lastPng = await writeOutputs(s);
    }
  }
  bar.stop();
  const secs = (performance.now() - t0) / 1000;
  console.log(`done: ${o.steps - startStep} steps in ${secs.toFixed(0)} s; final loss (mean of last ${recent.length}) ${(recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length)).toFixed(4)}`);
  console.log(`checkpoint: ${ckptPath}`);
  console.log(`samples:    ${lastPng}`);
  gpu.destroy();
});
