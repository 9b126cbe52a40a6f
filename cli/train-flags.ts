// The flags of `npm run train` and what they decide, checked before any GPU work: the training set (loaded
// here, cli/train-data.ts), the model config, the training settings (on --resume the checkpoint's, with a
// note for each flag that overrides one), where the weights come from, and the output folder. cli/train.ts
// runs the result.
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { addAdapterOption, int, num, oneOf, resolveCheckpoint, totalSteps, UsageError } from './common.ts';
import { PRESETS, validateConfig, type UNetConfig } from '../src/model/config.ts';
import { DEFAULT_TRAIN, type TrainConfig } from '../src/train/trainer.ts';
import type { SessionStart } from '../src/train/session.ts';
import { savedTrainConfig } from '../src/train/settings.ts';
import type { LrSchedule } from '../src/ops/adamw.ts';
import type { PredictionType, ScheduleConfig } from '../src/diffusion/schedule.ts';
import { DEFAULT_SAMPLING } from '../src/diffusion/sampler.ts';
import { readCheckpointMeta, type CheckpointMeta } from '../src/io/checkpoint.ts';
import { readFileBytes } from '../src/io/checkpoint-node.ts';
import type { ImageSet, DatasetRecord } from '../src/data/image-set.ts';
import { datasetForCheckpoint, datasetForFresh } from './train-data.ts';

export const USAGE = 'npm run train -- [--dataset mnist|fashion-mnist|DIR|FILE.zip] [--channels 1|3] [--config tiny|small|FILE.json] [--steps N] [--batch N] [--lr X] [--out DIR] [--resume FILE | --from MODEL] [--seed N] [--adapter gpu|lavapipe|swiftshader] [--schedule linear|cosine] [--prediction v|eps] [--min-snr GAMMA] [--no-ema-warmup] [--sample-every N] [--loss-every N]';

export function flags(): Command {
  const program = new Command()
    .name('train')
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .option('--dataset <name>', 'training set: mnist, fashion-mnist (Debian package dataset-fashion-mnist), or a folder or .zip of PNG/JPEG images (class subfolders = classes)', 'mnist')
    .option('--channels <n>', "load a folder or zip's images as grey (1) or RGB (3) instead of detecting it", (v: string) => Number(oneOf('channels', ['1', '3'] as const)(v)))
    .option('--config <name>', 'preset (tiny, small) or a JSON config file', 'tiny')
    .option('--steps <n>', 'training steps to run (in total, counting resumed ones)', int('steps', 1), 500)
    .option('--batch <n>', 'batch size', int('batch', 1, 4096), DEFAULT_TRAIN.batch)
    .option('--lr <x>', 'AdamW learning rate', num('lr', 0, 1), DEFAULT_TRAIN.lr)
    .option('--lr-warmup <n>', 'linear learning-rate warm-up over the first N steps', int('lr-warmup', 0), 0)
    .option('--lr-decay <kind>', 'learning-rate decay: none, or cosine down to --lr-min × lr at --steps', oneOf('lr-decay', ['none', 'cosine'] as const), 'none')
    .option('--lr-decay-start <step>', 'step where the cosine decay begins (default: the end of the warm-up)', int('lr-decay-start', 0))
    .option('--lr-min <factor>', 'learning rate at the end of the decay, as a fraction of --lr', num('lr-min', 0, 1), 0.1)
    .option('--weight-decay <x>', 'AdamW weight decay', num('weight-decay', 0, 1), DEFAULT_TRAIN.weightDecay)
    .option('--ema-decay <x>', 'EMA decay of the weights', num('ema-decay', 0, 1), DEFAULT_TRAIN.emaDecay)
    .option('--no-ema-warmup', 'keep the EMA decay fixed from step 1 (default: warmed up as min(decay, (1 + t)/(10 + t)), so the average forgets the initial weights early)')
    .option('--out <dir>', 'output directory', 'runs/default')
    .option('--resume <file>', 'continue from a checkpoint')
    .option('--from <model>', 'start from these weights (a checkpoint, or a shipped model name such as mnist-tiny) with a fresh optimizer at step 0')
    .option('--seed <n>', 'random seed (initial weights, batches, noise)', int('seed', 0, 0xffffffff), DEFAULT_TRAIN.seed)
    .option('--schedule <name>', 'noise schedule', oneOf('schedule', ['linear', 'cosine'] as const), 'linear')
    .option('--timesteps <n>', 'diffusion steps T', int('timesteps', 2, 100000), 1000)
    .option('--prediction <kind>', 'what the model learns to output: v (√ᾱ·ε − √(1−ᾱ)·x0; the default, chosen by docs/recipes.md) or eps (the noise)', oneOf('prediction', ['eps', 'v'] as const), 'v')
    .option('--min-snr <gamma>', 'min-SNR-γ loss weighting (Hang et al. 2023; the paper uses 5); 0: plain MSE', num('min-snr', 0, 1e6), 0)
    .option('--label-dropout <p>', 'probability of training on the null class (classifier-free guidance)', num('label-dropout', 0, 1), DEFAULT_TRAIN.labelDropout)
    .option('--unconditional', 'train without class labels')
    .option('--sample-every <n>', 'write a sample grid and a checkpoint every N steps', int('sample-every', 1), 250)
    .option('--loss-every <n>', 'read the loss back every N steps', int('loss-every', 1, 1024), 10)
    .option('--sample-steps <n>', 'sampler steps for the periodic sample grids', int('sample-steps', 1, 1000), DEFAULT_SAMPLING.steps)
    .option('--no-autotune', 'skip measuring kernel variants for this adapter');
  return addAdapterOption(program);
}

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

