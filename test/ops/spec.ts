// The op table's entry type (like tinygrad's one-line op tests and ggml's test-backend-ops): one spec per
// kernel family and direction holds its shapes, seeded inputs, the GPU call, the CPU twin, tolerances, the
// finite-difference check of the twin's gradient, and FLOP/byte counts. test/ops/check.ts runs the specs
// under vitest (GPU vs twin on poisoned outputs, twin vs finite differences); bench/suite.ts times the same
// specs. No vitest import here, so the page's bench can load it.
import type { Gpu } from '../../src/runtime/gpu.ts';
import type { PolicyState } from '../../src/runtime/policy.ts';
import type { DType, Tensor } from '../../src/runtime/tensor.ts';
import { mulberry32 } from '../../src/runtime/mulberry.ts';

/** Which runs a case belongs to: 'test' (vitest), and the bench's size sets. */
export type CaseTag = 'test' | 'smoke' | 'unet' | 'sweep';

export interface OpCase<S> {
  label: string;
  s: S;
  tags: readonly CaseTag[];
}

/** A host array with its shape; dtype 'u32' for integer inputs (labels, timesteps), uploaded as u32. */
export interface HostArray {
  shape: number[];
  data: Float32Array;
  dtype?: DType;
}

export type Arrays = Record<string, ArrayLike<number>>;

export interface OpSpec<S = never> {
  name: string;
  direction: string;
  /** Kernel designs to run (ids of the op's variant list); one entry when the op has no choice. */
  variants: readonly string[];
  cases: readonly OpCase<S>[];
  /** Named dimensions of a shape (bench labels: N, C, H, W, O, k, s…). */
  dims(s: S): Record<string, number>;
  /** Seeded inputs by name. */
  inputs(s: S): Record<string, HostArray>;
  /** Output shapes by name; the first is the one the bench checks against the twin. */
  outputs(s: S): Record<string, number[]>;
  /**
   * Binds the uploaded inputs and the outputs, does any untimed preparation (the forward pass a backward
   * needs) and returns the call to check or time, with any scratch tensors it made (released after). An op
   * that updates in place (AdamW, the class-embedding add) starts its outputs as copies of inputs; `reset`
   * copies them again, because the bench runs the call many times before it checks one run against the twin.
   */
  setup(gpu: Gpu, s: S, inputs: Record<string, Tensor>, outputs: Record<string, Tensor>, variant: string): { run: () => void; scratch?: Tensor[]; reset?: () => void };
  /**
   * Why this adapter has no kernel for the variant at this shape (null: it has): the test then checks that
   * the call refuses with that reason, and the bench skips the case.
   */
  requires?(gpu: Gpu, variant: string, s: S): string | null;
  /** Kernel-policy choices a variant runs under, for variants that are not a call argument. */
  policy?(variant: string): Partial<PolicyState>;
  /** The CPU twin: every output by name. */
  ref(s: S, x: Arrays): Arrays;
  /** atol and rtol per output: |gpu − ref| ≤ atol + rtol·|ref|. */
  tol: Record<string, readonly [number, number]>;
  /**
   * The twin's gradients against central finite differences of its forward: at a small shape, each listed
   * gradient output at a few indices equals ∂(Σ forward·upstream)/∂input.
   */
  fd?: {
    s: S;
    forward: (s: S, x: Arrays) => ArrayLike<number>;
    upstream: string;
    grads: readonly { input: string; output: string; idx: readonly number[] }[];
  };
  flops(s: S): number;
  /** The fewest bytes the call must move. */
  bytes(s: S): number;
}

/** A table row of any shape type (the table mixes them; each spec is typed where it is written). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOpSpec = OpSpec<any>;

/** Deterministic inputs in [lo, hi). */
export function seeded(shape: number[], seed: number, lo = -1, hi = 1): HostArray {
  const r = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float32Array.from({ length: n }, () => lo + (hi - lo) * r()) };
}

export const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A spec's inputs on the GPU, by name, each in its dtype. */
export const uploadInputs = (gpu: Gpu, inputs: Record<string, HostArray>): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, gpu.upload(v.shape, v.data, k, v.dtype)]));

/** The host data of a spec's inputs, by name. */
export const hostData = (inputs: Record<string, HostArray>): Arrays => Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.data]));
