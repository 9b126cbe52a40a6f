// The time-conditioned UNet, described once as layers on a Graph (src/model/graph.ts): each layer declares
// its parameters, allocates its output, and records its forward and backward dispatches side by side.
//
//   t → sinusoid(C0) → linear → SiLU → linear (+ class embedding) = emb;  embAct = SiLU(emb)
//   x → conv_in → [per level: ResBlock (+ attention) × blocks, stride-2 conv down] → mid: Res, Attn, Res
//     → [per level, mirrored: concat skip → ResBlock (+ attention) × (blocks + 1), upsample 2× + conv]
//     → GroupNorm → SiLU → conv_out = ε̂
//   ResBlock(x): GN→SiLU → conv3 → + linear(embAct) per channel → GN→SiLU → conv3, + x (1×1 conv if C changes)
//   Attention(x): GN → conv1 (qkv) → fused attention → conv1 (proj), + x
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { Graph } from './graph.ts';
import { ParamStore, type Param } from './params.ts';
import { validateConfig, type UNetConfig } from './config.ts';
import { conv2dBackward, conv2dForward, conv2dOutputShape } from '../ops/conv2d.ts';
import { groupNormBackward, groupNormForward } from '../ops/groupnorm.ts';
import { add, siluBackward, siluForward } from '../ops/elementwise.ts';
import { linearBackward, linearForward } from '../ops/linear.ts';
import { attentionBackward, attentionForward } from '../ops/attention.ts';
import { addChannel, addChannelBackward, concat, split, upsample2x, upsample2xBackward } from '../ops/channels.ts';
import { classEmbeddingAdd, classEmbeddingBackward, timestepEmbedding } from '../ops/embedding.ts';

/** One recorded pass at a fixed batch size: write inputs, call forward()/backward(), read `out`. */
export interface BuiltUNet {
  graph: Graph;
  batch: number;
  x: Tensor;             // [B, C_in, S, S] noisy images
  t: Tensor;             // [B] u32 timesteps
  labels: Tensor | null; // [B] u32 class labels (classes = null class) when conditional
  out: Tensor;           // [B, C_in, S, S] predicted ε
}

class Layers {
  constructor(readonly gpu: Gpu, readonly g: Graph, readonly ps: ParamStore, readonly params: Map<string, Param>, readonly cfg: UNetConfig) {}

  param(name: string, shape: number[], init: 'uniform' | 'zeros' | 'ones', fanIn = 1): Param {
    let p = this.params.get(name);
    if (!p) {
      p = this.ps.add(name, shape, init, fanIn);
      this.params.set(name, p);
    }
    return p;
  }

  conv(name: string, x: Tensor, cout: number, k: number, stride = 1, init: 'uniform' | 'zeros' = 'uniform'): Tensor {
    const { gpu, g } = this;
    const cin = x.shape[1];
    const w = this.param(`${name}.weight`, [cout, cin, k, k], init, cin * k * k);
    const b = this.param(`${name}.bias`, [cout], init, cin * k * k);
    const opts = { stride, pad: k >> 1 };
    const shape = conv2dOutputShape(x.shape, w.spec.shape, opts);
    const y = g.act(shape);
    g.flops += 2 * shape[0] * cout * shape[2] * shape[3] * cin * k * k;
    g.fwd.push(() => conv2dForward(gpu, x, w.value, b.value, opts, y));
    if (g.training) {
      const sx = g.sink(x);
      g.bwd.push(() => {
        conv2dBackward(gpu, g.grad(y), x, w.value, opts, { dx: sx.needed ? sx.out : undefined, dw: w.grad, db: b.grad }, !sx.needed);
        sx.commit();
      });
    }
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
    g.fwd.push(() => groupNormForward(gpu, x, gamma.value, beta.value, opts, { y, stats }));
    if (g.training) {
      const sx = g.sink(x);
      g.bwd.push(() => {
        groupNormBackward(gpu, g.grad(y), x, gamma.value, beta.value, stats, opts, { dx: sx.out, dgamma: gamma.grad, dbeta: beta.grad });
        sx.commit();
      });
    }
    return y;
  }