/** The training settings the flags give (a fresh run, or --from). */
function trainFromFlags(program: Command, schedule: ScheduleConfig): TrainConfig {
  const o = program.opts();
  const decayStart: number = o.lrDecayStart ?? o.lrWarmup;
  if (o.lrDecay === 'cosine' && decayStart >= o.steps) {
    throw new UsageError(`${o.lrDecayStart !== undefined ? '--lr-decay-start' : '--lr-warmup'} ${decayStart} must be below --steps ${o.steps} for --lr-decay cosine`);
  }
  if (o.lrDecay !== 'cosine' && (o.lrDecayStart !== undefined || program.getOptionValueSource('lrMin') === 'cli')) {
    throw new UsageError('--lr-decay-start and --lr-min need --lr-decay cosine');
  }
  const lrSchedule: LrSchedule = { warmup: o.lrWarmup, decayStart, decayEnd: o.lrDecay === 'cosine' ? o.steps : 0, minFactor: o.lrMin };
  return {
    batch: o.batch, lr: o.lr, weightDecay: o.weightDecay, emaDecay: o.emaDecay, seed: o.seed, labelDropout: o.labelDropout,
    schedule, lrSchedule, minSnrGamma: o.minSnr || null, emaWarmup: !!o.emaWarmup,
  };
}

/** Flags that override a resumed checkpoint's setting: commander's name, the spelling, the TrainConfig key. */
const OVERRIDES = [
  ['batch', '--batch', 'batch'], ['lr', '--lr', 'lr'], ['weightDecay', '--weight-decay', 'weightDecay'], ['emaDecay', '--ema-decay', 'emaDecay'],
  ['seed', '--seed', 'seed'], ['labelDropout', '--label-dropout', 'labelDropout'], ['minSnr', '--min-snr', 'minSnrGamma'], ['emaWarmup', '--no-ema-warmup', 'emaWarmup'],
] as const;
const LR_FLAGS = ['lrWarmup', 'lrDecay', 'lrDecayStart', 'lrMin'];

/** --resume: the checkpoint's settings, except where a flag says otherwise (the flag wins, said once). */
function trainForResume(program: Command, meta: CheckpointMeta): TrainConfig {
  const saved = savedTrainConfig(meta);
  const flagged = trainFromFlags(program, meta.schedule);
  const cfg: TrainConfig = { ...saved };
  const fromCli = (f: string) => program.getOptionValueSource(f) === 'cli';
  for (const [flag, spelling, key] of OVERRIDES) {
    if (!fromCli(flag) || flagged[key] === saved[key]) continue;
    Object.assign(cfg, { [key]: flagged[key] });
    if (key === 'emaWarmup') console.warn('note: continuing with --no-ema-warmup (the checkpoint trained with the EMA warm-up)');
    else console.warn(`note: continuing with ${spelling} ${flagged[key] ?? 0} (the checkpoint trained with ${saved[key] ?? 0})`);
  }
  if (LR_FLAGS.some(fromCli) && JSON.stringify(flagged.lrSchedule) !== JSON.stringify(saved.lrSchedule)) {
    cfg.lrSchedule = flagged.lrSchedule;
    console.warn(`note: the checkpoint was trained with learning-rate schedule ${JSON.stringify(saved.lrSchedule ?? null)}; continuing with ${JSON.stringify(flagged.lrSchedule)} from the flags`);
  }
  return cfg;
}

