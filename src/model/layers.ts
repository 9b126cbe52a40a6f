// Layers: building blocks that declare their parameters on a ParamStore, allocate their outputs on a Graph
// and record forward and backward dispatches side by side. The UNet (unet.ts) and the MNIST classifier
// (classifier.ts) are both written in these.
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import type { Graph } from './graph.ts';
import type { ParamStore, Param, WeightSet } from './params.ts';
import { conv2dBackward, conv2dForward, conv2dOutputShape } from '../ops/conv2d.ts';
import { groupNormBackward, groupNormForward } from '../ops/groupnorm.ts';
import { add, siluBackward, siluForward } from '../ops/elementwise.ts';
import { linearBackward, linearForward } from '../ops/linear.ts';
import { attentionBackward, attentionForward } from '../ops/attention.ts';
import { addChannel, addChannelBackward, concat, split, upsample2x, upsample2xBackward } from '../ops/channels.ts';
import { maxPool2Backward, maxPool2Forward, maxPool2OutputShape } from '../ops/pool.ts';
import { groupNormHalfForward } from '../ops/groupnorm.ts';
import { conv2dHalfForward, halfRowsShape, hasHalfKernels, upsampleHalfRows } from '../ops/half.ts';

/**
 * How a forward-only pass stores the activations its 3×3 stride-1 convolutions read: 'f32', or 'f16' —
 * the GroupNorm→SiLU before a ResBlock's or the output's conv (normConv), or the 2× upsampling before an
 * up-path conv (upsampleConv), writes f16 half rows, and the conv reads them with f16 weights
 * (src/ops/half.ts; f32 arithmetic). 'f16' applies where the half kernels exist (8-lane subgroups) and is
 * f32 elsewhere; conv_in, the stride-2 downsampling and the 1×1 convs stay f32.
 */
export type Precision = 'f32' | 'f16';

/** What layers need from a model's configuration. */
export interface LayerConfig {
  groups: number; // GroupNorm groups
  heads: number;  // attention heads
}

export class Layers {
  constructor(
    readonly gpu: Gpu, readonly g: Graph, readonly ps: ParamStore, readonly params: Map<string, Param>, readonly cfg: LayerConfig,
    readonly weights: WeightSet = 'params', readonly precision: Precision = 'f32',
  ) {
    if (g.training && weights !== 'params') throw new Error(`layers: a training pass reads the trained weights, not '${weights}'`);
    if (g.training && precision !== 'f32') throw new Error(`layers: a training pass runs in f32, not '${precision}'`);
  }

  /** A parameter as this pass's forward reads it (evaluated at replay: views exist only after allocate()). */
  protected w(p: Param): Tensor {
    return this.weights === 'ema' ? p.ema : p.value;
  }

  param(name: string, shape: number[], init: 'uniform' | 'zeros' | 'ones', fanIn = 1): Param {
    let p = this.params.get(name);
    if (!p) {
      p = this.ps.add(name, shape, init, fanIn);
      this.params.set(name, p);
    }
    return p;
  }

  /** A conv's weight [cout, cin, k, k] and bias, initialised by their fan-in. */
  private convParams(name: string, cin: number, cout: number, k: number, init: 'uniform' | 'zeros'): { w: Param; b: Param } {
    return { w: this.param(`${name}.weight`, [cout, cin, k, k], init, cin * k * k), b: this.param(`${name}.bias`, [cout], init, cin * k * k) };
  }

  /** Whether this pass runs its 3×3 convs on f16 half rows. */
  private get half(): boolean {
    return this.precision === 'f16' && hasHalfKernels(this.gpu);
  }

  conv(name: string, x: Tensor, cout: number, k: number, stride = 1, init: 'uniform' | 'zeros' = 'uniform'): Tensor {
    const { gpu, g } = this;
    const cin = x.shape[1];
    const { w, b } = this.convParams(name, cin, cout, k, init);
    const opts = { stride, pad: k >> 1 };
    const shape = conv2dOutputShape(x.shape, w.spec.shape, opts);
    const y = g.act(shape);
    g.flops += 2 * shape[0] * cout * shape[2] * shape[3] * cin * k * k;
    g.record({
      inputs: [x], output: y, params: true,
      forward: () => conv2dForward(gpu, x, this.w(w), this.w(b), opts, y),
      backward: ([sx]) => conv2dBackward(gpu, g.grad(y), x, w.value, opts, { dx: sx.needed ? sx.out : undefined, dw: w.grad, db: b.grad }, !sx.needed),
    });
    return y;
  }

