// Shared command-line plumbing: option parsing helpers that fail with a one-line usage error (no stack
// trace), and the GPU set-up every command does (Dawn device, autotuned kernel variants).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { DEFAULT_SAMPLING, formatGuidanceInterval, parseGuidanceInterval } from '../src/diffusion/sampler.ts';
import { SAMPLERS, type SamplerName } from '../src/diffusion/plan.ts';
import type { TimestepSpacing } from '../src/diffusion/schedule.ts';
import type { CheckpointMeta } from '../src/io/checkpoint.ts';
import { ADAPTER_ENV, ADAPTER_KINDS, createNodeGpu, parseAdapterKind, type AdapterKind } from '../src/platform/node.ts';
import { adapterLine } from '../src/runtime/device.ts';
import { nodeTuneCache } from '../src/platform/tune-node.ts';
import { autotune } from '../src/tune/autotune.ts';
import type { Gpu } from '../src/runtime/gpu.ts';
import type { Precision } from '../src/model/layers.ts';
import { hasHalfKernels } from '../src/ops/half.ts';

export class UsageError extends Error {}

export function int(name: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got "${v}"`);
    return n;
  };
}

export function num(name: string, min = -Infinity, max = Infinity) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in [${min}, ${max}], got "${v}"`);
    return n;
  };
}

export function oneOf<T extends string>(name: string, values: readonly T[]) {
  return (v: string): T => {
    if (!values.includes(v as T)) throw new UsageError(`--${name} must be one of ${values.join(', ')}, got "${v}"`);
    return v as T;
  };
}

/** Runs a command's main, turning usage errors and expected failures into one line and an exit code. */
export async function runCli(usage: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
    process.exit(0);
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
    if (err instanceof UsageError || err.code?.startsWith('commander.')) {
      const msg = err.message.replace(/^error: /, '');
      console.error(`error: ${msg}\nusage: ${usage}`);
      process.exit(2);
    }
    console.error(`error: ${err.message}`);
    if (process.env.DEBUG) console.error(err.stack);
    process.exit(1);
  }
}

/** The --adapter option every command takes (WEBGPU_ADAPTER does the same; the flag wins). */
export function addAdapterOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--adapter <kind>', `WebGPU adapter: auto (GPU, then lavapipe, then SwiftShader) or ${ADAPTER_KINDS.join(', ')}; env ${ADAPTER_ENV}`)
      .argParser((v: string) => {
        try {
          return parseAdapterKind(v);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
      }),
  );
}

