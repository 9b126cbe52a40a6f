// MSE loss (forward into the GPU loss ring, backward; plain and weighted by timestep), AdamW over a flat buffer
// and EMA vs CPU twins. Single-call GPU-vs-twin checks and the twins' gradients are the op table's
// (test/ops/loss.ts, adamw.ts); here the ring's slots, several AdamW steps under a schedule, EMA and refusals.
import { describe, expect, it } from 'vitest';
import { mseBackward, mseForward } from '../src/ops/loss.ts';
import { adamwStep, emaUpdate, scheduledLr } from '../src/ops/adamw.ts';
import { advanceCounter, newCounter } from '../src/ops/random.ts';
import { adamwRef, lrRef, mseRef, mseWeightedRef, type AdamRefCfg } from './reference/optim.ts';
import { expectClose, poisoned, randArray, useGpu } from './helpers.ts';
import { checkOp, checkTwinGradients } from './ops/check.ts';
import { mseBackwardSpec, mseForwardSpec, mseWeightedBackwardSpec, mseWeightedForwardSpec } from './ops/loss.ts';
import { adamwSpec } from './ops/adamw.ts';

const getGpu = useGpu();

describe('mse', () => {
  // Plain and weighted, forward (one-slot ring) and backward, twins against finite differences: the op table's.
  for (const spec of [mseForwardSpec, mseBackwardSpec, mseWeightedForwardSpec, mseWeightedBackwardSpec]) {
    checkOp(spec, getGpu);
    checkTwinGradients(spec);
  }

  // The ring: the loss lands in slot counter mod capacity and nowhere else (the other slots stay NaN).
  for (const weighted of [false, true]) {
    it(`${weighted ? 'weighted: ' : ''}the loss goes into slot counter mod capacity of the ring`, async () => {
      const gpu = await getGpu();
      const [N, S] = [3, 5];
      const p = randArray(N * S, 71);
      const t = randArray(N * S, 72);
      const table = randArray(1000, 77, 0, 2);
      const ts = [3, 999, 500];
      const weighting = weighted ? { t: gpu.upload([N], ts, 't', 'u32'), weights: gpu.upload([1000], table) } : undefined;
      const losses = poisoned(gpu, [8]);
      mseForward(gpu, gpu.upload([N, S], p), gpu.upload([N, S], t), losses, newCounter(gpu, 13), undefined, weighting); // 13 mod 8 = 5
      const ref = weighted ? mseWeightedRef(p, t, ts.map((ti) => table[ti])) : mseRef(p, t);
      const got = await losses.read();
      expectClose('ring slot 5', [got[5]], [ref], 1e-6, 1e-5);
      expect(Array.from(got).filter((v) => !Number.isNaN(v))).toHaveLength(1);
    });
  }

  it('weighted: a t or weights of the wrong kind is refused before any GPU work', async () => {
    const gpu = await getGpu();
    const x = gpu.upload([2, 4], randArray(8, 78));
    const losses = gpu.tensor([8], 'test');
    expect(() => mseForward(gpu, x, x, losses, undefined, undefined, { t: gpu.upload([3], [0, 1, 2], 't', 'u32'), weights: gpu.upload([10], randArray(10, 1)) }))
      .toThrow(/mse_weighted_forward: t has 3 entries but pred has batch 2/);
    expect(() => mseBackward(gpu, x, x, 1, undefined, { t: gpu.upload([2], randArray(2, 1)), weights: gpu.upload([10], randArray(10, 1)) })).toThrow(/mse_weighted_backward.*t/);
  });
});

describe('adamw', () => {
  /** Runs `steps` AdamW steps on the GPU and the twin side by side; `check` runs after each step. */
  async function adamRun(n: number, cfg: AdamRefCfg, seed: number, gradSeed: number, steps: number, check: (step: number, gpuParam: () => Promise<Float32Array>, ref: Float64Array[]) => Promise<void>) {
    const gpu = await getGpu();
    const p0 = randArray(n, seed);
    const tp = gpu.upload([n], p0);
    const tm = gpu.upload([n], new Float32Array(n));
    const tv = gpu.upload([n], new Float32Array(n));
    const counter = newCounter(gpu, 0);
    const ref = [Float64Array.from(p0), new Float64Array(n), new Float64Array(n)];
    for (let step = 1; step <= steps; step++) {
      const g = randArray(n, gradSeed + step);
      advanceCounter(gpu, counter);
      adamwStep(gpu, tp, gpu.upload([n], g), tm, tv, counter, cfg);
      adamwRef(ref[0], g, ref[1], ref[2], step, cfg);
      await check(step, () => tp.read(), ref);
    }
  }

  // One step from warm moments at a GPU-counter step t > 1: the op table's (test/ops/adamw.ts).
  checkOp(adamwSpec, getGpu);

  it('learning-rate schedule: warm-up, cosine decay and the flat tail match the twin step by step', async () => {
    const schedule = { warmup: 3, decayStart: 4, decayEnd: 9, minFactor: 0.1 };
    const cfg = { lr: 2e-2, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01, schedule };
    await adamRun(37, cfg, 76, 180, 11, async (step, read, ref) => {
      expect(scheduledLr(cfg.lr, schedule, step)).toBeCloseTo(lrRef(cfg.lr, schedule, step), 12);
      expectClose(`adamw param at step ${step}`, await read(), ref[0], 1e-6, 1e-5);
    });
    expect(lrRef(1, schedule, 1)).toBeCloseTo(1 / 3, 12);
    expect(lrRef(1, schedule, 4)).toBe(1);
    expect(lrRef(1, schedule, 9)).toBeCloseTo(0.1, 12);
    expect(lrRef(1, schedule, 50)).toBeCloseTo(0.1, 12);
  });

  it('ema update', async () => {
    const gpu = await getGpu();
    const e = randArray(33, 90);
    const p = randArray(33, 91);
    const te = gpu.upload([33], e);
    emaUpdate(gpu, te, gpu.upload([33], p), 0.99);
    expectClose('ema', await te.read(), Float64Array.from(e, (v, i) => 0.99 * v + 0.01 * p[i]), 1e-6, 1e-6);
  });

  // Warm-up: d = min(decay, (1 + t)/(10 + t)) — 0.1 at t = 0, 0.5 at t = 8, the plain decay late.
  for (const [t, d] of [[0, 0.1], [8, 0.5], [100000, 0.99]] as const) {
    it(`ema update with warm-up at step ${t} uses decay ${d}`, async () => {
      const gpu = await getGpu();
      const e = randArray(33, 92);
      const p = randArray(33, 93);
      const te = gpu.upload([33], e);
      emaUpdate(gpu, te, gpu.upload([33], p), 0.99, newCounter(gpu, t));
      expectClose('ema warm-up', await te.read(), Float64Array.from(e, (v, i) => d * v + (1 - d) * p[i]), 1e-6, 1e-6);
    });
  }

  it('rejects size mismatches', async () => {
    const gpu = await getGpu();
    const c = newCounter(gpu);
    expect(() => adamwStep(gpu, gpu.tensor([10]), gpu.tensor([9]), gpu.tensor([10]), gpu.tensor([10]), c, { lr: 1 })).toThrow(/adamw: grad must have 10 elements, got \[9\] \(9\)/);
    const t = gpu.tensor([10]);
    expect(() => adamwStep(gpu, t, t, t, t, c, { lr: 1, schedule: { warmup: 0, decayStart: 0, decayEnd: 5, minFactor: 2 } })).toThrow(/adamw: schedule minFactor must be in \[0, 1\], got 2/);
  });
});
