// Tensor: a GPU storage buffer with a shape (row-major, f32 unless dtype says u32). Tensors come from the
// Gpu's buffer pool; release() hands the buffer back so repeated work allocates nothing new.
import type { Gpu } from './gpu.ts';

export type DType = 'f32' | 'u32';

export class Tensor {
  readonly size: number;
  private released = false;
  constructor(
    readonly gpu: Gpu,
    readonly buffer: GPUBuffer,
    readonly shape: readonly number[],
    readonly dtype: DType = 'f32',
    /** Element offset into buffer (views into the flat parameter buffer). */
    readonly offset = 0,
    private readonly pooled = true,
  ) {
    this.size = shape.reduce((a, b) => a * b, 1);
  }

  get byteOffset(): number {
    return this.offset * 4;
  }

  get byteLength(): number {
    return this.size * 4;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Returns the buffer to the pool. Safe to call while earlier encoded work still uses it (GPU order holds). */
  release(): void {
    if (this.released || !this.pooled) return;
    this.released = true;
    this.gpu.pool.give(this.buffer);
  }

  /** Same storage, another shape of the same size. */
  reshape(shape: readonly number[]): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== this.size) throw new Error(`reshape: cannot view [${this.shape}] (${this.size}) as [${shape}] (${n})`);
    return new Tensor(this.gpu, this.buffer, shape, this.dtype, this.offset, false);
  }

  read(): Promise<Float32Array> {
    return this.gpu.read(this);
  }

  toString(): string {
    return `Tensor[${this.shape.join('×')}]`;
  }
}

export function shapeStr(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}
