// TrainingSession (src/train/session.ts), the loop the CLI and the page share, on a tiny 28×28 UNet: a run
// paused, checkpointed and resumed in a new session gives the same losses and weights as one run straight
// through (the Philox key is the seed and the step, both restored); a non-finite loss stops the run naming
// the step and the last good save; pause ends within the step in hand; dispose returns every buffer.
import { describe, expect, it } from 'vitest';
import type { UNetConfig } from '../src/model/config.ts';
import { DEFAULT_TRAIN, type TrainConfig } from '../src/train/trainer.ts';
import { TrainingSession, type RunPlan, type SessionHooks, type SessionStart } from '../src/train/session.ts';
import { savedTrainConfig } from '../src/train/settings.ts';
import { readCheckpointMeta } from '../src/io/checkpoint.ts';
import { loadMnist } from '../src/data/mnist-node.ts';
import { DEFAULT_SCHEDULE } from '../src/diffusion/schedule.ts';
import { useGpu } from './helpers.ts';

const getGpu = useGpu({ reduce: 'serial' });
// As test/train.test.ts: MNIST-sized images, few channels, so each step takes well under a second.
const MINI: UNetConfig = { imageSize: 28, inChannels: 1, channels: [8, 8], blocksPerLevel: 1, attentionLevels: [1], groups: 4, heads: 1, timeEmbedDim: 16, classes: 10 };
const TRAIN: TrainConfig = { ...DEFAULT_TRAIN, batch: 2, lr: 3e-3, seed: 77, schedule: { ...DEFAULT_SCHEDULE, predictionType: 'v_prediction' }, minSnrGamma: 5 };
const digits = loadMnist();
const yieldToHost = () => new Promise<void>((r) => setImmediate(r));

/** Hooks that record every loss by step and keep saved checkpoints in memory. */
function recorder(onStep?: (step: number) => void) {
  const losses = new Map<number, number>();
  const saves: { step: number; bytes: Uint8Array; why: string }[] = [];
  const hooks: SessionHooks = {
    onLosses(step, ls) {
      ls.forEach((l, i) => losses.set(step - ls.length + 1 + i, l));
      onStep?.(step);
    },
    async saveCheckpoint(step, bytes, why) {
      saves.push({ step, bytes, why });
      return `memory #${saves.length}`;
    },
    yieldToHost,
  };
  return { losses, saves, hooks };
}

const plan = (steps: number, extra: Partial<RunPlan> = {}): RunPlan => ({ steps, lossEvery: 3, sampleEvery: 0, checkpointEvery: 0, ...extra });

