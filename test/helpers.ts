// Test helpers: one Gpu per test file (real WebGPU through Dawn), seeded inputs, poisoned outputs and a
// tolerance check (atol + rtol·|ref|) that reports the worst element.
import { afterAll, afterEach } from 'vitest';
import { createNodeGpu } from '../src/platform/node.ts';
import type { Gpu } from '../src/runtime/gpu.ts';
import type { PolicyState } from '../src/runtime/policy.ts';
import type { Tensor } from '../src/runtime/tensor.ts';
import { fill } from '../src/ops/elementwise.ts';
import { mulberry32 } from '../src/runtime/mulberry.ts';

let gpuPromise: Promise<Gpu> | null = null;

/**
 * The file's Gpu; every test ends with a check that no WebGPU error was raised. `policy` fixes kernel
 * choices for the whole file.
 */
export function useGpu(policy: Partial<PolicyState> = {}): () => Promise<Gpu> {
  afterEach(async () => {
    if (gpuPromise) await (await gpuPromise).sync();
  });
  afterAll(async () => {
    if (gpuPromise) (await gpuPromise).destroy();
    gpuPromise = null;
  });
  return () =>
    (gpuPromise ??= createNodeGpu().then((gpu) => {
      gpu.policy.set(policy);
      return gpu;
    }));
}

export { mulberry32 as rng } from '../src/runtime/mulberry.ts';

export function randArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

export const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** A pooled tensor filled with NaN, so any element the kernel fails to write shows up. */
export function poisoned(gpu: Gpu, shape: readonly number[]): Tensor {
  return fill(gpu, gpu.tensor(shape, 'poisoned'), NaN);
}

/** A u32 tensor of packed f16 pairs filled with 0x7e007e00 (two f16 NaNs), so any word left unwritten shows. */
export function poisonedU32(gpu: Gpu, shape: readonly number[]): Tensor {
  return gpu.upload(shape, new Uint32Array(shape.reduce((a, b) => a * b, 1)).fill(0x7e007e00), 'poisoned', 'u32');
}

/** Throws unless |got − ref| ≤ atol + rtol·|ref| everywhere; the message names the worst element. */
export function expectClose(name: string, got: ArrayLike<number>, ref: ArrayLike<number>, atol = 1e-4, rtol = 1e-4): void {
  if (got.length !== ref.length) throw new Error(`${name}: length ${got.length} vs reference ${ref.length}`);
  let worst = -1;
  let worstExcess = -Infinity;
  let bad = 0;
  for (let i = 0; i < ref.length; i++) {
    const diff = Math.abs(got[i] - ref[i]);
    const excess = Number.isNaN(diff) ? Infinity : diff - (atol + rtol * Math.abs(ref[i]));
    if (excess > 0) bad++;
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (bad > 0) {
    const g = got[worst];
    const r = ref[worst];
    throw new Error(
      `${name}: ${bad} of ${ref.length} elements outside atol ${atol} + rtol ${rtol}·|ref|; worst at [${worst}]: ` +
        `got ${g}, ref ${r}, |diff| ${Math.abs(g - r)} > tol ${atol + rtol * Math.abs(r)}`,
    );
  }
}
