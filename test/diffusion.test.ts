// Fused forward noising and the fused sampler step (DDPM, DDIM, guidance) against CPU twins; the noise
// each draws against the Philox twin.
import { describe, expect, it } from 'vitest';
import { qSample, samplerStep, type StepCoefs, type StepThreshold } from '../src/ops/diffusion.ts';
import { newCounter } from '../src/ops/random.ts';
import { NoiseSchedule, ddimStep, ddpmStep } from '../src/diffusion/schedule.ts';
import { qSampleRef, samplerStepRef, vTargetRef } from './reference/diffusion.ts';
import { randnRef, streamKey } from './reference/random.ts';
import { expectClose, poisoned, randArray, useGpu } from './helpers.ts';

const getGpu = useGpu();
const sched = new NoiseSchedule();

/**
 * One sampler step on random x (seed) and model outputs (seed + 1 conditional, seed + 2 unconditional)
 * against the twin, with the step's noise drawn like the kernel's. `tweak` edits x before upload.
 */
async function checkStep(c: StepCoefs, th: StepThreshold, N: number, S: number, guidance: number | null, seed: number, step: number, tweak?: (x: Float32Array) => void) {
  const gpu = await getGpu();
  const x = randArray(N * S, seed, -2, 2);
  tweak?.(x);
  const outC = randArray(N * S, seed + 1);
  const outU = randArray(N * S, seed + 2);
  const out = guidance ? Float32Array.from([...outC, ...outU]) : outC;
  const tx = gpu.upload([N, S], x);
  samplerStep(gpu, tx, gpu.upload([out.length / S, S], out), c, 5, step, guidance, th);
  const z = c.sigma > 0 ? randnRef(N * S, [5, Math.imul(step, 0x9e3779b9) >>> 0], 2) : new Float64Array(N * S);
  expectClose('x_prev', await tx.read(), samplerStepRef(x, outC, c, z, guidance ? outU : undefined, guidance ?? 1, th, S), 2e-4, 1e-4);
}

describe('q_sample', () => {
  for (const [N, S] of [[3, 7 * 7], [2, 784], [1, 5]]) {
    it(`x_t = √ᾱ x0 + √(1−ᾱ) ε, ε drawn in the kernel (N${N} S${S})`, async () => {
      const gpu = await getGpu();
      const x0 = randArray(N * S, 101);
      const t = Array.from({ length: N }, (_, i) => [0, 999, 500][i % 3]);
      const counter = newCounter(gpu, 17);
      const out = qSample(gpu, gpu.upload([N, S], x0), gpu.upload([N], t, 't', 'u32'), gpu.upload([1000, 2], sched.sqrtTable()), 99, counter,
        { xt: poisoned(gpu, [N, S]), eps: poisoned(gpu, [N, S]) }, 7);
      const eps = await out.eps.read();
      expectClose('q_sample eps', eps, randnRef(N * S, streamKey(99, 7, 17)), 1e-3, 1e-3);
      expectClose('q_sample x_t', await out.xt.read(), qSampleRef(x0, t, sched.alphasCumprod, eps), 1e-5, 1e-5);
    });

    it(`v target: v = √ᾱ ε − √(1−ᾱ) x0, x_t unchanged (N${N} S${S})`, async () => {
      const gpu = await getGpu();
      const x0 = randArray(N * S, 101);
      const t = Array.from({ length: N }, (_, i) => [0, 999, 500][i % 3]);
      const args = [gpu.upload([N, S], x0), gpu.upload([N], t, 't', 'u32'), gpu.upload([1000, 2], sched.sqrtTable()), 99] as const;
      const v = qSample(gpu, ...args, newCounter(gpu, 17), { xt: poisoned(gpu, [N, S]), eps: poisoned(gpu, [N, S]) }, 7, true);
      const e = qSample(gpu, ...args, newCounter(gpu, 17), {}, 7, false);
      const eps = await e.eps.read();
      expectClose('q_sample v', await v.eps.read(), vTargetRef(x0, t, sched.alphasCumprod, eps), 1e-5, 1e-5);
      expectClose('q_sample x_t (v)', await v.xt.read(), await e.xt.read(), 0, 0);
    });
  }
});

