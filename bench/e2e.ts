// End-to-end measurements: a whole training step (forward + backward + AdamW + EMA) per preset and batch,
// its CPU-side encode time against its GPU time, GPU memory held after warm-up, and DDIM-50 sampling
// throughput in f32 and, where the adapter has the half kernels, f16. Data are random images (timing does not
// depend on the pixels).
import { StepPacer } from '../src/runtime/pacer.ts';
import type { Gpu } from '../src/runtime/gpu.ts';
import { UNet } from '../src/model/unet.ts';
import { PRESETS } from '../src/model/config.ts';
import { Trainer, DEFAULT_TRAIN } from '../src/train/trainer.ts';
import { DEFAULT_SCHEDULE, NoiseSchedule } from '../src/diffusion/schedule.ts';
import { sample } from '../src/diffusion/sampler.ts';
import type { Precision } from '../src/model/layers.ts';
import type { BenchRecord } from './suite.ts';
import type { UNetConfig } from '../src/model/config.ts';

/** A CPU peer started once per preset and batch, stepped one step at a time (its steps run right after ours). */
export interface CpuPeerSession {
  /** Its parameter count and every parameter's shape ("32x16x3x3"), checked against ours. */
  params: number;
  shapes: string[];
  /** What ran ("PyTorch 1.13.1 on the CPU, 1 thread") and how it was timed, for the record. */
  label: string;
  timing: string;
  /** One training step; its wall time in ms. */
  step(): Promise<number>;
  close(): void;
}

/** A peer outside the page (Node: PyTorch on the CPU, bench/torch-peer.ts); `skipped` says why it did not run. */
export interface CpuPeer {
  key: 'torch';
  name: string;
  start(cfg: UNetConfig, batch: number): Promise<CpuPeerSession | { skipped: string }>;
}

export interface E2EOptions {
  presets: string[];
  batches: number[];
  steps: number;
  sampleN: number;
  log?: (l: string) => void;
  /** A CPU peer whose steps run right after ours, as many (Node passes PyTorch; the record notes how both were timed). */
  cpuPeer?: CpuPeer;
  /** Median ms of one training step of the same UNet in peer libraries, by peer key (the page passes TensorFlow.js on WebGPU and on WASM). */
  peerSteps?: { tfjs?: PeerStep; tfjs_wasm?: PeerStep };
}

/** Pipelined steps before the timed ones: the pacer's first estimate comes from a wait that spins. */
const WARM_STEPS = 4;