describe('training session', () => {
  it('pause → checkpoint → resume in a new session gives the same losses and weights as an uninterrupted run', async () => {
    const gpu = await getGpu();
    const start: SessionStart = { kind: 'fresh', initSeed: 3 };
    const straight = new TrainingSession(gpu, digits, { config: MINI, train: TRAIN, start });
    const a = recorder();
    expect(await straight.run(plan(8), a.hooks)).toEqual({ reason: 'done', step: 8 });
    const reference = await straight.model.params.flat('params').read();
    straight.dispose();

    // Pause from inside the run (as a click or a signal would) right after the poll at step 3.
    const first = new TrainingSession(gpu, digits, { config: MINI, train: TRAIN, start });
    const b = recorder((step) => step === 3 && void first.pause());
    expect(await first.run(plan(8), b.hooks)).toEqual({ reason: 'paused', step: 3 }); // within the step in hand
    expect(b.saves.map((s) => [s.step, s.why])).toEqual([[3, 'pause']]);
    first.dispose();

    // The new session takes model and settings from the checkpoint alone, as --resume and the page do.
    const bytes = b.saves[0].bytes;
    const meta = readCheckpointMeta(bytes);
    const second = new TrainingSession(gpu, digits, { config: meta.config, train: savedTrainConfig(meta), start: { kind: 'resume', bytes } });
    expect(second.step).toBe(3);
    expect(second.settings).toEqual(TRAIN);
    await second.run(plan(8), b.hooks);
    const resumed = await second.model.params.flat('params').read();
    second.dispose();

    expect([...b.losses.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const [step, l] of a.losses) expect(b.losses.get(step), `loss at step ${step}`).toBeCloseTo(l, 6);
    let worst = 0;
    for (let i = 0; i < reference.length; i++) worst = Math.max(worst, Math.abs(resumed[i] - reference[i]));
    expect(worst).toBeLessThan(1e-6);
  });

  it('a non-finite loss stops the run naming the step and the last good checkpoint', async () => {
    const gpu = await getGpu();
    const s = new TrainingSession(gpu, digits, { config: MINI, train: TRAIN, start: { kind: 'fresh', initSeed: 1 } });
    // After the step-2 checkpoint, a learning rate no model survives: the weights blow up, then the loss.
    const r = recorder((step) => step === 2 && s.update({ lr: 1e30 }));
    const err = await s.run(plan(20, { lossEvery: 1, checkpointEvery: 2 }), r.hooks).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/^loss became (NaN|-?Infinity) at step \d+; training stopped\. Last good checkpoint: memory #1 \(step 2\)$/);
    const bad = Number(err!.message.match(/at step (\d+)/)![1]);
    expect(bad).toBeGreaterThan(2);
    expect(r.saves.map((x) => x.step)).toEqual([2]); // nothing saved after the loss went bad
    expect(s.isRunning).toBe(false);
    s.dispose();
  });

  it('runs its hooks on schedule and refuses a target already reached', async () => {
    const gpu = await getGpu();
    const s = new TrainingSession(gpu, digits, { config: MINI, train: TRAIN, start: { kind: 'fresh', initSeed: 1 } });
    const samples: number[] = [];
    const rates: number[] = [];
    const r = recorder(() => rates.push(s.rate.stepsPerSecond));
    await s.run(plan(5, { sampleEvery: 2, checkpointEvery: 4 }), { ...r.hooks, onSample: async (step) => void samples.push(step) });
    expect(samples).toEqual([2, 4, 5]);
    expect(rates.length).toBeGreaterThan(0);
    expect(rates.every((x) => x > 0 && Number.isFinite(x))).toBe(true); // live during the run, not only after a hook
    expect(r.saves.map((x) => [x.step, x.why])).toEqual([[4, 'periodic'], [5, 'end']]);
    expect([...r.losses.keys()]).toEqual([1, 2, 3, 4, 5]);
    expect(() => s.run(plan(5), r.hooks)).toThrow(/step 5 is already reached/);
    s.dispose();
  });

  it('dispose returns every buffer: sessions built, trained and disposed again take no new GPU memory', async () => {
    const gpu = await getGpu();
    // Parameter buffers are made outside the pool: count them as they are made and freed.
    const live = new Set<GPUBuffer>();
    const make = gpu.createBuffer.bind(gpu);
    gpu.createBuffer = (size, usage, label) => {
      const b = make(size, usage, label);
      if (label !== 'pool' && label !== 'readback' && !label.endsWith(' params')) {
        live.add(b);
        const free = b.destroy.bind(b);
        b.destroy = () => (live.delete(b), free());
      }
      return b;
    };
    const round = async () => {
      const s = new TrainingSession(gpu, digits, { config: MINI, train: TRAIN, start: { kind: 'fresh', initSeed: 1 } });
      await s.run(plan(2), recorder().hooks);
      s.update({ batch: 3 }); // a rebuilt trainer must not leave the old one behind
      await s.run(plan(3), recorder().hooks);
      await s.sample({ n: 2, steps: 2 });
      s.dispose();
      await gpu.sync();
    };
    try {
      await round();
      const stats = gpu.cacheStats();
      await round();
      expect(gpu.cacheStats().buffersCreated).toBe(stats.buffersCreated);
      expect(gpu.cacheStats().pooledBytes).toBe(stats.pooledBytes);
      expect(live.size).toBe(0);
    } finally {
      gpu.createBuffer = make;
    }
  });
});
