// Embeddings in the op table (test/ops/table.ts): the sinusoidal timestep embedding (u32 timesteps from
// training, f32 ones between integers from samplers such as Euler; no gradient, its input is a timestep) and
// the learned class embedding, added in place onto the time embedding, with its backward checked against
// finite differences.
import { classEmbeddingAdd, classEmbeddingBackward, timestepEmbedding } from '../../src/ops/embedding.ts';
import { classAddRef, classBackwardRef, timestepEmbeddingRef } from '../reference/embedding.ts';
import { seeded, type OpCase, type OpSpec } from './spec.ts';

// ------------------------------------------------------------------------------------ timestep embedding

/** Timesteps in [0, tMax): u32 integers, or f32 values between them. */
interface TimeCase { N: number; D: number; tFloat: boolean; tMax: number }
const time = (N: number, D: number, tFloat = false, tMax = 1000): TimeCase => ({ N, D, tFloat, tMax });
// The bench's smoke check bounds the relative error (with a 1e-3 floor), which f32 sin/cos of arguments up to
// 1000 rad miss near zero crossings by their absolute rounding; its timesteps stay small.
const TIME_CASES: OpCase<TimeCase>[] = [
  { label: 'u32 timesteps', s: time(3, 32), tags: ['test'] },
  { label: 'u32, one timestep, wide', s: time(1, 128), tags: ['test'] },
  { label: 'u32, odd: batch 5, dimension 6', s: time(5, 6), tags: ['test'] },
  { label: 'f32 timesteps between integers', s: time(4, 32, true), tags: ['test'] },
  { label: 'f32, odd: batch 3, dimension 6', s: time(3, 6, true), tags: ['test'] },
  { label: 'smoke', s: time(2, 32, false, 20), tags: ['smoke'] },
  { label: 'small preset batch', s: time(16, 128), tags: ['unet'] },
];
const timeInputs = (s: TimeCase) => {
  const t = seeded([s.N], 81, 0, s.tMax);
  if (!s.tFloat) t.data.forEach((v, i) => { t.data[i] = Math.floor(v); });
  return { t: { ...t, dtype: s.tFloat ? ('f32' as const) : ('u32' as const) } };
};

export const timestepEmbeddingSpec: OpSpec<TimeCase> = {
  name: 'timestep_embedding', direction: 'forward', variants: ['flat'], cases: TIME_CASES, dims: (s) => ({ N: s.N, D: s.D }),
  inputs: timeInputs,
  outputs: (s) => ({ y: [s.N, s.D] }),
  setup: (gpu, s, t, o) => ({ run: () => timestepEmbedding(gpu, t.t, s.D, o.y) }),
  ref: (s, x) => ({ y: timestepEmbeddingRef(x.t, s.D) }),
  tol: { y: [2e-4, 0] }, // f32 sin/cos of arguments up to 1000 rad: a few ulps of the argument
  flops: (s) => 4 * s.N * s.D, bytes: (s) => 4 * (s.N + s.N * s.D),
};

// --------------------------------------------------------------------------------------- class embedding

interface ClassCase { N: number; D: number; classes: number }
const cls = (N: number, D: number, classes: number): ClassCase => ({ N, D, classes });
const CLASS_CASES: OpCase<ClassCase>[] = [
  { label: 'batch past the class count: repeated labels', s: cls(16, 12, 11), tags: ['test'] },
  { label: 'odd: batch 3, dimension 10', s: cls(3, 10, 11), tags: ['test'] },
  { label: 'one sample, 3 classes', s: cls(1, 6, 3), tags: ['test'] },
  { label: 'smoke', s: cls(4, 32, 11), tags: ['smoke'] },
  { label: 'small preset batch', s: cls(16, 128, 11), tags: ['unet'] },
];
const classInputs = (s: ClassCase) => {
  const labels = seeded([s.N], 82, 0, s.classes);
  // Random labels, the last one the null class (the table's last row: classifier-free guidance's dropout).
  labels.data.forEach((v, i) => { labels.data[i] = i === s.N - 1 ? s.classes - 1 : Math.floor(v); });
  return {
    labels: { ...labels, dtype: 'u32' as const },
    table: seeded([s.classes, s.D], 83), acc: seeded([s.N, s.D], 84), dacc: seeded([s.N, s.D], 85),
  };
};
const classDims = (s: ClassCase) => ({ N: s.N, D: s.D, classes: s.classes });

export const classEmbeddingForwardSpec: OpSpec<ClassCase> = {
  name: 'class_embedding', direction: 'forward', variants: ['flat'], cases: CLASS_CASES, dims: classDims,
  inputs: (s) => { const { labels, table, acc } = classInputs(s); return { labels, table, acc }; },
  outputs: (s) => ({ sum: [s.N, s.D] }),
  // In place: sum starts as a copy of acc, and the call adds the table rows onto it.
  setup: (gpu, _s, t, o) => {
    const reset = () => gpu.copy(t.acc, o.sum);
    reset();
    return { run: () => classEmbeddingAdd(gpu, t.labels, t.table, o.sum), reset };
  },
  ref: (s, x) => ({ sum: classAddRef(x.acc, x.labels, x.table, s.classes, s.D) }),
  tol: { sum: [1e-6, 1e-6] },
  flops: (s) => s.N * s.D, bytes: (s) => 12 * s.N * s.D,
};

export const classEmbeddingBackwardSpec: OpSpec<ClassCase> = {
  name: 'class_embedding', direction: 'backward', variants: ['flat'], cases: CLASS_CASES, dims: classDims,
  inputs: classInputs, // table, acc only for the twin's forward in the fd check
  outputs: (s) => ({ dtable: [s.classes, s.D] }),
  setup: (gpu, s, t, o) => ({ run: () => classEmbeddingBackward(gpu, t.labels, t.dacc, s.classes, o.dtable) }),
  ref: (s, x) => ({ dtable: classBackwardRef(x.dacc, x.labels, s.classes, s.D) }),
  tol: { dtable: [1e-6, 1e-6] },
  fd: {
    s: cls(5, 3, 4),
    forward: (s, x) => classAddRef(x.acc, x.labels, x.table, s.classes, s.D),
    upstream: 'dacc',
    grads: [{ input: 'table', output: 'dtable', idx: [0, 4, 8, 11] }],
  },
  flops: (s) => s.N * s.D, bytes: (s) => 4 * (s.N * s.D + s.classes * s.D),
};
