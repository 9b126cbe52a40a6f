// MSE loss (forward into the GPU loss ring, backward; plain and weighted by timestep), AdamW over a flat buffer and EMA vs CPU twins.
import { describe, expect, it } from 'vitest';
import { mseBackward, mseForward } from '../src/ops/loss.ts';
import { adamwStep, emaUpdate, scheduledLr } from '../src/ops/adamw.ts';
import { advanceCounter, newCounter } from '../src/ops/random.ts';
import { adamwRef, lrRef, mseBackwardRef, mseRef, mseWeightedBackwardRef, mseWeightedRef, type AdamRefCfg } from './reference/optim.ts';
import { finiteDiff } from './reference/gradcheck.ts';
import { expectClose, poisoned, randArray, useGpu } from './helpers.ts';

const getGpu = useGpu();

describe('mse', () => {
  for (const n of [1, 5, 784 * 3, 100_000]) {
    it(`forward and backward n=${n}`, async () => {
      const gpu = await getGpu();
      const p = randArray(n, 71);
      const t = randArray(n, 72);
      const tp = gpu.upload([n], p);
      const tt = gpu.upload([n], t);
      const losses = poisoned(gpu, [8]);
      const counter = newCounter(gpu, 13); // slot 13 mod 8 = 5
      mseForward(gpu, tp, tt, losses, counter);
      expectClose('mse', [(await losses.read())[5]], [mseRef(p, t)], 1e-6, 1e-5);
      expectClose('mse backward', await mseBackward(gpu, tp, tt, 0.5, poisoned(gpu, [n])).read(), mseBackwardRef(p, t, 0.5), 1e-9, 1e-5);
    });
  }

  // Per-sample weights looked up by timestep (min-SNR-γ): odd sample sizes, batch 1 and 3.
  for (const [N, S] of [[3, 49], [1, 5], [2, 784]]) {
    it(`weighted by timestep: forward and backward N${N} S${S}`, async () => {
      const gpu = await getGpu();
      const p = randArray(N * S, 75);
      const t = randArray(N * S, 76);
      const table = randArray(1000, 77, 0, 2);
      const ts = [3, 999, 500].slice(0, N);
      const w = ts.map((ti) => table[ti]);
      const weighted = { t: gpu.upload([N], ts, 't', 'u32'), weights: gpu.upload([1000], table) };
      const tp = gpu.upload([N, S], p);
      const tt = gpu.upload([N, S], t);
      const losses = poisoned(gpu, [8]);
      mseForward(gpu, tp, tt, losses, newCounter(gpu, 2), undefined, weighted);
      expectClose('weighted mse', [(await losses.read())[2]], [mseWeightedRef(p, t, w)], 1e-6, 1e-5);
      expectClose('weighted mse backward', await mseBackward(gpu, tp, tt, 0.5, poisoned(gpu, [N, S]), weighted).read(), mseWeightedBackwardRef(p, t, w, 0.5), 1e-9, 1e-5);
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

  it('weighted backward twin agrees with finite differences', () => {
    const p = Float64Array.from(randArray(6, 79));
    const t = randArray(6, 80);
    const w = [0.3, 1.7];
    const ref = mseWeightedBackwardRef(p, t, w);
    expectClose('fd weighted mse', finiteDiff((v) => [mseWeightedRef(v, t, w)], p, [1], [0, 2, 5]), [ref[0], ref[2], ref[5]], 1e-8, 1e-6);
  });

  it('backward twin agrees with finite differences', () => {
    const p = Float64Array.from(randArray(6, 73));
    const t = randArray(6, 74);
    const ref = mseBackwardRef(p, t);
    expectClose('fd mse', finiteDiff((v) => [mseRef(v, t)], p, [1], [0, 2, 5]), [ref[0], ref[2], ref[5]], 1e-8, 1e-6);
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
    return { tm, tv, ref };
  }

  it('three steps on a flat buffer match the CPU twin, with the step from the GPU counter', async () => {
    const cfg = { lr: 1e-2, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01 };
    let last: Float32Array | null = null;
    const { tm, tv, ref } = await adamRun(1000, cfg, 75, 80, 3, async (step, read) => {
      if (step === 3) last = await read();
    });
    expectClose('adamw param', last!, ref[0], 1e-6, 1e-5);
    expectClose('adamw m', await tm.read(), ref[1], 1e-7, 1e-5);
    expectClose('adamw v', await tv.read(), ref[2], 1e-9, 1e-4);
  });

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
