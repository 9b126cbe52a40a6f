// The σ-space samplers (DPM-Solver++ 2M and its SDE variant, Euler, Euler ancestral) against trajectories
// computed from diffusers' formulas in numpy (test/data/sampler-reference.json, scripts/reference-samplers.py);
// the fused step's multistep history and inpainting blend, and RePaint's renoise, against the CPU twin;
// image-to-image and inpainting through a model.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NoiseSchedule, type TimestepSpacing } from '../src/diffusion/schedule.ts';
import { samplerPlan, strengthStart, type SamplerName } from '../src/diffusion/plan.ts';
import { dpmSolverPlan } from '../src/diffusion/solvers.ts';
import { renoise, samplerStep } from '../src/ops/diffusion.ts';
import { randn } from '../src/ops/random.ts';
import { sample, type SampleOptions } from '../src/diffusion/sampler.ts';
import { UNet } from '../src/model/unet.ts';
import { PRESETS } from '../src/model/config.ts';
import { samplerStepRef } from './reference/diffusion.ts';
import { randnRef } from './reference/random.ts';
import { expectClose, randArray, useGpu } from './helpers.ts';

interface RefCase { schedule: 'linear' | 'cosine'; prediction: 'epsilon' | 'v_prediction'; sampler: SamplerName; spacing: TimestepSpacing; steps: number; timesteps: number[]; final: number[]; finalSigmasF32: number[] }
const ref = JSON.parse(readFileSync(new URL('./data/sampler-reference.json', import.meta.url), 'utf8')) as { K: number; noise: Record<string, number[][]>; cases: RefCase[] };

const schedules = {
  linear: (p: RefCase['prediction']) => new NoiseSchedule({ numTrainTimesteps: 1000, betaSchedule: 'linear', betaStart: 1e-4, betaEnd: 0.02, predictionType: p }),
  cosine: (p: RefCase['prediction']) => new NoiseSchedule({ numTrainTimesteps: 1000, betaSchedule: 'squaredcos_cap_v2', betaStart: 1e-4, betaEnd: 0.02, predictionType: p }),
};

/** The numpy script's stand-in for the UNet. */
const fakeModel = (x: Float64Array, t: number) => Float64Array.from(x, (v, k) => 0.5 * Math.cos(t / 300) * v + 0.1 * Math.sin(t / 100 + k));

/** Runs a plan on the CPU with the fused step's formula (the twin), from the reference's noise table. */
function runPlan(c: RefCase): Float64Array {
  const s = schedules[c.schedule](c.prediction);
  const plan = samplerPlan(s, { sampler: c.sampler, steps: c.steps, spacing: c.spacing });
  const noise = ref.noise[String(c.steps)];
  let x: Float64Array = Float64Array.from(noise[c.steps], (v) => v * plan.initScale);
  const hist = new Float64Array(ref.K);
  plan.steps.forEach(({ t, coefs }, i) => {
    x = samplerStepRef(x, fakeModel(x, t), coefs, noise[i], undefined, 1, {}, ref.K, { hist });
  });
  return x;
}

describe('σ-space samplers against diffusers formulas (numpy)', () => {
  for (const c of ref.cases) {
    it(`${c.sampler} ${c.steps} steps, ${c.spacing}, ${c.schedule}, ${c.prediction}`, () => {
      const plan = samplerPlan(schedules[c.schedule](c.prediction), { sampler: c.sampler, steps: c.steps, spacing: c.spacing });
      expect(plan.steps.map((p) => p.t)).toEqual(c.timesteps.map((t) => Math.fround(t)));
      const x = runPlan(c);
      // (numpy builds the linear betas in float32 as diffusers does; the schedule keeps float64: ~1e-9.)
      expectClose('final x (float64 formulas)', x, c.final, 1e-7, 1e-7);
      // diffusers stores σ in float32; the plan keeps float64 (σ up to 157 rounds by ~1e-5).
      expectClose('final x (diffusers, float32 σ)', x, c.finalSigmasF32, 1e-4, 1e-4);
    });
  }

  it('DPM-Solver++ 2M: first order at the first and last step, second order between', () => {
    const plan = dpmSolverPlan(new NoiseSchedule(), 10);
    expect(plan.map((p) => (p.coefs.coefHist ?? 0) !== 0)).toEqual([false, true, true, true, true, true, true, true, true, false]);
    expect(plan.map((p) => p.coefs.storeHist)).toEqual([...Array(9).fill(true), false]);
    const last = plan[9].coefs;
    expect([last.coefX0, last.coefXt, last.sigma]).toEqual([1, 0, 0]); // lands on x̂0 at σ = 0
  });
});

