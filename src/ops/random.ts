// Counter-based random numbers on the GPU (Philox4x32-10): normals and integers keyed by (seed, stream,
// GPU step counter). The step counter is a 1-element u32 tensor advanced by a kernel, so training loops
// draw fresh numbers every step with nothing written from the CPU.
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { expectDtype, fail } from './check.ts';

const zeroCounters = new WeakMap<Gpu, Tensor>();

/** A u32 [1] counter holding 0, shared by standalone random calls that do not pass their own. */
export function zeroCounter(gpu: Gpu): Tensor {
  let t = zeroCounters.get(gpu);
  if (!t) {
    t = gpu.upload([1], [0], 'zero_counter', 'u32');
    zeroCounters.set(gpu, t);
  }
  return t;
}

export function newCounter(gpu: Gpu, start = 0): Tensor {
  return gpu.upload([1], [start], 'step_counter', 'u32');
}

/** counter[0] += by, on the GPU. */
export function advanceCounter(gpu: Gpu, counter: Tensor, by = 1): void {
  expectDtype('advance_counter', 'counter', counter, 'u32');
  gpu.run(gpu.kernel('random', 'step_counter'), { params: { n: by, seed: 0, stream: 0, range: 0 }, bind: { counter }, workgroups: [1] });
}

function u32(op: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) fail(op, `${name} must be a u32, got ${v}`);
  return v;
}

/** out[i] ~ N(0, 1), reproducible for a given (seed, stream, counter value). */
export function randn(gpu: Gpu, out: Tensor, seed: number, stream = 0, counter?: Tensor): Tensor {
  const op = 'randn';
  expectDtype(op, 'out', out, 'f32');
  gpu.run(gpu.kernel('random', 'randn'), {
    params: { n: out.size, seed: u32(op, 'seed', seed), stream: u32(op, 'stream', stream), range: 0 },
    bind: { state: counter ?? zeroCounter(gpu), out },
    invocations: Math.ceil(out.size / 4),
  });
  return out;
}

/** out[i] uniform integer in [0, range) (u32 tensor). */
export function randint(gpu: Gpu, out: Tensor, range: number, seed: number, stream = 0, counter?: Tensor): Tensor {
  const op = 'randint';
  expectDtype(op, 'out', out, 'u32');
  if (!Number.isInteger(range) || range < 1 || range > 1 << 24) fail(op, `range must be an integer in [1, 2^24], got ${range}`);
  gpu.run(gpu.kernel('random', 'randint'), {
    params: { n: out.size, seed: u32(op, 'seed', seed), stream: u32(op, 'stream', stream), range },
    bind: { state: counter ?? zeroCounter(gpu), out_u: out },
    invocations: Math.ceil(out.size / 4),
  });
  return out;
}