  norm(name: string, x: Tensor, silu: boolean): Tensor {
    const { gpu, g } = this;
    const C = x.shape[1];
    const gamma = this.param(`${name}.weight`, [C], 'ones');
    const beta = this.param(`${name}.bias`, [C], 'zeros');
    const opts = { groups: this.cfg.groups, silu };
    const y = g.act(x.shape);
    const stats = g.buffer([x.shape[0] * this.cfg.groups, 2]);
    g.flops += 8 * x.size;
    g.record({
      inputs: [x], output: y, params: true,
      forward: () => groupNormForward(gpu, x, this.w(gamma), this.w(beta), opts, { y, stats }),
      backward: ([sx]) => groupNormBackward(gpu, g.grad(y), x, gamma.value, beta.value, stats, opts, { dx: sx.out, dgamma: gamma.grad, dbeta: beta.grad }),
    });
    return y;
  }

  /**
   * GroupNorm→SiLU then a 3×3 conv: the pair before every ResBlock conv and the output conv. In an f16 pass
   * (where the kernels exist) the norm writes f16 half rows that only this conv reads; otherwise it is
   * norm() then conv(). `emb` makes the [N, cout] term added per channel afterwards (the ResBlock's time
   * embedding): addChannel in f32, fused into the conv's epilogue in f16.
   */
  normConv(normName: string, convName: string, x: Tensor, cout: number, init: 'uniform' | 'zeros' = 'uniform', emb?: () => Tensor): Tensor {
    if (!this.half) {
      const y = this.conv(convName, this.norm(normName, x, true), cout, 3, 1, init);
      return emb ? this.addChannel(y, emb()) : y;
    }
    const { gpu, g } = this;
    const e = emb?.();
    const [N, C, H, W] = x.shape;
    const gamma = this.param(`${normName}.weight`, [C], 'ones');
    const beta = this.param(`${normName}.bias`, [C], 'zeros');
    const { w, b } = this.convParams(convName, C, cout, 3, init);
    const xh = g.buffer(halfRowsShape(x.shape), 'u32');
    const stats = g.buffer([N * this.cfg.groups, 2]);
    const y = g.act([N, cout, H, W]);
    g.flops += 8 * x.size + 2 * N * cout * H * W * C * 9;
    g.record({
      inputs: e ? [x, e] : [x], output: y,
      forward: () => {
        groupNormHalfForward(gpu, x, this.w(gamma), this.w(beta), { groups: this.cfg.groups, silu: true }, { y: xh, stats });
        conv2dHalfForward(gpu, xh, x.shape, this.w(w), this.w(b), y, { emb: e });
      },
    });
    return y;
  }

  /** 2× nearest upsampling then a 3×3 conv (the UNet's way up); in an f16 pass the upsampling writes half rows. */
  upsampleConv(name: string, x: Tensor, cout: number): Tensor {
    if (!this.half) return this.conv(name, this.upsample(x), cout, 3);
    const { gpu, g } = this;
    const [N, C, H, W] = x.shape;
    const up = [N, C, 2 * H, 2 * W];
    const { w, b } = this.convParams(name, C, cout, 3, 'uniform');
    const xh = g.buffer(halfRowsShape(up), 'u32');
    const y = g.act([N, cout, 2 * H, 2 * W]);
    g.flops += 2 * N * cout * 4 * H * W * C * 9;
    g.record({
      inputs: [x], output: y,
      forward: () => {
        upsampleHalfRows(gpu, x, xh);
        conv2dHalfForward(gpu, xh, up, this.w(w), this.w(b), y);
      },
    });
    return y;
  }