describe('image-to-image strength', () => {
  it('runs the last ⌊N·s⌋ of N steps, as diffusers img2img does', () => {
    expect(strengthStart(25, 1)).toBe(0);
    expect(strengthStart(25, 0.5)).toBe(13);
    expect(strengthStart(25, 0.03)).toBe(25); // ⌊0.75⌋ = 0 steps: the input itself
    for (const bad of [0, -0.1, 1.01, NaN]) expect(() => strengthStart(25, bad)).toThrow(/strength must be in \(0, 1\]/);
  });

  it('a DPM-Solver++ plan started part-way is first order at its first step', () => {
    const s = new NoiseSchedule();
    const part = samplerPlan(s, { sampler: 'dpmsolver++', steps: 10 }, 4);
    expect(part.steps.length).toBe(6);
    expect(Math.abs(part.steps[0].coefs.coefHist ?? 0)).toBe(0);
    expect(part.steps[1].coefs.coefHist).not.toBe(0);
    expect(part.steps[0].t).toBe(samplerPlan(s, { sampler: 'dpmsolver++', steps: 10 }).steps[4].t);
  });
});

const getGpu = useGpu();

describe('fused step: history and inpainting blend, renoise (GPU vs twin)', () => {
  for (const [N, S] of [[1, 7 * 7], [3, 13]] as const) {
    it(`DPM-Solver++ second-order step with inpainting (N${N} S${S})`, async () => {
      const gpu = await getGpu();
      const s = new NoiseSchedule({ numTrainTimesteps: 1000, betaSchedule: 'linear', betaStart: 1e-4, betaEnd: 0.02, predictionType: 'v_prediction' });
      const c = samplerPlan(s, { sampler: 'sde-dpmsolver++', steps: 10 }).steps[3].coefs;
      const x = randArray(N * S, 1, -2, 2);
      const out = randArray(N * S, 2);
      const hist0 = randArray(N * S, 3);
      const known = randArray(N * S, 4);
      const mask = Float32Array.from(randArray(N * S, 5), (v) => (v > 0 ? 1 : 0));
      const tx = gpu.upload([N, S], x);
      const th = gpu.upload([N, S], hist0);
      samplerStep(gpu, tx, gpu.upload([N, S], out), c, 5, 7, null, {}, { hist: th, inpaint: { known: gpu.upload([N, S], known), mask: gpu.upload([N, S], mask) } });
      const key: [number, number] = [5, Math.imul(7, 0x9e3779b9) >>> 0];
      const hist = Float64Array.from(hist0);
      const want = samplerStepRef(x, out, c, randnRef(N * S, key, 2), undefined, 1, {}, S, { hist, inpaint: { known, mask, z: randnRef(N * S, key, 3) } });
      // Two noise draws enter (the step's and the known image's): Box-Muller's log/cos are approximate on
      // SwiftShader, so the randn tolerance of test/random.test.ts applies.
      expectClose('x_prev', await tx.read(), want, 1e-3, 1e-3);
      expectClose('hist (this step x̂0)', await th.read(), hist, 1e-5, 1e-5);
    });
  }

  it('renoise: x ← a·x + b·z with its own noise stream', async () => {
    const gpu = await getGpu();
    const x = randArray(3 * 13, 8);
    const t = gpu.upload([3, 13], x);
    renoise(gpu, t, 0.9, 0.4, 11, 2);
    const z = randnRef(x.length, [11, Math.imul(2, 0x9e3779b9) >>> 0], 4);
    expectClose('renoised', await t.read(), Float64Array.from(x, (v, i) => 0.9 * v + 0.4 * z[i]), 1e-3, 1e-3);
  });

  it('a multistep coefficient without a hist buffer, and a mask of another shape, are refused', async () => {
    const gpu = await getGpu();
    const c = dpmSolverPlan(new NoiseSchedule(), 10)[2].coefs;
    const x = gpu.tensor([2, 4]);
    expect(() => samplerStep(gpu, x, gpu.tensor([2, 4]), c, 1, 0)).toThrow(/sampler_step: a multistep step .* needs a hist buffer/);
    expect(() => samplerStep(gpu, x, gpu.tensor([2, 4]), { ...c, coefHist: 0, storeHist: false }, 1, 0, null, {}, { inpaint: { known: gpu.tensor([2, 4]), mask: gpu.tensor([2, 3]) } }))
      .toThrow(/sampler_step: mask must have shape \[2, 4\], got \[2, 3\]/);
  });
});

