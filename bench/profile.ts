// npm run profile -- [--preset tiny|small] [--batch 32] [--forward [--precision f16]] [--json FILE]
// Where one training step's GPU time goes (or, with --forward, one forward-only pass as sampling runs it),
// per kernel entry point, in Node through Dawn: one warm-up step (or pass), then one with a timestamp pair
// around every dispatch. Prints a table (time, dispatches, share) and
// optionally writes it as JSON. The sum of per-dispatch times is close to, not equal to, the step's wall
// time (each dispatch gets its own compute pass while profiling).
import { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { addAdapterOption, int, oneOf, runCli, setupGpu, UsageError } from '../cli/common.ts';
import { adapterLine } from '../src/runtime/device.ts';
import type { Gpu } from '../src/runtime/gpu.ts';
import { UNet } from '../src/model/unet.ts';
import { PRESETS } from '../src/model/config.ts';
import { Trainer, DEFAULT_TRAIN } from '../src/train/trainer.ts';
import { DEFAULT_SCHEDULE } from '../src/diffusion/schedule.ts';
import type { Precision } from '../src/model/layers.ts';

export interface KernelShare { kernel: string; ms: number; dispatches: number; share: number }

interface Profiled { wallMs: number; gpuMs: number; kernels: KernelShare[] }

/** Times every dispatch of one run of `encode` (after one warm-up run): per kernel, largest first. */
async function profileOnce(gpu: Gpu, encode: () => void): Promise<Profiled> {
  encode();
  await gpu.sync();
  gpu.resetKernelTimes();
  gpu.profile = true;
  const t0 = performance.now();
  encode();
  const times = await gpu.kernelTimes();
  const wallMs = performance.now() - t0;
  gpu.profile = false;
  let gpuMs = 0;
  for (const t of times.values()) gpuMs += t.ms;
  const kernels = [...times.entries()]
    .map(([kernel, t]) => ({ kernel, ms: t.ms, dispatches: t.count, share: t.ms / gpuMs }))
    .sort((a, b) => b.ms - a.ms);
  return { wallMs, gpuMs, kernels };
}

function requireTimestamps(gpu: Gpu): void {
  if (!gpu.hasTimestamps) throw new Error('profile: this adapter has no timestamp-query feature, so per-kernel GPU time cannot be measured');
}

/** Per-kernel GPU time of one forward-only pass (a sampling step's model call) of `preset` at `batch`. */
export async function profileForward(gpu: Gpu, preset: string, batch: number, precision: Precision): Promise<Profiled> {
  requireTimestamps(gpu);
  const model = new UNet(gpu, PRESETS[preset]);
  model.params.initialize(0);
  const pass = model.pass(batch, false, 'ema', precision);
  const S = PRESETS[preset].imageSize;
  gpu.write(pass.x, Float32Array.from({ length: pass.x.size }, (_, i) => Math.sin(i) * (S / 28)));
  gpu.write(pass.t, Float32Array.from({ length: batch }, (_, i) => (i * 37) % 1000));
  if (pass.labels) gpu.write(pass.labels, Uint32Array.from({ length: batch }, (_, i) => i % 11));
  const r = await profileOnce(gpu, () => pass.graph.forward());
  model.destroy();
  return r;
}

/** Per-kernel GPU time of one training step of `preset` at `batch` (random images), largest first. */
export async function profileStep(gpu: Gpu, preset: string, batch: number): Promise<Profiled> {
  requireTimestamps(gpu);
  const model = new UNet(gpu, PRESETS[preset]);
  model.params.initialize(0);
  const px = PRESETS[preset].imageSize ** 2;
  const count = Math.max(batch, 16);
  const data = { images: Float32Array.from({ length: count * px }, (_, i) => ((i * 2654435761) % 1000) / 1000), labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count };
  const tr = new Trainer(gpu, model, data, { ...DEFAULT_TRAIN, batch, schedule: DEFAULT_SCHEDULE });
  return profileOnce(gpu, () => tr.encodeStep());
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli('npm run profile -- [--preset tiny|small] [--batch N] [--forward [--precision f32|f16]] [--json FILE]', async () => {
    const o = addAdapterOption(new Command())
      .exitOverride()
      .configureOutput({ writeErr: () => {} })
      .option('--preset <name>', 'UNet preset', oneOf('preset', ['tiny', 'small'] as const), 'tiny')
      .option('--batch <n>', 'batch size', int('batch', 1, 4096), 32)
      .option('--forward', 'profile one forward-only pass with the EMA weights (what each sampling step runs) instead of a training step')
      .option('--precision <p>', 'with --forward: f32, or f16 (half-row activations into the 3×3 convs where the adapter has the kernels)', oneOf('precision', ['f32', 'f16'] as const), 'f32')
      .option('--json <file>', 'also write the table as JSON')
      .parse(process.argv)
      .opts();
    if (o.precision !== 'f32' && !o.forward) throw new UsageError('--precision applies to --forward passes only (training runs in f32)');
    const gpu = await setupGpu(true, false, o.adapter);
    const r = o.forward ? await profileForward(gpu, o.preset, o.batch, o.precision) : await profileStep(gpu, o.preset, o.batch);
    const a = gpu.adapterInfo;
    const what = o.forward ? `forward pass (${o.precision})` : 'training step';
    console.log(`${o.preset} ${what}, batch ${o.batch} on ${adapterLine(a)}: wall ${r.wallMs.toFixed(0)} ms, GPU ${r.gpuMs.toFixed(0)} ms summed over dispatches`);
    console.log(`${'kernel'.padEnd(40)} ${'ms'.padStart(9)} ${'calls'.padStart(6)}  share`);
    for (const k of r.kernels) console.log(`${k.kernel.padEnd(40)} ${k.ms.toFixed(1).padStart(9)} ${String(k.dispatches).padStart(6)}  ${(100 * k.share).toFixed(1)}%`);
    if (o.json) writeFileSync(o.json, JSON.stringify({ preset: o.preset, batch: o.batch, pass: o.forward ? 'forward' : 'training', precision: o.precision, adapter: a, ...r }, null, 1));
    gpu.destroy();
  });
}