  linear(name: string, x: Tensor, nout: number): Tensor {
    const { gpu, g } = this;
    const [M, K] = x.shape;
    const w = this.param(`${name}.weight`, [nout, K], 'uniform', K);
    const b = this.param(`${name}.bias`, [nout], 'uniform', K);
    const y = g.act([M, nout]);
    g.flops += 2 * M * K * nout;
    g.record({
      inputs: [x], output: y, params: true,
      forward: () => linearForward(gpu, x, this.w(w), this.w(b), y),
      backward: ([sx]) => linearBackward(gpu, g.grad(y), x, w.value, { dx: sx.needed ? sx.out : undefined, dw: w.grad, db: b.grad }, !sx.needed),
    });
    return y;
  }

  silu(x: Tensor): Tensor {
    const { gpu, g } = this;
    const y = g.act(x.shape);
    g.record({ inputs: [x], output: y, forward: () => siluForward(gpu, x, y), backward: ([sx]) => siluBackward(gpu, g.grad(y), x, sx.out) });
    return y;
  }

  add(a: Tensor, b: Tensor): Tensor {
    const { gpu, g } = this;
    const y = g.act(a.shape);
    g.record({ inputs: [a, b], output: y, identity: [0, 1], forward: () => add(gpu, a, b, y) });
    return y;
  }

  addChannel(h: Tensor, e: Tensor): Tensor {
    const { gpu, g } = this;
    const y = g.act(h.shape);
    g.record({
      inputs: [h, e], output: y, identity: [0],
      forward: () => addChannel(gpu, h, e, y),
      backward: ([, se]) => addChannelBackward(gpu, g.grad(y), se.out),
    });
    return y;
  }

  concat(a: Tensor, b: Tensor): Tensor {
    const { gpu, g } = this;
    const y = g.act([a.shape[0], a.shape[1] + b.shape[1], a.shape[2], a.shape[3]]);
    g.record({ inputs: [a, b], output: y, forward: () => concat(gpu, a, b, y), backward: ([sa, sb]) => split(gpu, g.grad(y), a.shape[1], { da: sa.out, db: sb.out }) });
    return y;
  }

  upsample(x: Tensor): Tensor {
    const { gpu, g } = this;
    const [N, C, H, W] = x.shape;
    const y = g.act([N, C, 2 * H, 2 * W]);
    g.record({ inputs: [x], output: y, forward: () => upsample2x(gpu, x, y), backward: ([sx]) => upsample2xBackward(gpu, g.grad(y), sx.out) });
    return y;
  }

  attention(name: string, x: Tensor): Tensor {
    const { gpu, g } = this;
    const [N, C, H, W] = x.shape;
    const heads = this.cfg.heads;
    const h = this.norm(`${name}.norm`, x, false);
    const qkv = this.conv(`${name}.qkv`, h, 3 * C, 1);
    const o = g.act([N, C, H, W]);
    const lse = g.buffer([N, heads, H * W]);
    const delta = g.buffer([N, heads, H * W]);
    g.flops += 4 * N * (H * W) ** 2 * C;
    g.record({
      inputs: [qkv], output: o,
      forward: () => attentionForward(gpu, qkv, heads, { o, lse }),
      backward: ([sq]) => attentionBackward(gpu, g.grad(o), qkv, { o, lse }, heads, { dqkv: sq.out, delta }),
    });
    return this.add(x, this.conv(`${name}.proj`, o, C, 1));
  }

  resblock(name: string, x: Tensor, cout: number, embAct: Tensor): Tensor {
    let h = this.normConv(`${name}.norm1`, `${name}.conv1`, x, cout, 'uniform', () => this.linear(`${name}.temb`, embAct, cout));
    h = this.normConv(`${name}.norm2`, `${name}.conv2`, h, cout);
    const skip = x.shape[1] === cout ? x : this.conv(`${name}.skip`, x, cout, 1);
    return this.add(h, skip);
  }

  maxpool(x: Tensor): Tensor {
    const { gpu, g } = this;
    const y = g.act(maxPool2OutputShape(x.shape));
    g.record({ inputs: [x], output: y, forward: () => maxPool2Forward(gpu, x, y), backward: ([sx]) => maxPool2Backward(gpu, g.grad(y), x, sx.out) });
    return y;
  }

  /** [N, …] → [N, rest] as a view of the same storage (its gradient is a view of x's gradient). */
  flatten(x: Tensor): Tensor {
    return this.g.view(x, [x.shape[0], x.size / x.shape[0]]);
  }
}