export interface Plan {
  /** The training set, fitted to the model (size, channels). */
  data: ImageSet;
  /** What the checkpoints record about it. */
  dataset: DatasetRecord;
  config: UNetConfig;
  train: TrainConfig;
  start: SessionStart;
  startStep: number;
  out: string;
  said: string | null;
}

/** Everything the flags decide, checked before any GPU work. */
export function planFromFlags(program: Command): Plan {
  const o = program.opts();
  if (program.args.length) throw new UsageError(`unexpected argument "${program.args[0]}"`);
  if (o.resume && o.from) throw new UsageError('give --resume (continue a run) or --from (fine-tune from weights), not both');
  const prediction: PredictionType = o.prediction === 'v' ? 'v_prediction' : 'epsilon';
  const file: string | undefined = o.resume ?? (o.from ? resolveCheckpoint(o.from) : undefined);
  if (!file) {
    const schedule: ScheduleConfig = {
      numTrainTimesteps: o.timesteps, betaSchedule: o.schedule === 'cosine' ? 'squaredcos_cap_v2' : 'linear', betaStart: 1e-4, betaEnd: 0.02, predictionType: prediction,
    };
    const config = resolveConfig(o.config, !!o.unconditional);
    const train = trainFromFlags(program, schedule);
    const { set, record } = datasetForFresh(program, config, !PRESETS[o.config]);
    return { data: set, dataset: record, config, train, start: { kind: 'fresh', initSeed: o.seed }, startStep: 0, out: o.out, said: null };
  }
  const flag = o.resume ? '--resume' : '--from';
  // The checkpoint fixes the model and its noise schedule: say so for each flag that would change them.
  for (const [key, name] of [['schedule', '--schedule'], ['timesteps', '--timesteps'], ['unconditional', '--unconditional'], ...(o.from ? [['config', '--config']] : [])]) {
    if (program.getOptionValueSource(key) === 'cli') console.warn(`note: ${name} is ignored with ${flag}: the checkpoint fixes the model and its schedule`);
  }
  const bytes = readFileBytes(file, 'checkpoint');
  const meta = readCheckpointMeta(bytes, file);
  // A checkpoint fixes what its model outputs; a flag that asks for the other is a mistake, not a switch.
  const saved = meta.schedule.predictionType ?? 'epsilon';
  if (program.getOptionValueSource('prediction') === 'cli' && saved !== prediction) {
    throw new UsageError(`--prediction ${o.prediction}: the model of ${flag} was trained with ${saved === 'epsilon' ? 'eps' : 'v'}-prediction`);
  }
  if (o.from) {
    const train = trainFromFlags(program, meta.schedule);
    const { set, record } = datasetForCheckpoint(program, meta, '--from');
    return { data: set, dataset: record, config: meta.config, train, start: { kind: 'weights', bytes }, startStep: 0, out: o.out, said: `starting from the weights of ${file} (${trainedSteps(meta)}); fresh optimizer` };
  }
  // A model-only file (an exported or shipped model) has no optimizer state or separate EMA to continue.
  if (meta.contents === 'model') throw new UsageError(`--resume ${file} holds model weights only (no optimizer state); start from them with --from ${file}`);
  if (o.steps <= meta.step) throw new UsageError(`--steps ${o.steps} is the total to reach, but ${file} is already at step ${meta.step}; give a larger --steps`);
  if (program.getOptionValueSource('config') === 'cli') console.warn('note: --config is ignored with --resume: the checkpoint fixes the model');
  // A resumed run writes where it was, not into the default folder (which would split one run in two).
  const out = program.getOptionValueSource('out') === 'cli' ? o.out : dirname(file);
  const train = trainForResume(program, meta);
  const { set, record } = datasetForCheckpoint(program, meta, '--resume');
  return { data: set, dataset: record, config: meta.config, train, start: { kind: 'resume', bytes }, startStep: meta.step, out, said: `resumed ${file} at step ${meta.step}` };
}

/** "trained 6000 steps", or for a fine-tuned model (its counter restarted) "trained 13800 steps in all, 6000 in its last run". */
function trainedSteps(meta: { step: number; about?: Record<string, unknown> }): string {
  const total = totalSteps(meta);
  return total !== meta.step ? `trained ${total} steps in all, ${meta.step} in its last run` : `trained ${meta.step} steps`;
}
