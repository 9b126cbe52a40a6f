// The fused diffusion kernels: forward noising (ε drawn in the kernel and kept) and the sampler step
// (DDPM or DDIM, optional classifier-free guidance, z drawn in the kernel), in place on x.
import { shapeStr } from '../runtime/tensor.ts';
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { expectDtype, expectShape, fail, output } from './check.ts';
import { zeroCounter } from './random.ts';

/**
 * x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε for each sample n with its own t[n]. `sched` is [T, 2] (√ᾱ, √(1−ᾱ)).
 * Returns x_t and ε (both [N, ...] like x0).
 */
export function qSample(
  gpu: Gpu, x0: Tensor, t: Tensor, sched: Tensor, seed: number, counter?: Tensor,
  into: { xt?: Tensor; eps?: Tensor } = {}, stream = 7,
): { xt: Tensor; eps: Tensor } {
  const op = 'q_sample';
  expectDtype(op, 't', t, 'u32');
  const N = x0.shape[0];
  if (t.size !== N) fail(op, `t has ${t.size} entries but x0 has batch ${N}`);
  if (sched.rank !== 2 || sched.shape[1] !== 2) fail(op, `sched must be [T, 2], got ${shapeStr(sched.shape)}`);
  const xt = output(op, 'xt', into.xt, x0.shape, () => gpu.tensor(x0.shape, op));
  const eps = output(op, 'eps', into.eps, x0.shape, () => gpu.tensor(x0.shape, op));
  gpu.run(gpu.kernel('diffusion', 'q_sample'), {
    params: { N, S: x0.size / N, seed, stream },
    bind: { x0, t, sched, state: counter ?? zeroCounter(gpu), xt, eps },
    workgroups: gpu.grid(Math.ceil(x0.size / 4), 64),
  });
  return { xt, eps };
}

/** Coefficients of one sampler step (computed in float64 by the scheduler, see src/diffusion/). */
export interface StepCoefs {
  sqrtA: number;
  sqrt1mA: number;
  coefX0: number;
  coefXt: number;
  coefEps: number;
  sigma: number;
  clip: boolean;
  clipRange?: number;
}

/**
 * x ← x_prev in place. epsHat is [N, ...] like x, or [2N, ...] (conditional first, unconditional second)
 * when guidance is given.
 */
export function samplerStep(gpu: Gpu, x: Tensor, epsHat: Tensor, c: StepCoefs, seed: number, step: number, guidance: number | null = null): void {
  const op = 'sampler_step';
  const cfg = guidance !== null;
  const want = cfg ? [2 * x.shape[0], ...x.shape.slice(1)] : x.shape;
  expectShape(op, 'eps_hat', epsHat, want);
  for (const [k, v] of Object.entries(c)) if (typeof v === 'number' && !Number.isFinite(v)) fail(op, `coefficient ${k} is ${v}`);
  gpu.run(gpu.kernel('diffusion', 'sampler_step'), {
    params: {
      n: x.size, cfg: cfg ? 1 : 0, guidance: guidance ?? 0,
      sqrt_a: c.sqrtA, sqrt_1ma: c.sqrt1mA, coef_x0: c.coefX0, coef_xt: c.coefXt, coef_eps: c.coefEps, sigma: c.sigma,
      clip: c.clip ? 1 : 0, clip_range: c.clipRange ?? 1, seed, step,
    },
    bind: { eps_hat: epsHat, x },
    workgroups: gpu.grid(Math.ceil(x.size / 4), 64),
  });
}