type PeerStep = (cfg: (typeof PRESETS)[string], batch: number, steps: number) => Promise<number>;

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
      const peer = o.cpuPeer ? await startCpuPeer(o.cpuPeer, cfg, batch, model, o.log) : null;
      const closePeer = () => { if (peer && !('skipped' in peer)) peer.close(); };
      let tr: Trainer;
      const pacer = new StepPacer();
      // Where waiting spins a core (Node) steps run as the training loop runs them there: two in flight with
      // paced fence waits (StepPacer). Elsewhere (the browser) as its training loop does: one at a time.
      const pipelined = gpu.waitSpinsCpu;
      try {
        tr = new Trainer(gpu, model, data, { ...DEFAULT_TRAIN, batch, schedule: DEFAULT_SCHEDULE });
        tr.encodeStep(); // warm-up: pipelines, pooled buffers
        await gpu.sync();
        if (!pipelined) {
          tr.encodeStep();
          await gpu.sync();
        }
      } catch (e) {
        closePeer(); // e.g. out of memory at a large batch: no python child left behind
        pacer.destroy();
        throw e;
      }
      const before = gpu.cacheStats();
      let encode = 0;
      let total = 0;
      const peerTimes: number[] = [];
      let kernels: string[] = [];
      try {
        if (pipelined) {
          // WARM_STEPS + o.steps + 2 steps in one pipeline: the warm-up steps settle the pacer's estimate (its
          // first wait spins and runs long), and a step's time is the interval between the GPU finishing step
          // WARM_STEPS and step WARM_STEPS + o.steps, over o.steps.
          let t0 = 0;
          for (let i = 0; i <= WARM_STEPS + o.steps + 1; i++) {
            const e0 = performance.now();
            gpu.trace = i === WARM_STEPS ? [] : null; // what one step runs
            tr.encodeStep();
            if (i === WARM_STEPS) kernels = [...new Set(gpu.trace)];
            gpu.trace = null;
            if (i > WARM_STEPS && i <= WARM_STEPS + o.steps) encode += performance.now() - e0;
            // The two timed ends wake early (at 80 % of the estimate) and wait, so each is seen when the GPU
            // gets there, not after an oversleep; their short spins make the time, if anything, longer.
            const end = i === WARM_STEPS + 1 || i === WARM_STEPS + o.steps + 1;
            await pacer.step(gpu, undefined, end ? 0.8 : 1); // waits for step i − 1
            if (i === WARM_STEPS + 1) t0 = pacer.doneAt;
            if (i === WARM_STEPS + o.steps + 1) total = pacer.doneAt - t0;
          }
          await pacer.drain();
        } else {
          for (let i = 0; i < o.steps; i++) {
            const e0 = performance.now();
            gpu.trace = i === 0 ? [] : null;
            tr.encodeStep();
            if (i === 0) kernels = [...new Set(gpu.trace)];
            gpu.trace = null;
            encode += performance.now() - e0;
            gpu.flush();
            await gpu.device.queue.onSubmittedWorkDone();
            total += performance.now() - e0;
          }
        }
        await gpu.check();
        // Then as many steps of the CPU peer, while our queue is empty.
        if (peer && !('skipped' in peer)) for (let i = 0; i < o.steps; i++) peerTimes.push(await peer.step());
      } finally {
        closePeer();
        pacer.destroy();
      }
      const ms = total / o.steps;
      const peerMs = peerTimes.length ? peerTimes.reduce((a, b) => a + b, 0) / peerTimes.length : null;
      const peerNote = !peer || !o.cpuPeer ? '' : 'skipped' in peer ? `; ${o.cpuPeer.name} ${peer.skipped}` : `; ${peer.label}: ${peerMs?.toFixed(0)} ms/step, ${((peerMs ?? 0) / ms).toFixed(2)}× ours`;
      const after = gpu.cacheStats();
      const allocatedDuringSteps = after.buffersCreated - before.buffersCreated;
      const memory = gpu.pool.allocatedBytes + 5 * 4 * model.params.total;
      const rec: BenchRecord = {
        name: 'train_step', direction: `${preset} (encode ${(encode / o.steps).toFixed(1)} ms CPU; ${(memory / 2 ** 20).toFixed(0)} MiB GPU; ${allocatedDuringSteps} buffers created after warm-up${peerNote})`,
        shape: [batch, cfg.inChannels, cfg.imageSize, cfg.imageSize], variant: 'one command buffer', flops: 3 * fl * batch, bytes: 4 * 5 * model.params.total,
        ms_median: ms, ms_min: ms, gflops: (3 * fl * batch) / ms / 1e6, gbps: 0, max_abs_err: 0, max_rel_err: 0, cpu_ms: 0, timing: 'wall',
        ms_wall_readback: ms, kernels, peers: { tfjs_ms: null, jaxjs_ms: null },
      };
      if (peer && o.cpuPeer) {
        rec.peers[`${o.cpuPeer.key}_ms`] = peerMs;
        rec.peer_notes = {
          [o.cpuPeer.key]: 'skipped' in peer ? peer.skipped : `${peer.label}; mean of ${peerTimes.length} step${peerTimes.length === 1 ? '' : 's'} after warm-up, run right after ours; ${peer.timing}`,
          ours: pipelined
            ? `wall clock per step in steady state: ${WARM_STEPS + o.steps + 2} steps back to back, two in flight as the training loop runs them (StepPacer's paced fence waits); the time between the GPU finishing step ${WARM_STEPS} and step ${WARM_STEPS + o.steps} (both waits woken at 80 % of the estimate), over ${o.steps}`
            : `wall clock per step (encode, submit, queue done), one at a time as the browser's training loop runs them, mean of ${o.steps} after two warm-up steps`,
        };
      }
      for (const key of ['tfjs', 'tfjs_wasm'] as const) {
        const step = o.peerSteps?.[key];
        if (!step) continue;
        try {
          rec.peers[`${key}_ms`] = await step(cfg, batch, o.steps);
        } catch (e) {
          o.log?.(`peer ${key} training step failed: ${(e as Error).message}`);
        }
      }
      out.push(rec);
      o.log?.(`train_step ${preset} batch ${batch}: ${ms.toFixed(0)} ms/step, encode ${(encode / o.steps).toFixed(1)} ms, ${(memory / 2 ** 20).toFixed(0)} MiB, ${allocatedDuringSteps} buffers created after warm-up`);
    }
    const n = o.sampleN;
    const sched = new NoiseSchedule();
    // f32, and f16 where the adapter has the half kernels (8-lane subgroups), alternating so that a slow
    // spell of a shared machine hits both; the faster of two runs each.
    const precisions: Precision[] = gpu.hasSubgroups8 ? ['f32', 'f16'] : ['f32'];
    const best: Partial<Record<Precision, number>> = {};
    const kernelsBy: Partial<Record<Precision, string[]>> = {};
    for (const precision of precisions) await sample(gpu, model, sched, { n, sampler: 'ddim', steps: 2, classLabel: null, precision });
    for (let rep = 0; rep < 2; rep++)
      for (const precision of precisions) {
        const s0 = performance.now();
        gpu.trace = [];
        await sample(gpu, model, sched, { n, sampler: 'ddim', steps: 50, classLabel: null, precision });
        kernelsBy[precision] = [...new Set(gpu.trace)];
        gpu.trace = null;
        best[precision] = Math.min(best[precision] ?? Infinity, performance.now() - s0);
      }
    for (const precision of precisions) {
      const sms = best[precision]!;
      out.push({
        name: 'ddim50_sampling', direction: `${preset} (${((1000 * n) / sms).toFixed(2)} images/s)`, shape: [n, cfg.inChannels, cfg.imageSize, cfg.imageSize],
        variant: `fused sampler step, ${precision}`,
        flops: 50 * fl * n, bytes: 0, ms_median: sms, ms_min: sms, gflops: (50 * fl * n) / sms / 1e6, gbps: 0, max_abs_err: 0, max_rel_err: 0, cpu_ms: 0, timing: 'wall',
        ms_wall_readback: sms, kernels: kernelsBy[precision]!, peers: { tfjs_ms: null, jaxjs_ms: null },
      });
      o.log?.(`ddim50 ${preset} n=${n} ${precision}: ${((1000 * n) / sms).toFixed(2)} images/s`);
    }
  }
  return out;
}

/** Starts the CPU peer and checks that it built our UNet (same parameter count and shapes), else throws. */
async function startCpuPeer(p: CpuPeer, cfg: UNetConfig, batch: number, model: UNet, log?: (l: string) => void): Promise<CpuPeerSession | { skipped: string }> {
  const s = await p.start(cfg, batch).catch((e: Error) => ({ skipped: `failed: ${e.message}` }));
  if ('skipped' in s) {
    log?.(`${p.name} peer ${s.skipped}`);
    return s;
  }
  const ours = model.params.specs.map((q) => q.shape.join('x')).sort();
  const theirs = [...s.shapes].sort();
  if (s.params !== model.params.count || ours.join() !== theirs.join()) {
    s.close();
    const only = (a: string[], b: string[]) => a.filter((x) => !b.includes(x)).join(', ') || 'none';
    throw new Error(`${p.name} UNet does not match ours: ${s.params.toLocaleString('en-US')} parameters against our ${model.params.count.toLocaleString('en-US')}; ` +
      `shapes only in ${p.name}: ${only(theirs, ours)}; only in ours: ${only(ours, theirs)}`);
  }
  return s;
}
