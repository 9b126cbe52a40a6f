// End-to-end measurements: a whole training step (forward + backward + AdamW + EMA) per preset and batch,
// its CPU-side encode time against its GPU time, GPU memory held after warm-up, and DDIM-50 sampling
// throughput. Data are random images (timing does not depend on the pixels).
import type { Gpu } from '../src/runtime/gpu.ts';
import { UNet } from '../src/model/unet.ts';
import { PRESETS } from '../src/model/config.ts';
import { Trainer, DEFAULT_TRAIN } from '../src/train/trainer.ts';
import { DEFAULT_SCHEDULE, NoiseSchedule } from '../src/diffusion/schedule.ts';
import { sample } from '../src/diffusion/sampler.ts';
import type { BenchRecord } from './suite.ts';

export interface E2EOptions {
  presets: string[];
  batches: number[];
  steps: number;
  sampleN: number;
  log?: (l: string) => void;
  /** Median ms of one training step of the same UNet in a peer library (the page passes TensorFlow.js). */
  peerStep?: (cfg: (typeof PRESETS)[string], batch: number, steps: number) => Promise<number>;
}

export async function runEndToEnd(gpu: Gpu, o: E2EOptions): Promise<BenchRecord[]> {
  const out: BenchRecord[] = [];
  for (const preset of o.presets) {
    const cfg = PRESETS[preset];
    const model = new UNet(gpu, cfg);
    model.params.initialize(0);
    const fl = model.flopsPerImage();
    const px = cfg.imageSize * cfg.imageSize;
    const count = 256;
    const data = { images: Float32Array.from({ length: count * px }, (_, i) => (i * 2654435761) % 1000 / 1000), labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count };
    for (const batch of o.batches) {
      const tr = new Trainer(gpu, model, data, { ...DEFAULT_TRAIN, batch, schedule: DEFAULT_SCHEDULE });
      tr.encodeStep();
      await gpu.sync();
      const before = gpu.cacheStats();
      let encode = 0;
      const t0 = performance.now();
      let kernels: string[] = [];
      for (let i = 0; i < o.steps; i++) {
        const e0 = performance.now();
        gpu.trace = i === 0 ? [] : null; // what one step runs
        tr.encodeStep();
        if (i === 0) kernels = [...new Set(gpu.trace)];
        gpu.trace = null;
        encode += performance.now() - e0;
        await gpu.sync();
      }
      const ms = (performance.now() - t0) / o.steps;
      const after = gpu.cacheStats();
      const allocatedDuringSteps = after.buffersCreated - before.buffersCreated;
      const memory = gpu.pool.allocatedBytes + 5 * 4 * model.params.total;
      const rec: BenchRecord = {
        name: 'train_step', direction: `${preset} (encode ${(encode / o.steps).toFixed(1)} ms CPU; ${(memory / 2 ** 20).toFixed(0)} MiB GPU; ${allocatedDuringSteps} buffers created after warm-up)`,
        shape: [batch, cfg.inChannels, cfg.imageSize, cfg.imageSize], variant: 'one command buffer', flops: 3 * fl * batch, bytes: 4 * 5 * model.params.total,
        ms_median: ms, ms_min: ms, gflops: (3 * fl * batch) / ms / 1e6, gbps: 0, max_abs_err: 0, max_rel_err: 0, cpu_ms: 0, timing: 'wall',
        ms_wall_readback: ms, kernels, peers: { tfjs_ms: null, jaxjs_ms: null },
      };
      if (o.peerStep) {
        try {
          rec.peers.tfjs_ms = await o.peerStep(cfg, batch, o.steps);
        } catch (e) {
          o.log?.(`peer training step failed: ${(e as Error).message}`);
        }
      }
      out.push(rec);
      o.log?.(`train_step ${preset} batch ${batch}: ${ms.toFixed(0)} ms/step, encode ${(encode / o.steps).toFixed(1)} ms, ${(memory / 2 ** 20).toFixed(0)} MiB, ${allocatedDuringSteps} buffers created after warm-up`);
    }
    const n = o.sampleN;
    const sched = new NoiseSchedule();
    await sample(gpu, model, sched, { n, sampler: 'ddim', steps: 2, classLabel: null });
    const s0 = performance.now();
    gpu.trace = [];
    await sample(gpu, model, sched, { n, sampler: 'ddim', steps: 50, classLabel: null });
    const sampleKernels = [...new Set(gpu.trace)];
    gpu.trace = null;
    const sms = performance.now() - s0;
    out.push({
      name: 'ddim50_sampling', direction: `${preset} (${((1000 * n) / sms).toFixed(2)} images/s)`, shape: [n, cfg.inChannels, cfg.imageSize, cfg.imageSize], variant: 'fused sampler step',
      flops: 50 * fl * n, bytes: 0, ms_median: sms, ms_min: sms, gflops: (50 * fl * n) / sms / 1e6, gbps: 0, max_abs_err: 0, max_rel_err: 0, cpu_ms: 0, timing: 'wall',
      ms_wall_readback: sms, kernels: sampleKernels, peers: { tfjs_ms: null, jaxjs_ms: null },
    });
    o.log?.(`ddim50 ${preset} n=${n}: ${((1000 * n) / sms).toFixed(2)} images/s`);
  }
  return out;
}
