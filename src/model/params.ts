// ParamStore: every parameter of a model in one flat GPU buffer (and the same layout for gradients, Adam
// moments and the EMA), each tensor starting on a 256-byte boundary so it can be bound on its own.
import type { Gpu } from '../runtime/gpu.ts';
import { Tensor } from '../runtime/tensor.ts';
import { mulberry32 } from '../runtime/mulberry.ts';

export interface ParamSpec {
  name: string;
  shape: number[];
  offset: number; // in floats, multiple of ALIGN
  size: number;
  init: 'uniform' | 'zeros' | 'ones';
  fanIn: number;
  scale: number;
}

export interface Param {
  spec: ParamSpec;
  value: Tensor;
  grad: Tensor;
  /** The same parameter in the EMA buffer: a pass built on the 'ema' weight set binds this, no copying. */
  ema: Tensor;
}

/** Which flat buffer a forward pass reads its weights from. */
export type WeightSet = 'params' | 'ema';

const ALIGN = 64; // floats = 256 bytes = minStorageBufferOffsetAlignment on every adapter

export class ParamStore {
  readonly specs: ParamSpec[] = [];
  total = 0;
  private bufs: { params: GPUBuffer; grads: GPUBuffer; m: GPUBuffer; v: GPUBuffer; ema: GPUBuffer } | null = null;
  private pending: Param[] = [];

  constructor(readonly gpu: Gpu) {}

  /** Declares a parameter (before allocate()). fanIn sets the default U(±1/√fanIn) init. */
  add(name: string, shape: number[], init: ParamSpec['init'], fanIn = 1, scale = 1): Param {
    if (this.bufs) throw new Error(`params: ${name} declared after allocation`);
    if (this.specs.some((s) => s.name === name)) throw new Error(`params: duplicate name ${name}`);
    const size = shape.reduce((a, b) => a * b, 1);
    const spec: ParamSpec = { name, shape, offset: this.total, size, init, fanIn, scale };
    this.total += Math.ceil(size / ALIGN) * ALIGN;
    this.specs.push(spec);
    // value/grad views are filled in by allocate(); the object identity is what the graph holds on to.
    const p = { spec } as Param;
    this.pending.push(p);
    return p;
  }

  get count(): number {
    return this.specs.reduce((a, s) => a + s.size, 0);
  }

  allocate(): void {
    const bytes = Math.max(this.total, ALIGN) * 4;
    const mk = (label: string) => this.gpu.createBuffer(bytes, 0x80 | 0x4 | 0x8, label);
    this.bufs = { params: mk('params'), grads: mk('grads'), m: mk('adam_m'), v: mk('adam_v'), ema: mk('ema') };
    for (const p of this.pending) {
      p.value = new Tensor(this.gpu, this.bufs.params, p.spec.shape, 'f32', p.spec.offset, false);
      p.grad = new Tensor(this.gpu, this.bufs.grads, p.spec.shape, 'f32', p.spec.offset, false);
      p.ema = new Tensor(this.gpu, this.bufs.ema, p.spec.shape, 'f32', p.spec.offset, false);
    }
  }

  /** Frees the five flat buffers; the store (and every view of it) is unusable afterwards. */
  destroy(): void {
    if (!this.bufs) return;
    for (const b of Object.values(this.bufs)) b.destroy();
    this.bufs = null;
  }

  /** The whole flat buffer of one kind as a tensor. */
  flat(kind: 'params' | 'grads' | 'm' | 'v' | 'ema'): Tensor {
    if (!this.bufs) throw new Error('params: not allocated');
    return new Tensor(this.gpu, this.bufs[kind], [this.total], 'f32', 0, false);
  }

  /** Initial values on the CPU (PyTorch's default U(±1/√fan_in) for weights and biases), seeded. */
  initialValues(seed: number): Float32Array {
    const out = new Float32Array(this.total);
    const rand = mulberry32(seed);
    for (const s of this.specs) {
      const bound = s.scale / Math.sqrt(s.fanIn);
      for (let i = 0; i < s.size; i++) {
        out[s.offset + i] = s.init === 'zeros' ? 0 : s.init === 'ones' ? 1 : (2 * rand() - 1) * bound;
      }
    }
    return out;
  }

  /** Writes initial params, copies them to the EMA, zeroes the Adam moments. */
  initialize(seed: number): void {
    const v = this.initialValues(seed);
    const zeros = new Float32Array(this.total);
    this.gpu.write(this.flat('params'), v);
    this.gpu.write(this.flat('ema'), v);
    this.gpu.write(this.flat('m'), zeros);
    this.gpu.write(this.flat('v'), zeros);
    this.gpu.write(this.flat('grads'), zeros);
  }

  /** Packs a flat buffer's contents into one Float32Array per parameter (dropping alignment padding). */
  unpack(flat: Float32Array): Map<string, Float32Array> {
    const m = new Map<string, Float32Array>();
    for (const s of this.specs) m.set(s.name, flat.slice(s.offset, s.offset + s.size));
    return m;
  }

  pack(tensors: Map<string, Float32Array>): Float32Array {
    const out = new Float32Array(this.total);
    for (const s of this.specs) out.set(tensors.get(s.name)!, s.offset);
    return out;
  }
}
