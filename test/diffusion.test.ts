// Fused forward noising and the fused sampler step (DDPM, DDIM, guidance) against CPU twins; the noise
// each draws against the Philox twin.
import { describe, expect, it } from 'vitest';
import { qSample, samplerStep } from '../src/ops/diffusion.ts';
import { newCounter } from '../src/ops/random.ts';
import { NoiseSchedule, ddimStep, ddpmStep } from '../src/diffusion/schedule.ts';
import { qSampleRef, samplerStepRef } from './reference/diffusion.ts';
import { randnRef, streamKey } from './reference/random.ts';
import { expectClose, poisoned, randArray, useGpu } from './helpers.ts';

const getGpu = useGpu();
const sched = new NoiseSchedule();

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
      it(`${name}${guidance ? ', guidance 3' : ''}`, async () => {
        const gpu = await getGpu();
        const [N, S] = [3, 7 * 7];
        const x = randArray(N * S, 102, -2, 2);
        const epsC = randArray(N * S, 103);
        const epsU = randArray(N * S, 104);
        const eps = guidance ? Float32Array.from([...epsC, ...epsU]) : epsC;
        const tx = gpu.upload([N, S], x);
        samplerStep(gpu, tx, gpu.upload([eps.length / S, S], eps), c, 5, 12, guidance);
        const z = c.sigma > 0 ? randnRef(N * S, [5, Math.imul(12, 0x9e3779b9) >>> 0], 2) : new Float64Array(N * S);
        const ref = samplerStepRef(x, epsC, c, z, guidance ? epsU : undefined, guidance ?? 1);
        expectClose('x_prev', await tx.read(), ref, 2e-4, 1e-4);
      });
    }

  it('rejects an ε̂ batch that does not match (guidance needs 2N)', async () => {
    const gpu = await getGpu();
    expect(() => samplerStep(gpu, gpu.tensor([2, 4]), gpu.tensor([2, 4]), ddimStep(sched, 10, 0), 1, 0, 2)).toThrow(/sampler_step: eps_hat must have shape \[4, 4\], got \[2, 4\]/);
  });
});