  linear(name: string, x: Tensor, nout: number): Tensor {
    const { gpu, g } = this;
    const [M, K] = x.shape;
    const w = this.param(`${name}.weight`, [nout, K], 'uniform', K);
    const b = this.param(`${name}.bias`, [nout], 'uniform', K);
    const y = g.act([M, nout]);
    g.flops += 2 * M * K * nout;
    g.fwd.push(() => linearForward(gpu, x, w.value, b.value, y));
    if (g.training) {
      const sx = g.sink(x);
      g.bwd.push(() => {
        linearBackward(gpu, g.grad(y), x, w.value, { dx: sx.needed ? sx.out : undefined, dw: w.grad, db: b.grad }, !sx.needed);
        sx.commit();
      });
    }
    return y;
  }

  silu(x: Tensor): Tensor {
    const { gpu, g } = this;
    const y = g.act(x.shape);
    g.fwd.push(() => siluForward(gpu, x, y));
    if (g.training) {
      const sx = g.sink(x);
      g.bwd.push(() => {
        siluBackward(gpu, g.grad(y), x, sx.out);
        sx.commit();
      });
    }
    return y;
  }

  add(a: Tensor, b: Tensor): Tensor {
    const { gpu, g } = this;
    const y = g.act(a.shape);
    g.fwd.push(() => add(gpu, a, b, y));
    if (g.training) {
      const sa = g.sink(a);
      const sb = g.sink(b, 1);
      g.bwd.push(() => {
        sa.receive(g.grad(y));
        sb.receive(g.grad(y));
      });
    }
    return y;
  }

  addChannel(h: Tensor, e: Tensor): Tensor {
    const { gpu, g } = this;
    const y = g.act(h.shape);
    g.fwd.push(() => addChannel(gpu, h, e, y));
    if (g.training) {
      const sh = g.sink(h);
      const se = g.sink(e);
      g.bwd.push(() => {
        sh.receive(g.grad(y));
        addChannelBackward(gpu, g.grad(y), se.out);
        se.commit();
      });
    }
    return y;
  }

  concat(a: Tensor, b: Tensor): Tensor {
    const { gpu, g } = this;
    const y = g.act([a.shape[0], a.shape[1] + b.shape[1], a.shape[2], a.shape[3]]);
    g.fwd.push(() => concat(gpu, a, b, y));
    if (g.training) {
      const sa = g.sink(a);
      const sb = g.sink(b, 1);
      g.bwd.push(() => {
        split(gpu, g.grad(y), a.shape[1], { da: sa.out, db: sb.out });
        sa.commit();
        sb.commit();
      });
    }
    return y;
  }

  upsample(x: Tensor): Tensor {
    const { gpu, g } = this;
    const [N, C, H, W] = x.shape;
    const y = g.act([N, C, 2 * H, 2 * W]);
    g.fwd.push(() => upsample2x(gpu, x, y));
    if (g.training) {
      const sx = g.sink(x);
      g.bwd.push(() => {
        upsample2xBackward(gpu, g.grad(y), sx.out);
        sx.commit();
      });
    }
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
    g.fwd.push(() => attentionForward(gpu, qkv, heads, { o, lse }));
    if (g.training) {
      const sq = g.sink(qkv);
      g.bwd.push(() => {
        attentionBackward(gpu, g.grad(o), qkv, { o, lse }, heads, { dqkv: sq.out, delta });
        sq.commit();
      });
    }
    return this.add(x, this.conv(`${name}.proj`, o, C, 1));
  }

  resblock(name: string, x: Tensor, cout: number, embAct: Tensor): Tensor {
    let h = this.norm(`${name}.norm1`, x, true);
    h = this.conv(`${name}.conv1`, h, cout, 3);
    h = this.addChannel(h, this.linear(`${name}.temb`, embAct, cout));
    h = this.norm(`${name}.norm2`, h, true);
    h = this.conv(`${name}.conv2`, h, cout, 3);
    const skip = x.shape[1] === cout ? x : this.conv(`${name}.skip`, x, cout, 1);
    return this.add(h, skip);
  }

