// npm run profile -- [--preset tiny|small] [--batch 32] [--json FILE]
// Where one training step's GPU time goes, per kernel entry point, in Node through Dawn: one warm-up step,
// then one step with a timestamp pair around every dispatch. Prints a table (time, dispatches, share) and
// optionally writes it as JSON. The sum of per-dispatch times is close to, not equal to, the step's wall
// time (each dispatch gets its own compute pass while profiling).
import { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { addAdapterOption, int, oneOf, runCli, setupGpu } from '../cli/common.ts';
import { adapterLine } from '../src/runtime/device.ts';
import type { Gpu } from '../src/runtime/gpu.ts';
import { UNet } from '../src/model/unet.ts';
import { PRESETS } from '../src/model/config.ts';
import { Trainer, DEFAULT_TRAIN } from '../src/train/trainer.ts';
import { DEFAULT_SCHEDULE } from '../src/diffusion/schedule.ts';

export interface KernelShare { kernel: string; ms: number; dispatches: number; share: number }

/** Per-kernel GPU time of one training step of `preset` at `batch` (random images), largest first. */
export async function profileStep(gpu: Gpu, preset: string, batch: number): Promise<{ wallMs: number; gpuMs: number; kernels: KernelShare[] }> {
  if (!gpu.hasTimestamps) throw new Error('profile: this adapter has no timestamp-query feature, so per-kernel GPU time cannot be measured');
  const model = new UNet(gpu, PRESETS[preset]);
  model.params.initialize(0);
  const px = PRESETS[preset].imageSize ** 2;
  const count = Math.max(batch, 16);
  const data = { images: Float32Array.from({ length: count * px }, (_, i) => ((i * 2654435761) % 1000) / 1000), labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count };
  const tr = new Trainer(gpu, model, data, { ...DEFAULT_TRAIN, batch, schedule: DEFAULT_SCHEDULE });
  tr.encodeStep();
  await gpu.sync();
  gpu.resetKernelTimes();
  gpu.profile = true;
  const t0 = performance.now();
  tr.encodeStep();
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

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli('npm run profile -- [--preset tiny|small] [--batch N] [--json FILE]', async () => {
    const o = addAdapterOption(new Command())
      .exitOverride()
      .configureOutput({ writeErr: () => {} })
      .option('--preset <name>', 'UNet preset', oneOf('preset', ['tiny', 'small'] as const), 'tiny')
      .option('--batch <n>', 'batch size', int('batch', 1, 4096), 32)
      .option('--json <file>', 'also write the table as JSON')
      .parse(process.argv)
      .opts();
    const gpu = await setupGpu(true, false, o.adapter);
    const r = await profileStep(gpu, o.preset, o.batch);
    const a = gpu.adapterInfo;
    console.log(`${o.preset} batch ${o.batch} on ${adapterLine(a)}: wall ${r.wallMs.toFixed(0)} ms, GPU ${r.gpuMs.toFixed(0)} ms summed over dispatches`);
    console.log(`${'kernel'.padEnd(40)} ${'ms'.padStart(9)} ${'calls'.padStart(6)}  share`);
    for (const k of r.kernels) console.log(`${k.kernel.padEnd(40)} ${k.ms.toFixed(1).padStart(9)} ${String(k.dispatches).padStart(6)}  ${(100 * k.share).toFixed(1)}%`);
    if (o.json) writeFileSync(o.json, JSON.stringify({ preset: o.preset, batch: o.batch, adapter: a, ...r }, null, 1));
    gpu.destroy();
  });
}