describe('image-to-image and inpainting through a model', () => {
  const cfg = PRESETS.test;
  const px = cfg.inChannels * cfg.imageSize * cfg.imageSize;
  const images = (n: number) => Float32Array.from(randArray(n * px, 21), (v) => 0.5 + 0.5 * v);
  const model = async () => {
    const gpu = await getGpu();
    const m = new UNet(gpu, cfg);
    gpu.write(m.params.flat('ema'), randArray(m.params.total, 3, -0.2, 0.2));
    return { gpu, m };
  };

  it('strength below 1/steps returns the input; strength 1 starts from the plan\'s first level', async () => {
    const { gpu, m } = await model();
    const init = images(2);
    const same = await sample(gpu, m, new NoiseSchedule(), { n: 2, sampler: 'ddim', steps: 10, classLabel: 1, init: { images: init, strength: 0.05 } });
    expectClose('returned input', same, Float32Array.from(init, (v) => 2 * v - 1), 1e-6, 0);
    const changed = await sample(gpu, m, new NoiseSchedule(), { n: 2, sampler: 'ddim', steps: 10, classLabel: 1, init: { images: init, strength: 0.5 } });
    expect(changed.some((v, i) => Math.abs(v - (2 * init[i] - 1)) > 1e-3)).toBe(true);
    m.destroy();
  });

  for (const sampler of ['ddim', 'dpmsolver++', 'euler-ancestral'] as const) {
    it(`inpainting with ${sampler} keeps the unmasked pixels and changes the masked ones`, async () => {
      const { gpu, m } = await model();
      const init = images(3);
      const mask = Float32Array.from({ length: init.length }, (_, i) => ((i % px) < px / 2 ? 1 : 0)); // top half regenerated
      const out = await sample(gpu, m, new NoiseSchedule(), { n: 3, sampler, steps: 8, classLabel: 2, guidance: 2, init: { images: init, mask } });
      const kept = [...out].filter((_, i) => mask[i] === 0);
      expectClose('kept pixels', kept, init.filter((_, i) => mask[i] === 0).map((v) => 2 * v - 1), 1e-5, 1e-5);
      expect(out.some((v, i) => mask[i] === 1 && Math.abs(v - (2 * init[i] - 1)) > 1e-2)).toBe(true);
      m.destroy();
    });
  }

  it('RePaint resampling keeps the unmasked pixels too; bad init input is refused before GPU work', async () => {
    const { gpu, m } = await model();
    const init = images(1);
    const mask = Float32Array.from({ length: px }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const out = await sample(gpu, m, new NoiseSchedule(), { n: 1, sampler: 'ddpm', steps: 5, classLabel: 0, init: { images: init, mask, resample: 3 } });
    expectClose('kept pixels', out.filter((_, i) => mask[i] === 0), init.filter((_, i) => mask[i] === 0).map((v) => 2 * v - 1), 1e-5, 1e-5);
    const o = { n: 1, steps: 5, classLabel: 0 } as const;
    await expect(sample(gpu, m, new NoiseSchedule(), { ...o, sampler: 'ddim', init: { images: init.subarray(1) } })).rejects.toThrow(/init images hold/);
    await expect(sample(gpu, m, new NoiseSchedule(), { ...o, sampler: 'ddim', init: { images: init, mask: mask.subarray(2) } })).rejects.toThrow(/the mask holds/);
    await expect(sample(gpu, m, new NoiseSchedule(), { ...o, sampler: 'dpmsolver++', init: { images: init, mask, resample: 2 } })).rejects.toThrow(/resampling \(RePaint\) needs a single-step sampler/);
    m.destroy();
  });
});

describe('guidance in a limited σ interval', () => {
  const cfg = PRESETS.test;
  const schedule = new NoiseSchedule();
  const base: SampleOptions = { n: 3, sampler: 'ddim', steps: 6, eta: 1, classLabel: [0, 2, 1], guidance: 3, seed: 5 };
  const sigmas = samplerPlan(schedule, { sampler: 'ddim', steps: 6, eta: 1 }).steps.map((p) => p.coefs.sqrt1mA / p.coefs.sqrtA);
  const model = async () => {
    const gpu = await getGpu();
    const m = new UNet(gpu, cfg);
    gpu.write(m.params.flat('ema'), randArray(m.params.total, 3, -0.2, 0.2));
    return { gpu, m };
  };

  /** The DDIM run sample() should make, built by hand: per step the doubled or the single pass, then the fused step. */
  async function byHand(gpu: Awaited<ReturnType<typeof getGpu>>, m: UNet, guidedSteps: boolean[], labels: number[]): Promise<Float32Array> {
    const n = labels.length;
    const x = randn(gpu, gpu.tensor([n, cfg.inChannels, cfg.imageSize, cfg.imageSize]), base.seed!, 21);
    samplerPlan(schedule, { sampler: 'ddim', steps: 6, eta: 1 }).steps.forEach(({ t, coefs }, i) => {
      const g = guidedSteps[i];
      const pass = m.pass(g ? 2 * n : n, false, 'ema');
      gpu.write(pass.t, new Float32Array(pass.batch).fill(t));
      gpu.write(pass.labels!, g ? [...labels, ...labels.map(() => cfg.classes)] : labels);
      for (const half of g ? [0, 1] : [0]) gpu.copyRange(x.buffer, x.byteOffset, pass.x.buffer, pass.x.byteOffset + half * x.byteLength, x.byteLength);
      pass.graph.forward();
      samplerStep(gpu, x, pass.out, coefs, base.seed!, i, g ? base.guidance! : null, { mode: 'static', recomputeEps: undefined });
    });
    const out = await x.read();
    x.release();
    return out;
  }

  for (const sampler of ['ddim', 'dpmsolver++', 'euler-ancestral'] as const) {
    it(`${sampler}: an interval holding every step is plain guidance; one holding none is no guidance`, async () => {
      const { gpu, m } = await model();
      const o = { ...base, sampler };
      const guided = await sample(gpu, m, schedule, o);
      const unguided = await sample(gpu, m, schedule, { ...o, guidance: undefined });
      expect(guided.some((v, i) => Math.abs(v - unguided[i]) > 1e-3)).toBe(true); // guidance 3 matters here
      expectClose('interval (0, ∞)', await sample(gpu, m, schedule, { ...o, guidanceInterval: [0, 1e9] }), guided, 0, 0);
      expectClose('interval above every σ', await sample(gpu, m, schedule, { ...o, guidanceInterval: [1e6, 1e7] }), unguided, 0, 0);
      m.destroy();
    });
  }

  it('guides exactly the steps whose σ lies in (lo, hi] — open below, closed above — with each pass\'s own labels', async () => {
    const { gpu, m } = await model();
    const mid = (sigmas[2] + sigmas[3]) / 2; // steps 0–2 lie above, 3–5 below (σ falls step by step)
    const cases: { interval: [number, number]; guided: boolean[]; labels: number[] }[] = [
      { interval: [mid, 1e9], guided: [true, true, true, false, false, false], labels: [0, 2, 1] },
      { interval: [0, mid], guided: [false, false, false, true, true, true], labels: [2, 1, 0] },
      { interval: [sigmas[3], sigmas[1]], guided: [false, true, true, false, false, false], labels: [1, 1, 2] },
    ];
    for (const c of cases) {
      const got = await sample(gpu, m, schedule, { ...base, classLabel: c.labels, guidanceInterval: c.interval });
      expectClose(`interval (${c.interval.join(', ')}]`, got, await byHand(gpu, m, c.guided, c.labels), 0, 0);
    }
    await expect(sample(gpu, m, schedule, { ...base, guidanceInterval: [2, 1] })).rejects.toThrow(/guidance interval must be σ_lo,σ_hi/);
    // Without guidance an interval (e.g. the default one) changes nothing: every step runs the class alone.
    const unguided = await sample(gpu, m, schedule, { ...base, guidance: 1, guidanceInterval: null });
    expectClose('guidance 1 with an interval', await sample(gpu, m, schedule, { ...base, guidance: 1, guidanceInterval: [0.3, 5] }), unguided, 0, 0);
    await expect(sample(gpu, m, schedule, { ...base, guidance: 1, guidanceInterval: [5, 0.3] })).rejects.toThrow(/guidance interval must be σ_lo,σ_hi/);
    m.destroy();
  });
});
