// Graph: a tape recorded once per batch size. Building runs the model description on shapes only: every
// activation and gradient buffer is allocated then, and each layer appends a forward closure and a backward
// closure that dispatch into those fixed buffers. Replaying the tape creates nothing (all pipelines, bind
// groups and uniform blocks come from the caches), which is what keeps a training step allocation-free.
//
// Gradient routing: an activation consumed by several layers gets one "sink" per consumer. In backward
// order the first sink writes the activation's gradient buffer directly; later ones write a shared scratch
// buffer of the same shape and add it in. Sinks of inputs that need no gradient are skipped. A residual
// add's input whose gradient the add would write (it is the input's last consumer) shares the add output's
// gradient buffer instead: the same numbers, one copy kernel fewer per add.
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { accumulate, scale } from '../ops/elementwise.ts';

export class Sink {
  /** 'shared': an identity input whose gradient buffer is the output's own (nothing to copy). */
  mode: 'write' | 'accumulate' | 'shared' | 'none' = 'none';
  constructor(private readonly g: Graph, public target: Tensor | null, private readonly scratchT: Tensor | null) {}
  get needed(): boolean {
    return this.mode !== 'none';
  }
  /**
   * Where the consumer's backward should write its contribution. For an input that needs no gradient this
   * is a graph-owned discard buffer, so an op that must write it allocates nothing per replay.
   */
  get out(): Tensor {
    return this.mode === 'write' || this.mode === 'shared' ? this.target! : this.scratchT!;
  }
  /** Call after writing `out`. */
  commit(): void {
    if (this.mode === 'accumulate') accumulate(this.g.gpu, this.target!, this.scratchT!);
  }
  /** For identity contributions (residual adds): the gradient is `g` itself. */
  receive(g: Tensor): void {
    if (this.mode === 'write') {
      // A kernel keeps the compute pass open; a copy command is a memcpy on software adapters (policy.copy).
      if (this.g.gpu.policy.copy === 'copies') this.g.gpu.copy(g, this.target!);
      else scale(this.g.gpu, g, 1, this.target!);
    }
    else if (this.mode === 'accumulate') accumulate(this.g.gpu, this.target!, g);
  }
}

export class Graph {
  readonly fwd: (() => void)[] = [];
  readonly bwd: (() => void)[] = [];
  /** Counted forward FLOPs of one pass over the whole batch (multiply-add = 2). */
  flops = 0;
  private gradOf = new Map<Tensor, Tensor>();
  private sinks = new Map<Tensor, Sink[]>();
  private scratch = new Map<string, Tensor>();
  private owned: Tensor[] = [];
  private noGrad = new Set<Tensor>();
  /** Tensors with reshaped views (their gradient buffer is shared with the views, so it never moves). */
  private viewed = new Set<Tensor>();
  /** Per identity-recording layer, in record order: its inputs, output and sinks (for shared gradients). */
  private identities: { inputs: Tensor[]; output: Tensor; sinks: Sink[]; identity: number[] }[] = [];
  private finalized = false;

  constructor(readonly gpu: Gpu, readonly training: boolean) {}

  /** A persistent activation (with its gradient buffer when training). */
  act(shape: readonly number[], dtype: 'f32' | 'u32' = 'f32'): Tensor {
    const t = this.gpu.tensor(shape, 'graph', dtype);
    this.owned.push(t);
    if (this.training && dtype === 'f32') {
      const g = this.gpu.tensor(shape, 'graph');
      this.owned.push(g);
      this.gradOf.set(t, g);
    }
    return t;
  }

  /** A persistent buffer that never carries a gradient (inputs, saved statistics). */
  buffer(shape: readonly number[], dtype: 'f32' | 'u32' = 'f32'): Tensor {
    const t = this.gpu.tensor(shape, 'graph', dtype);
    this.owned.push(t);
    this.noGrad.add(t);
    return t;
  }

  /**
   * Another shape over t's storage (flatten). Its gradient is the same view of t's gradient, so the view's
   * consumers must be t's only consumers.
   */
  view(t: Tensor, shape: readonly number[]): Tensor {
    const v = t.reshape(shape);
    this.viewed.add(t).add(v);
    const g = this.gradOf.get(t);
    if (g) this.gradOf.set(v, g.reshape(shape));
    if (this.noGrad.has(t)) this.noGrad.add(v);
    return v;
  }

  grad(t: Tensor): Tensor {
    const g = this.gradOf.get(t);
    if (!g) throw new Error(`graph: ${t} has no gradient buffer`);
    return g;
  }

