// Flat elementwise ops: fill, add, axpby, scale, multiply, SiLU forward/backward (with their backward rules
// written beside them where they are not themselves elementwise ops).
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { expectShape, output } from './check.ts';

type Entry = 'axpby' | 'scale' | 'mul' | 'silu_forward' | 'silu_backward';

/** Entries with a four-at-a-time twin in elementwise4.wgsl (used when the size is a multiple of 4). */
const VEC4: ReadonlySet<string> = new Set(['axpby', 'scale', 'mul', 'accumulate']);

function ew(gpu: Gpu, op: string, entry: Entry, a: Tensor, b: Tensor | null, alpha: number, beta: number, out?: Tensor): Tensor {
  if (b) expectShape(op, 'b', b, a.shape);
  const y = output(op, 'out', out, a.shape, () => gpu.tensor(a.shape, op));
  const bind: Record<string, Tensor> = { a, out: y };
  if (b) bind.b = b;
  runFlat(gpu, entry, a.size, alpha, beta, bind);
  return y;
}

/** Runs a flat kernel over n floats: its elementwise4.wgsl twin, a vec4 per invocation, when n % 4 = 0. */
function runFlat(gpu: Gpu, entry: Entry | 'accumulate', n: number, alpha: number, beta: number, bind: Record<string, Tensor>): void {
  if (n % 4 === 0 && VEC4.has(entry)) gpu.run(gpu.kernel('elementwise4', `${entry}4` as 'axpby4'), { params: { n, alpha, beta, S: 0 }, bind, invocations: n / 4 });
  else gpu.run(gpu.kernel('elementwise', entry), { params: { n, alpha, beta }, bind, invocations: n });
}

/** t[:] = value (poisoning outputs in tests, zeroing accumulators). */
export function fill(gpu: Gpu, t: Tensor, value: number): Tensor {
  gpu.run(gpu.kernel('elementwise', 'fill'), { params: { n: t.size, alpha: value, beta: 0 }, bind: { out: t }, invocations: t.size });
  return t;
}

/** out = alpha·a + beta·b. Backward: da = alpha·dout, db = beta·dout. */
export const axpby = (gpu: Gpu, a: Tensor, b: Tensor, alpha: number, beta: number, out?: Tensor) =>
  ew(gpu, 'axpby', 'axpby', a, b, alpha, beta, out);
/** out = a + b. Backward: da = db = dout. */
export const add = (gpu: Gpu, a: Tensor, b: Tensor, out?: Tensor) => ew(gpu, 'add', 'axpby', a, b, 1, 1, out);
/** out = alpha·a. Backward: da = alpha·dout. */
export const scale = (gpu: Gpu, a: Tensor, alpha: number, out?: Tensor) => ew(gpu, 'scale', 'scale', a, null, alpha, 0, out);
/** out += alpha·a, in place on out. */
export function accumulate(gpu: Gpu, out: Tensor, a: Tensor, alpha = 1): Tensor {
  expectShape('accumulate', 'a', a, out.shape);
  runFlat(gpu, 'accumulate', a.size, alpha, 0, { a, out });
  return out;
}

/** out = a·b. Backward: da = dout·b, db = dout·a (both via mul). */
export const mul = (gpu: Gpu, a: Tensor, b: Tensor, out?: Tensor) => ew(gpu, 'mul', 'mul', a, b, 0, 0, out);

export const siluForward = (gpu: Gpu, x: Tensor, out?: Tensor) => ew(gpu, 'silu_forward', 'silu_forward', x, null, 0, 0, out);
/** dx = dy · silu'(x), x being the forward input. */
export const siluBackward = (gpu: Gpu, dy: Tensor, x: Tensor, out?: Tensor) => ew(gpu, 'silu_backward', 'silu_backward', x, dy, 0, 0, out);
