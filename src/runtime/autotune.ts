// Per-adapter choice of kernel designs by measurement. Software adapters (SwiftShader) and GPUs reward
// opposite designs (register blocking and serial loops vs workgroup-memory trees), so instead of guessing,
// time each variant on a representative shape once, keep the fastest, and cache the result per adapter.
import type { Gpu } from './gpu.ts';
import { conv2dBackward, conv2dForward, convDefaults, type ConvVariant } from '../ops/conv2d.ts';
import { reduceDefaults, type ReduceStyle } from '../ops/reduce.ts';
import { groupNormBackward, groupNormForward } from '../ops/groupnorm.ts';
import { attentionBackward, attentionDefaults, attentionForward, type AttentionVariant } from '../ops/attention.ts';

export interface TuneResult {
  adapter: string;
  conv: { forward: ConvVariant; backwardInput: ConvVariant; backwardWeight: ConvVariant };
  reduce: ReduceStyle;
  attention: AttentionVariant;
  /** Fastest milliseconds per candidate over the interleaved rounds, for the record. */
  ms: Record<string, number>;
}

export interface TuneCache {
  get(key: string): string | null;
  set(key: string, value: string): void;
}

export function adapterKey(gpu: Gpu): string {
  const a = gpu.adapterInfo;
  return [a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') || 'unknown adapter';
}

export function applyTune(t: TuneResult): void {
  Object.assign(convDefaults, t.conv);
  reduceDefaults.style = t.reduce;
  if (t.attention) attentionDefaults.variant = t.attention;
}

/**
 * Fastest time of each candidate. Candidates are timed in interleaved rounds and the minimum is kept: on a
 * shared machine interference only ever adds time, so the minimum is the estimate least moved by it, and
 * interleaving spreads a slow spell over all candidates instead of one.
 */
async function timeAll(gpu: Gpu, candidates: Record<string, () => void>, rounds: number): Promise<Record<string, number>> {
  const best: Record<string, number> = {};
  for (const f of Object.values(candidates)) f(); // warm-up: pipelines, pooled buffers
  await gpu.sync();
  for (let r = 0; r < rounds; r++) {
    for (const [k, f] of Object.entries(candidates)) {
      const t0 = performance.now();
      f();
      await gpu.sync();
      best[k] = Math.min(best[k] ?? Infinity, performance.now() - t0);
    }
  }
  return best;
}

/** Measures the variants (a few seconds on SwiftShader), applies the fastest, and caches the choice. */
export async function autotune(gpu: Gpu, cache?: TuneCache, reps = 3): Promise<TuneResult> {
  const key = `autotune-v4:${adapterKey(gpu)}`; // v4: the 'lanes' convolution
  const hit = cache?.get(key);
  if (hit) {
    try {
      const t = JSON.parse(hit) as TuneResult;
      applyTune(t);
      return t;
    } catch {
      /* measure again */
    }
  }
  const ms: Record<string, number> = {};
  // A level-0 convolution of the small preset, batch 8.
  const [N, C, S] = [8, 16, 28];
  const x = gpu.tensor([N, C, S, S], 'autotune');
  const w = gpu.tensor([C, C, 3, 3], 'autotune');
  const b = gpu.tensor([C], 'autotune');
  const y = gpu.tensor([N, C, S, S], 'autotune');
  const g = { dx: gpu.tensor(x.shape, 'autotune'), dw: gpu.tensor(w.shape, 'autotune'), db: gpu.tensor([C], 'autotune') };
  const variants: ConvVariant[] = ['direct', 'blocked', 'blocked8', 'gemm', 'lanes'];
  // blocked8 and lanes differ from blocked only in the forward-shaped kernels (forward, input gradient).
  const weightVariants: ConvVariant[] = variants.filter((v) => v !== 'blocked8' && v !== 'lanes');
  const best = (prefix: string, vs = variants) => vs.reduce((a, v) => (ms[`${prefix}.${v}`] < ms[`${prefix}.${a}`] ? v : a));
  const candidates: Record<string, () => void> = {};
  for (const v of variants) {
    candidates[`conv.forward.${v}`] = () => conv2dForward(gpu, x, w, b, { variant: v }, y);
    candidates[`conv.backwardInput.${v}`] = () => conv2dBackward(gpu, y, x, w, { variant: v }, g, false, true);
    if (weightVariants.includes(v)) candidates[`conv.backwardWeight.${v}`] = () => conv2dBackward(gpu, y, x, w, { variant: v }, { dw: g.dw, db: g.db }, true);
  }
  const gn = { groups: 8, silu: true };
  const gamma = gpu.tensor([C], 'autotune');
  const dbeta = gpu.tensor([C], 'autotune');
  // Each reduction candidate sets the style for its own run only, so the convolution candidates (whose bias
  // sums use it) are timed under the same style in every round.
  const style0 = reduceDefaults.style;
  for (const style of ['tree', 'serial'] as const) {
    candidates[`reduce.${style}`] = () => {
      reduceDefaults.style = style;
      const f = groupNormForward(gpu, x, gamma, b, gn, { y });
      groupNormBackward(gpu, y, x, gamma, b, f.stats, gn, { dx: g.dx, dgamma: g.db, dbeta });
      f.stats.release();
      reduceDefaults.style = style0;
    };
  }
  // Attention at a 7×7 bottleneck, forward and backward.
  const [aN, aC, aL] = [4, 32, 49];
  const qkv = gpu.tensor([aN, 3 * aC, aL], 'autotune');
  const dout = gpu.tensor([aN, aC, aL], 'autotune');
  const att = { o: gpu.tensor([aN, aC, aL], 'autotune'), lse: gpu.tensor([aN, 1, aL], 'autotune') };
  const dq = { dqkv: gpu.tensor(qkv.shape, 'autotune'), delta: gpu.tensor([aN, 1, aL], 'autotune') };
  for (const v of ['row', 'rows4'] as const) {
    candidates[`attention.${v}`] = () => {
      attentionForward(gpu, qkv, 1, att, v);
      attentionBackward(gpu, dout, qkv, att, 1, dq, v);
    };
  }
  Object.assign(ms, await timeAll(gpu, candidates, reps));
  for (const t of [x, w, b, y, g.dx, g.dw, g.db, gamma, dbeta, qkv, dout, att.o, att.lse, dq.dqkv, dq.delta]) t.release();
  const result: TuneResult = {
    adapter: adapterKey(gpu),
    conv: { forward: best('conv.forward'), backwardInput: best('conv.backwardInput'), backwardWeight: best('conv.backwardWeight', weightVariants) },
    reduce: ms['reduce.serial'] < ms['reduce.tree'] ? 'serial' : 'tree',
    attention: ms['attention.rows4'] < ms['attention.row'] ? 'rows4' : 'row',
    ms,
  };
  applyTune(result);
  cache?.set(key, JSON.stringify(result));
  return result;
}
