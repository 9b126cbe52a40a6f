// Input checks shared by the ops: every failure names the op, what was expected and what came, and is
// thrown before anything is recorded on the GPU.
import { Tensor, shapeStr } from '../runtime/tensor.ts';

export function fail(op: string, msg: string): never {
  throw new Error(`${op}: ${msg}`);
}

export function expectRank(op: string, name: string, t: Tensor, rank: number): void {
  if (!(t instanceof Tensor)) fail(op, `${name} must be a Tensor`);
  if (t.rank !== rank) fail(op, `${name} must have rank ${rank}, got shape ${shapeStr(t.shape)}`);
}

export function expectShape(op: string, name: string, t: Tensor, shape: readonly number[]): void {
  if (!(t instanceof Tensor)) fail(op, `${name} must be a Tensor`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    fail(op, `${name} must have shape ${shapeStr(shape)}, got ${shapeStr(t.shape)}`);
  }
}

export function expectSize(op: string, name: string, t: Tensor, size: number): void {
  if (t.size !== size) fail(op, `${name} must have ${size} elements, got ${shapeStr(t.shape)} (${t.size})`);
}

export function expectDtype(op: string, name: string, t: Tensor, dtype: 'f32' | 'u32'): void {
  if (t.dtype !== dtype) fail(op, `${name} must be ${dtype}, got ${t.dtype}`);
}

/** An output tensor: the caller's (checked) or a fresh pooled one. */
export function output(op: string, name: string, given: Tensor | undefined, shape: readonly number[], make: () => Tensor): Tensor {
  if (given) {
    expectShape(op, name, given, shape);
    return given;
  }
  return make();
}