describe('sampler_step', () => {
  const cases = [
    { name: 'DDPM t=999→998 fixed_small', c: ddpmStep(sched, 999, 998, 'fixed_small', true) },
    { name: 'DDPM t=1→0 fixed_large, no clip', c: ddpmStep(sched, 1, 0, 'fixed_large', false) },
    { name: 'DDPM t=0 (no noise)', c: ddpmStep(sched, 0, -1) },
    { name: 'DDIM η=0 980→960', c: ddimStep(sched, 980, 960, 0) },
    { name: 'DDIM η=1 980→960 clipped', c: ddimStep(sched, 980, 960, 1, true) },
  ];
  for (const { name, c } of cases)
    for (const guidance of [null, 3]) {
      it(`${name}${guidance ? ', guidance 3' : ''}`, () => checkStep(c, {}, 3, 7 * 7, guidance, 102, 12));
    }

  // x̂0 bounds: static clamp with ε̂ re-derived (use_clipped_model_output), and the per-sample dynamic
  // threshold (S = 49 and 784, a sample whose quantile is below 1, repeated values), with and without guidance.
  const thresholds = [
    { name: 'static clip, ε̂ from clipped x̂0', c: ddimStep(sched, 980, 960, 0, true), th: { recomputeEps: true } },
    { name: 'DDIM η=1 static, ε̂ from clipped x̂0', c: ddimStep(sched, 500, 480, 1, true), th: { recomputeEps: true } },
    { name: 'dynamic q=0.995 max 1.5', c: ddimStep(sched, 980, 960, 0, false), th: { mode: 'dynamic' as const, quantile: 0.995, maxValue: 1.5 } },
    { name: 'dynamic q=0.9 max 3, ε̂ re-derived, η=1', c: ddimStep(sched, 300, 280, 1, false), th: { mode: 'dynamic' as const, quantile: 0.9, maxValue: 3, recomputeEps: true } },
  ];
  for (const { name, c, th } of thresholds)
    for (const [N, S, guidance] of [[3, 49, null], [2, 784, 2], [1, 7, null]] as const) {
      // S = 7: repeated order statistics.
      it(`${name} (N${N} S${S}${guidance ? ', guidance 2' : ''})`, () => checkStep(c, th, N, S, guidance, 105, 3, (x) => S === 7 && x.fill(0.25, 0, 4)));
    }

  // The threshold itself: x built from a chosen x̂0 (so the quantile, not maxValue, decides s), with the top
  // order statistics tied (identical x and ε̂ give bit-identical x̂0) and without ties.
  for (const [N, S, q, ties, guidance] of [[2, 784, 0.995, 10, 2], [3, 49, 0.9, 10, null], [1, 49, 0.5, 0, null], [2, 100, 0.97, 0, 2]] as const) {
    it(`dynamic threshold from the exact quantile (N${N} S${S} q${q}, ${ties ? `${ties} tied maxima` : 'no ties'}${guidance ? ', guidance 2' : ''})`, async () => {
      const gpu = await getGpu();
      const c = ddimStep(sched, 600, 580, 0, false);
      const x0 = randArray(N * S, 110, -4, 4);
      const epsC = randArray(N * S, 111);
      const epsU = randArray(N * S, 112);
      for (let b = 0; b < N; b++)
        for (let j = 0; j < ties; j++) {
          x0[b * S + j] = 4.5;
          epsC[b * S + j] = 0.25;
          epsU[b * S + j] = -0.5;
        }
      const g = guidance ?? 1;
      const x = Float32Array.from(x0, (v, i) => c.sqrtA * v + c.sqrt1mA * (guidance ? epsU[i] + g * (epsC[i] - epsU[i]) : epsC[i]));
      const eps = guidance ? Float32Array.from([...epsC, ...epsU]) : epsC;
      const th = { mode: 'dynamic' as const, quantile: q, maxValue: 1000 };
      const tx = gpu.upload([N, S], x);
      samplerStep(gpu, tx, gpu.upload([eps.length / S, S], eps), c, 5, 4, guidance, th);
      const ref = samplerStepRef(x, epsC, c, new Float64Array(N * S), guidance ? epsU : undefined, g, th, S);
      expectClose('x_prev', await tx.read(), ref, 2e-4, 1e-4);
    });
  }

  // v-prediction: the kernel turns v̂ into ε̂ and x̂0; the cosine schedule's last step has √ᾱ ≈ 0.006.
  const vSched = new NoiseSchedule({ ...sched.config, predictionType: 'v_prediction' });
  const vCos = new NoiseSchedule({ ...sched.config, betaSchedule: 'squaredcos_cap_v2', predictionType: 'v_prediction' });
  const vCases = [
    { name: 'v: DDPM 300→299', c: ddpmStep(vSched, 300, 299, 'fixed_small', true), th: {} },
    { name: 'v: DDIM η=1 500→480, ε̂ from clipped x̂0', c: ddimStep(vSched, 500, 480, 1, true), th: { recomputeEps: true } },
    { name: 'v: cosine DDIM η=0 999→959', c: ddimStep(vCos, 999, 959, 0, true), th: {} },
    { name: 'v: dynamic q=0.9 max 3', c: ddimStep(vSched, 300, 280, 1, false), th: { mode: 'dynamic' as const, quantile: 0.9, maxValue: 3, recomputeEps: true } },
  ];
  for (const { name, c, th } of vCases)
    for (const [N, S, guidance] of [[3, 49, null], [1, 7, 2]] as const) {
      it(`${name} (N${N} S${S}${guidance ? ', guidance 2' : ''})`, async () => {
        expect(c.vPrediction).toBe(true);
        await checkStep(c, th, N, S, guidance, 113, 6);
      });
    }

  it('v̂ and the ε̂ it implies give the same step (independent of the twin)', async () => {
    const gpu = await getGpu();
    const [N, S] = [3, 49];
    const cEps = ddimStep(sched, 700, 660, 1, true);
    const cV = ddimStep(vSched, 700, 660, 1, true);
    const x = randArray(N * S, 116, -2, 2);
    const eps = randArray(N * S, 117);
    // v̂ = √ᾱ ε̂ − √(1−ᾱ) x̂0 with x̂0 = (x − √(1−ᾱ) ε̂)/√ᾱ.
    const v = Float32Array.from(eps, (e, i) => cEps.sqrtA * e - cEps.sqrt1mA * ((x[i] - cEps.sqrt1mA * e) / cEps.sqrtA));
    const a = gpu.upload([N, S], x);
    const b = gpu.upload([N, S], x);
    samplerStep(gpu, a, gpu.upload([N, S], eps), cEps, 5, 1, null, { recomputeEps: true });
    samplerStep(gpu, b, gpu.upload([N, S], v), cV, 5, 1, null, { recomputeEps: true });
    expectClose('v vs ε step', await b.read(), await a.read(), 2e-5, 1e-4);
  });

  it('dynamic threshold with a quantile below 1 leaves x̂0 unscaled (s = 1 is static clipping)', async () => {
    const gpu = await getGpu();
    const [N, S] = [2, 49];
    const x = randArray(N * S, 108, -0.5, 0.5);
    const eps = randArray(N * S, 109, -0.1, 0.1);
    const c = ddimStep(sched, 20, 0, 0, true);
    const a = gpu.upload([N, S], x);
    const b = gpu.upload([N, S], x);
    const e = gpu.upload([N, S], eps);
    samplerStep(gpu, a, e, c, 5, 0, null, { mode: 'dynamic', quantile: 0.995, maxValue: 4 });
    samplerStep(gpu, b, e, c, 5, 0, null);
    expectClose('dynamic vs static', await a.read(), await b.read(), 1e-6, 1e-6);
  });

  it('rejects a dynamic quantile outside (0, 1]', async () => {
    const gpu = await getGpu();
    expect(() => samplerStep(gpu, gpu.tensor([2, 4]), gpu.tensor([2, 4]), ddimStep(sched, 10, 0), 1, 0, null, { mode: 'dynamic', quantile: 1.5 })).toThrow(/quantile must be in \(0, 1\]/);
  });

  it('rejects an ε̂ batch that does not match (guidance needs 2N)', async () => {
    const gpu = await getGpu();
    expect(() => samplerStep(gpu, gpu.tensor([2, 4]), gpu.tensor([2, 4]), ddimStep(sched, 10, 0), 1, 0, 2)).toThrow(/sampler_step: eps_hat must have shape \[4, 4\], got \[2, 4\]/);
  });
});