  /** Registers one consumer of t's gradient. `slot` separates scratch buffers of one op's two inputs. */
  sink(t: Tensor, slot = 0): Sink {
    if (this.finalized) throw new Error('graph: sink after finalize');
    const needs = this.training && !this.noGrad.has(t) && this.gradOf.has(t);
    let scratch: Tensor | null = null;
    // Accumulating sinks add their scratch into the gradient; sinks of inputs without a gradient discard
    // into it. Either way one buffer per shape and slot, made now, never during a replay.
    if (this.training) {
      const key = `${t.shape.join('x')}#${slot}${t.dtype === 'u32' ? 'u' : ''}`;
      scratch = this.scratch.get(key) ?? null;
      if (!scratch) {
        scratch = this.gpu.tensor(t.shape, 'graph', t.dtype);
        this.owned.push(scratch);
        this.scratch.set(key, scratch);
      }
    }
    const s = new Sink(this, needs ? this.grad(t) : null, scratch);
    if (needs) {
      const list = this.sinks.get(t) ?? [];
      list.push(s);
      this.sinks.set(t, list);
    }
    return s;
  }

  /**
   * Records one layer: its forward closure, and when training one sink per input and a backward closure
   * that receives them. `identity` lists inputs whose gradient is the output's gradient itself (residual
   * adds). Layers without parameters skip backward when no input needs a gradient.
   */
  record(o: { inputs: Tensor[]; output: Tensor; forward: () => void; backward?: (sinks: Sink[]) => void; identity?: number[]; params?: boolean }): void {
    this.fwd.push(o.forward);
    if (!this.training) return;
    const sinks = o.inputs.map((t, i) => this.sink(t, i));
    const identity = o.identity ?? [];
    // Reverse: with add(a, a) the writing sink (the later slot) must run before the accumulating one.
    const receiveOrder = [...identity].reverse();
    if (identity.length) this.identities.push({ inputs: o.inputs, output: o.output, sinks, identity });
    this.bwd.push(() => {
      if (!o.params && !sinks.some((s) => s.needed)) return;
      for (const i of receiveOrder) sinks[i].receive(this.grad(o.output));
      o.backward?.(sinks);
      sinks.forEach((s, i) => identity.includes(i) || s.commit());
    });
  }

  /** Fixes each sink's mode: backward runs consumers in reverse, so the last-recorded consumer writes. */
  finalize(): void {
    for (const list of this.sinks.values()) {
      list.forEach((s, i) => (s.mode = i === list.length - 1 ? 'write' : 'accumulate'));
    }
    this.shareIdentityGradients();
    this.finalized = true;
  }

  /**
   * For each residual add (latest first, so a chain of adds resolves to the last one's buffer): the first
   * identity input whose sink writes takes the output's gradient buffer as its own. Safe because the add's
   * backward runs after every consumer of its output has written that buffer and before any other consumer
   * of the input adds into it; the input's other sinks and its producer (which reads grad() when it runs)
   * follow the move. Inputs or outputs with views keep their buffers, as does an add of a tensor to itself.
   */
  private shareIdentityGradients(): void {
    for (const { inputs, output, sinks, identity } of [...this.identities].reverse()) {
      const i = identity.find((k) => sinks[k].mode === 'write' && inputs.indexOf(inputs[k]) === inputs.lastIndexOf(inputs[k]));
      // The output must have consumers in the graph, so its gradient is rewritten by every backward (an
      // output whose gradient is written from outside would otherwise end a backward holding the input's).
      if (i === undefined || this.viewed.has(inputs[i]) || this.viewed.has(output) || !this.gradOf.has(output) || !this.sinks.get(output)?.length) continue;
      if (inputs[i].shape.join('x') !== output.shape.join('x')) continue;
      const input = inputs[i];
      const old = this.grad(input);
      const shared = this.grad(output);
      this.gradOf.set(input, shared);
      for (const s of this.sinks.get(input) ?? []) s.target = shared;
      sinks[i].mode = 'shared';
      const k = this.owned.indexOf(old);
      if (k >= 0) {
        this.owned.splice(k, 1);
        old.release();
      }
    }
  }

  forward(): void {
    for (const f of this.fwd) f();
  }

  backward(): void {
    for (let i = this.bwd.length - 1; i >= 0; i--) this.bwd[i]();
  }

  /** Bytes of activations, gradients and scratch this graph holds. */
  get bytes(): number {
    return this.owned.reduce((a, t) => a + t.byteLength, 0);
  }

  release(): void {
    for (const t of this.owned) t.release();
    this.owned = [];
  }
}