  timeEmbedding(t: Tensor, labels: Tensor | null): Tensor {
    const { gpu, g, cfg } = this;
    const N = t.shape[0];
    const C0 = cfg.channels[0];
    const sinus = g.buffer([N, C0]);
    g.fwd.push(() => timestepEmbedding(gpu, t, C0, sinus));
    let e = this.linear('time.linear1', sinus, cfg.timeEmbedDim);
    e = this.silu(e);
    e = this.linear('time.linear2', e, cfg.timeEmbedDim);
    if (labels) {
      const table = this.param('class_embedding.weight', [cfg.classes + 1, cfg.timeEmbedDim], 'uniform', 1);
      const emb = e;
      g.fwd.push(() => classEmbeddingAdd(gpu, labels, table.value, emb));
      if (g.training) g.bwd.push(() => classEmbeddingBackward(gpu, labels, g.grad(emb), cfg.classes + 1, table.grad));
    }
    return this.silu(e);
  }
}

export class UNet {
  readonly params: ParamStore;
  private readonly paramMap = new Map<string, Param>();
  private readonly built = new Map<string, BuiltUNet>();

  constructor(readonly gpu: Gpu, readonly config: UNetConfig) {
    validateConfig(config);
    this.params = new ParamStore(gpu);
    // Building once declares every parameter; then the flat buffers can be allocated.
    const probe = this.describe(1, false);
    this.params.allocate();
    probe.graph.release();
  }

  get conditional(): boolean {
    return this.config.classes > 0;
  }

  /** The recorded pass for this batch size (built on first use, then reused). */
  pass(batch: number, training: boolean): BuiltUNet {
    const key = `${batch}:${training}`;
    let b = this.built.get(key);
    if (!b) {
      b = this.describe(batch, training);
      this.built.set(key, b);
    }
    return b;
  }

  /** Forward FLOPs per image. */
  flopsPerImage(): number {
    return this.pass(1, false).graph.flops;
  }

  private describe(batch: number, training: boolean): BuiltUNet {
    const cfg = this.config;
    const g = new Graph(this.gpu, training);
    const L = new Layers(this.gpu, g, this.params, this.paramMap, cfg);
    const S = cfg.imageSize;
    const x = g.buffer([batch, cfg.inChannels, S, S]);
    const t = g.buffer([batch], 'u32');
    const labels = cfg.classes > 0 ? g.buffer([batch], 'u32') : null;
    const embAct = L.timeEmbedding(t, labels);

    let h = L.conv('conv_in', x, cfg.channels[0], 3);
    const skips: Tensor[] = [h];
    const levels = cfg.channels.length;
    for (let l = 0; l < levels; l++) {
      for (let b = 0; b < cfg.blocksPerLevel; b++) {
        h = L.resblock(`down.${l}.res.${b}`, h, cfg.channels[l], embAct);
        if (cfg.attentionLevels.includes(l)) h = L.attention(`down.${l}.attn.${b}`, h);
        skips.push(h);
      }
      if (l < levels - 1) {
        h = L.conv(`down.${l}.downsample`, h, cfg.channels[l], 3, 2);
        skips.push(h);
      }
    }
    const cl = cfg.channels[levels - 1];
    h = L.resblock('mid.res.0', h, cl, embAct);
    h = L.attention('mid.attn', h);
    h = L.resblock('mid.res.1', h, cl, embAct);
    for (let l = levels - 1; l >= 0; l--) {
      for (let b = 0; b <= cfg.blocksPerLevel; b++) {
        h = L.resblock(`up.${l}.res.${b}`, L.concat(h, skips.pop()!), cfg.channels[l], embAct);
        if (cfg.attentionLevels.includes(l)) h = L.attention(`up.${l}.attn.${b}`, h);
      }
      if (l > 0) h = L.conv(`up.${l}.upsample`, L.upsample(h), cfg.channels[l], 3);
    }
    h = L.norm('norm_out', h, true);
    const out = L.conv('conv_out', h, cfg.inChannels, 3, 1, 'zeros');
    g.finalize();
    return { graph: g, batch, x, t, labels, out };
  }
}
