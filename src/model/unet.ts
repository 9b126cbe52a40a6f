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
import { ParamStore, type Param, type WeightSet } from './params.ts';
import { validateConfig, type UNetConfig } from './config.ts';
import { Layers, type Precision } from './layers.ts';
import { classEmbeddingAdd, classEmbeddingBackward, timestepEmbedding } from '../ops/embedding.ts';

/** One recorded pass at a fixed batch size: write inputs, call forward()/backward(), read `out`. */
export interface BuiltUNet {
  graph: Graph;
  batch: number;
  x: Tensor;             // [B, C_in, S, S] noisy images
  t: Tensor;             // [B] timesteps: u32 in a training pass (q_sample indexes with them), f32 otherwise
  labels: Tensor | null; // [B] u32 class labels (classes = null class) when conditional
  out: Tensor;           // [B, C_in, S, S] predicted ε
}

class UNetLayers extends Layers {
  declare readonly cfg: UNetConfig;

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
      g.fwd.push(() => classEmbeddingAdd(gpu, labels, this.w(table), emb));
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

  /** Returns every buffer: each built pass's activations and gradients to the pool, the parameters freed. */
  destroy(): void {
    for (const b of this.built.values()) b.graph.release();
    this.built.clear();
    this.params.destroy();
  }

  /**
   * The recorded pass for this batch size (built on first use, then reused). `weights` picks the buffer its
   * forward reads: 'ema' samples with the averaged weights in place (no copy out and back); `precision`
   * 'f16' stores the 3×3 convs' inputs as f16 (forward-only passes; see Layers.normConv).
   */
  pass(batch: number, training: boolean, weights: WeightSet = 'params', precision: Precision = 'f32'): BuiltUNet {
    const key = `${batch}:${training}:${weights}:${precision}`;
    let b = this.built.get(key);
    if (!b) {
      b = this.describe(batch, training, weights, precision);
      this.built.set(key, b);
    }
    return b;
  }

  /** Returns a built pass's buffers (e.g. the training pass of a batch size no longer used). */
  releasePass(batch: number, training: boolean, weights: WeightSet = 'params', precision: Precision = 'f32'): void {
    const key = `${batch}:${training}:${weights}:${precision}`;
    this.built.get(key)?.graph.release();
    this.built.delete(key);
  }

  /** Forward FLOPs per image. */
  flopsPerImage(): number {
    return this.pass(1, false).graph.flops;
  }

  private describe(batch: number, training: boolean, weights: WeightSet = 'params', precision: Precision = 'f32'): BuiltUNet {
    const cfg = this.config;
    const g = new Graph(this.gpu, training);
    const L = new UNetLayers(this.gpu, g, this.params, this.paramMap, cfg, weights, precision);
    const S = cfg.imageSize;
    const x = g.buffer([batch, cfg.inChannels, S, S]);
    // Samplers may run the model between integer timesteps (Euler's linspace spacing): f32 outside training.
    const t = g.buffer([batch], training ? 'u32' : 'f32');
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
      if (l > 0) h = L.upsampleConv(`up.${l}.upsample`, h, cfg.channels[l]);
    }
    const out = L.normConv('norm_out', 'conv_out', h, cfg.inChannels, 'zeros');
    g.finalize();
    return { graph: g, batch, x, t, labels, out };
  }
}