/** The adapter asked for by --adapter, else WEBGPU_ADAPTER, else auto — checked before any GPU work. */
export function chosenAdapter(flag: AdapterKind | 'auto' | undefined): AdapterKind | 'auto' {
  if (flag !== undefined) return flag;
  try {
    return parseAdapterKind(process.env[ADAPTER_ENV], ADAPTER_ENV);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export async function setupGpu(tune = true, quiet = false, adapter?: AdapterKind | 'auto'): Promise<Gpu> {
  const gpu = await createNodeGpu({ adapter: chosenAdapter(adapter), source: adapter !== undefined ? '--adapter' : `${ADAPTER_ENV}=` });
  const line = `adapter: ${adapterLine(gpu.adapterInfo)}`;
  if (tune) {
    const t = await autotune(gpu, nodeTuneCache());
    if (!quiet) console.log(`${line}; kernels: ${gpu.policy.describe()}`);
  } else if (!quiet) {
    console.log(line);
  }
  return gpu;
}

/** The adapter as recorded in checkpoints, eval JSON and bench reports. */
export function adapterRecord(gpu: Gpu): { kind: string; vendor: string; architecture: string; description: string } {
  const a = gpu.adapterInfo;
  return { kind: a.kind, vendor: a.vendor, architecture: a.architecture, description: a.description };
}

/** The sampling flags `sample` and `eval` share; defaults are DEFAULT_SAMPLING. */
export function addSamplingOptions(cmd: Command): Command {
  const d = DEFAULT_SAMPLING;
  return cmd
    .option('--sampler <name>', `${SAMPLERS.join(', ')} (diffusers' DDPM, DDIM, DPMSolverMultistep 2M and its SDE variant, EulerDiscrete, EulerAncestralDiscrete)`, oneOf('sampler', SAMPLERS), d.sampler)
    .option('--steps <n>', `inference steps (default ${d.steps}; ddpm: all T)`, int('steps', 1, 100000))
    .option('--eta <x>', 'DDIM stochasticity η (0 deterministic, 1 = DDPM-like)', num('eta', 0, 10), d.eta)
    .option('--spacing <s>', "timestep spacing (default: diffusers' for the sampler — leading for ddpm/ddim, linspace for the others)", oneOf('spacing', ['leading', 'trailing', 'linspace'] as const))
    .option('--guidance <s>', `classifier-free guidance scale (class-conditional models; default ${d.guidance})`, num('guidance', 0, 100))
    .option('--guidance-interval <lo,hi>', `guide only at noise levels σ = √(1−ᾱ)/√ᾱ in (lo, hi], or "all" (Kynkäänniemi et al. 2024; default ${formatGuidanceInterval(d.guidanceInterval)}); other steps run the conditional half alone`,
      // Commander replaces a parser's null by a placeholder, so "all" stays the string until samplingFromOpts.
      (v: string) => guidanceInterval(v) ?? 'all')
    .option('--no-clip', 'ddpm/ddim: do not clamp x̂0 to [−1, 1] (clip_sample, on by default; the other samplers never clamp, as in diffusers)')
    .option('--no-clipped-eps', "step with the model's raw ε̂ instead of the one re-derived from the clipped x̂0 (use_clipped_model_output)")
    .option('--dynamic-threshold <q>', "Imagen's dynamic thresholding at quantile q instead of the static clamp", num('dynamic-threshold', 0.5, 1))
    .option('--threshold-max <s>', "largest dynamic threshold (diffusers' sample_max_value; its default 1 would make it the static clamp)", num('threshold-max', 1, 100), 1.5)
    .option('--precision <p>', "f16: the model's 3×3 convs read f16 activations and weights (f32 arithmetic) where the adapter has the kernels (lavapipe); f32 elsewhere", oneOf('precision', ['f32', 'f16'] as const), 'f32');
}

/** A guidance interval as printed: "(0.3, 5]", or "all". */
export function intervalText(iv: [number, number] | null | undefined): string {
  return iv ? `(${iv.join(', ')}]` : 'all';
}

/** How a run samples, in one line: "ddim, 25 steps, η 1, guidance 1.5 in σ (0.3, 5]". */
export function describeSampling(so: { sampler: string; steps: number; eta?: number; guidance?: number; guidanceInterval?: [number, number] | null }, halfConvs = false): string {
  const guide = so.guidance === undefined ? '' : `, guidance ${so.guidance}${so.guidanceInterval ? ` in σ ${intervalText(so.guidanceInterval)}` : ''}`;
  return `${so.sampler}, ${so.steps} steps${so.sampler === 'ddim' ? `, η ${so.eta}` : ''}${guide}${halfConvs ? ', f16 convs' : ''}`;
}

/** "lo,hi" → the σ interval of --guidance-interval; "all" → null (guide at every step). */
export function guidanceInterval(v: string): [number, number] | null {
  try {
    return parseGuidanceInterval(v);
  } catch (e) {
    throw new UsageError(`--guidance-interval: ${(e as Error).message}`);
  }
}

/** Sampling options from the flags of addSamplingOptions (steps resolved against the schedule's T). */
export function samplingFromOpts(o: Record<string, any>, T: number, conditional: boolean) {
  const steps: number = o.steps ?? (o.sampler === 'ddpm' ? T : DEFAULT_SAMPLING.steps);
  if (steps > T) throw new UsageError(`--steps ${steps} is more than the schedule's T = ${T}`);
  if (o.guidance !== undefined && !conditional) throw new UsageError('--guidance needs a class-conditional checkpoint');
  if (o.guidanceInterval !== undefined && !conditional) throw new UsageError('--guidance-interval needs a class-conditional checkpoint');
  if (o.dynamicThreshold === undefined && o.thresholdMax !== 1.5) throw new UsageError('--threshold-max needs --dynamic-threshold');
  return {
    sampler: o.sampler as SamplerName, steps, eta: o.eta as number, spacing: o.spacing as TimestepSpacing | undefined,
    guidance: conditional ? ((o.guidance as number | undefined) ?? DEFAULT_SAMPLING.guidance) : undefined,
    // "all" (guide every step) must not fall back to the default interval.
    guidanceInterval: conditional ? (o.guidanceInterval === 'all' ? null : ((o.guidanceInterval as [number, number] | undefined) ?? DEFAULT_SAMPLING.guidanceInterval)) : null,
    clip: o.sampler === 'ddim' || o.sampler === 'ddpm' ? (o.clip as boolean) : false, clippedModelOutput: o.clippedEps as boolean,
    dynamicThreshold: o.dynamicThreshold !== undefined ? { quantile: o.dynamicThreshold as number, maxValue: o.thresholdMax as number } : null,
    precision: o.precision as Precision,
  };
}

/**
 * One line when --precision f16 was asked for on an adapter without the half kernels (it then runs f32);
 * returns whether the f16 convolutions run (for describeSampling).
 */
export function notePrecision(gpu: Gpu, precision: Precision | undefined): boolean {
  if (precision === 'f16' && !hasHalfKernels(gpu)) console.log('precision: f16 needs 8-lane subgroups (lavapipe has them); this adapter runs the f32 kernels');
  return precision === 'f16' && hasHalfKernels(gpu);
}

/** Where the shipped models live; `--checkpoint NAME` finds pretrained/NAME.safetensors. */
export const PRETRAINED_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'pretrained');

/** A checkpoint path, or the name of a shipped model (pretrained/NAME.safetensors); other paths pass through. */
export function resolveCheckpoint(arg: string): string {
  if (existsSync(arg) || arg.includes('/')) return arg;
  const named = join(PRETRAINED_DIR, `${arg.replace(/\.safetensors$/, '')}.safetensors`);
  return existsSync(named) ? named : arg;
}

/** One line on where a checkpoint came from: preset size, steps, image-gradients, adapter, scores. */
/** Steps a model was trained in all: a fine-tuned model's own counter restarts at 0, its about record keeps the whole count. */
export function totalSteps(meta: Pick<CheckpointMeta, 'step' | 'about'>): number {
  return (meta.about as { totalSteps?: number } | undefined)?.totalSteps ?? meta.step;
}

export function describeModel(meta: CheckpointMeta): string {
  const train = (meta.train ?? {}) as { batch?: number };
  const about = (meta.about ?? {}) as { imageGradients?: number; wallMinutes?: number; digitAccuracy?: number; evalSettings?: string };
  const parts = [`${meta.config.channels.join('/')} channels`, `${totalSteps(meta)} steps`];
  const grads = about.imageGradients ?? (train.batch ? train.batch * meta.step : undefined);
  if (grads) parts.push(`${(grads / 1000).toFixed(0)} k image-gradients`);
  if (meta.adapter?.kind) parts.push(`trained on ${meta.adapter.kind}${about.wallMinutes ? ` in ${about.wallMinutes.toFixed(0)} min` : ''}`);
  if (about.digitAccuracy !== undefined) parts.push(`digit accuracy ${(100 * about.digitAccuracy).toFixed(1)} %${about.evalSettings ? ` (${about.evalSettings})` : ''}`);
  return parts.join(', ');
}
