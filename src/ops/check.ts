// Input checks shared by the ops: every failure names the op, what was expected and what came, and is
// thrown before anything is recorded on the GPU.
import { Tensor, shapeStr } from '../runtime/tensor.ts';
import type { Gpu } from '../runtime/gpu.ts';

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

/**
 * Refuses outputs that share GPU memory with an input (checked at the op's start, so nothing of it is
 * recorded): these ops read their inputs while writing, so an aliased output would be wrong or invalid.
 */
export function expectDistinct(op: string, outputs: Record<string, Tensor | undefined>, inputs: Record<string, Tensor>): void {
  for (const [on, o] of Object.entries(outputs)) {
    if (!o) continue;
    for (const [inName, i] of Object.entries(inputs)) {
      if (o.buffer === i.buffer && o.byteOffset < i.byteOffset + i.byteLength && i.byteOffset < o.byteOffset + o.byteLength) {
        fail(op, `output ${on} shares GPU memory with input ${inName}; pass a separate tensor`);
      }
    }
  }
}

/** An exported op whose pooled allocations are returned if it throws (see Gpu.scoped). */
export function scopedOp<A extends [Gpu, ...any[]], R>(body: (...args: A) => R): (...args: A) => R {
  return (...args: A) => args[0].scoped(() => body(...args));
}
