// Per-adapter, per-shape choice of kernel designs by measurement. Software adapters (SwiftShader), lavapipe
// and GPUs reward different designs (register blocking and serial loops vs workgroup-memory trees vs SIMD
// lanes), and on one adapter the best conv design changes with the shape, so instead of guessing: time each
// variant on the UNet presets' own conv shapes once, keep the fastest per direction and shape class, and
// cache the result per adapter. The result goes into gpu.policy (runtime/policy.ts).
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { CONV_VARIANTS, convShapeClass, type ConvDirection, type AttentionVariant, type ConvVariant, type MatmulVariant, type PolicyState } from '../runtime/policy.ts';
import { conv2dBackward, conv2dForward, conv2dOutputShape, convVariantsWithKernels } from '../ops/conv2d.ts';
import { groupNormBackward, groupNormForward } from '../ops/groupnorm.ts';
import { attentionBackward, attentionForward } from '../ops/attention.ts';
import { linearBackward, linearForward } from '../ops/linear.ts';
import { concat, split } from '../ops/channels.ts';

export interface TuneResult {
  adapter: string;
  /** What gpu.policy is set to. */
  policy: Partial<PolicyState>;
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

/** A conv2d shape to measure: [C_in, C_out, H (= W), K, stride]. */
type ConvProbe = [number, number, number, number, number];

/**
 * The conv shapes of the `tiny` (8/16/32 channels) and `small` (32/64/64) UNets at 28, 14 and 7 pixels:
 * 3×3 stride 1 in the residual blocks, 3×3 stride 2 downsampling, 1×1 channel-changing shortcuts. The first
 * one (level 0 of `small`-like width) also sets the per-direction default for shapes outside these classes.
 */
const CONV_PROBES: ConvProbe[] = [
  [16, 16, 28, 3, 1], [8, 8, 28, 3, 1], [32, 32, 28, 3, 1],
  [16, 16, 14, 3, 1], [64, 64, 14, 3, 1], [32, 32, 7, 3, 1], [64, 64, 7, 3, 1],
  [8, 8, 28, 3, 2], [32, 32, 28, 3, 2], [16, 16, 14, 3, 2], [64, 64, 14, 3, 2],
  [8, 16, 14, 1, 1], [16, 32, 7, 1, 1], [32, 64, 14, 1, 1], [32, 96, 7, 1, 1],
];
/**
 * Batch of the probes. Designs rank differently at batch 4 and at the batch training runs (lavapipe,
 * 2026-12-02: 'colanes' vs 'blocked8'), so the CLIs probe at 16; the page probes at 4 to be ready in seconds.
 */
const PROBE_BATCH = 16;

/** How much faster than a kernel group's prevailing design another must be to run for one shape class. */
const PREVAIL_MARGIN = 0.15;

/** Per timed call at least this long: a submit and wait costs ~0.1–0.2 ms, which alone would decide a race of 0.3 ms candidates. */
const MIN_TIMED_MS = 3;
/** At most this many repeats of a candidate per timed call. */
const MAX_REPEATS = 8;

/**
 * Fastest time of each candidate. Candidates are timed in interleaved rounds and the minimum is kept: on a
 * shared machine interference only ever adds time, so the minimum is the estimate least moved by it, and
 * interleaving spreads a slow spell over all candidates instead of one. A short candidate runs several
 * times per timed call (as many as its warm-up says reach MIN_TIMED_MS), so the wait for the GPU does not
 * drown the difference (lavapipe, 2026-12-03: the 1×1 weight-gradient probes, ~0.3 ms, picked the design
 * that is 1.3–1.4× slower at those very shapes).
 */
async function timeAll(gpu: Gpu, candidates: Record<string, () => void>, rounds: number): Promise<Record<string, number>> {
  const best: Record<string, number> = {};
  const repeats: Record<string, number> = {};
  for (const f of Object.values(candidates)) f(); // warm-up: pipelines, pooled buffers
  await gpu.sync();
  for (const [k, f] of Object.entries(candidates)) {
    const t0 = performance.now();
    f();
    await gpu.sync();
    repeats[k] = Math.min(MAX_REPEATS, Math.max(1, Math.ceil(MIN_TIMED_MS / Math.max(1e-3, performance.now() - t0))));
  }
  for (let r = 0; r < rounds; r++) {
    for (const [k, f] of Object.entries(candidates)) {
      const t0 = performance.now();
      for (let i = 0; i < repeats[k]; i++) f();
      await gpu.sync();
      best[k] = Math.min(best[k] ?? Infinity, (performance.now() - t0) / repeats[k]);
    }
  }
  return best;
}

/** Conv candidates for every probe, direction and variant; returns the tensors to free. */
function convCandidates(gpu: Gpu, candidates: Record<string, () => void>, probes: number, batch: number): { free: { release(): void }[]; classes: string[] } {
  const free: { release(): void }[] = [];
  const classes: string[] = [];
  for (const [ci, co, s, K, stride] of CONV_PROBES.slice(0, probes)) {
    const opts = { stride, pad: Math.floor(K / 2) };
    const xs = [batch, ci, s, s];
    const ys = conv2dOutputShape(xs, [co, ci, K, K], opts);
    const cls = convShapeClass({ K, stride, C_in: ci, C_out: co, OH: ys[2], OW: ys[3] });
    if (classes.includes(cls)) continue;
    classes.push(cls);
    const x = gpu.tensor(xs, 'autotune');
    const w = gpu.tensor([co, ci, K, K], 'autotune');
    const b = gpu.tensor([co], 'autotune');
    const y = gpu.tensor(ys, 'autotune');
    const g = { dx: gpu.tensor(xs, 'autotune'), dw: gpu.tensor(w.shape, 'autotune'), db: gpu.tensor([co], 'autotune') };
    free.push(x, w, b, y, g.dx, g.dw, g.db);
    // Only designs with their own kernels for this shape: one that would fall back runs another's kernels.
    const own = (d: ConvDirection) => convVariantsWithKernels(d, xs, w.shape, opts, gpu.hasSubgroups8);
    for (const v of own('forward')) candidates[`conv.forward.${cls}.${v}`] = () => conv2dForward(gpu, x, w, b, { ...opts, variant: v }, y);
    for (const v of own('backwardInput')) {
      candidates[`conv.backwardInput.${cls}.${v}`] = () => conv2dBackward(gpu, y, x, w, { ...opts, variant: v }, g, false, true);
    }
    for (const v of own('backwardWeight')) {
      candidates[`conv.backwardWeight.${cls}.${v}`] = () => conv2dBackward(gpu, y, x, w, { ...opts, variant: v }, { dw: g.dw, db: g.db }, true);
    }
  }
  return { free, classes };
}

/** The shader files whose kernels autotune measures (their digest is part of the cache key). */
const TUNED_SHADERS = [
  'conv2d', 'conv2d_backward_input', 'conv2d_backward_weight', 'conv2d_blocked', 'conv2d_weight', 'conv2d_gemm', 'gemm',
  'conv2d_lanes', 'conv2d_colanes', 'conv2d_colanes_weight', 'conv2d_colanes_weight1', 'conv2d_texture', 'groupnorm', 'groupnorm_backward_input',
  'groupnorm_backward_params', 'groupnorm_lanes', 'reduce', 'reduce4', 'attention', 'attention_lanes', 'attention_backward_q', 'attention_backward_kv',
  'matmul', 'matmul_vec4', 'matmul_colanes', 'matmul_texture', 'channels',
] as const;

/**
 * Per direction, the conv design for each measured shape class (`direction|class`) and for each kernel
 * group (`direction|k3s1`, covering that group's unmeasured classes), from the candidates' times
 * (`conv.direction.class.variant` → ms). In a kernel group the design fastest in most of its classes
 * prevails, and a class keeps it unless another is more than PREVAIL_MARGIN faster there: probes of
 * 0.3–5 ms on a shared machine differ by more than that between runs, and the probes' batch is not the
 * training batch, so a near-tie is no reason to run a different design per class (lavapipe, 2026-12-03:
 * near-ties flipped the 28² 3×3 weight gradient to a design 1.6× slower at batch 64).
 */
export function convChoices(ms: Record<string, number>, classes: readonly string[]): Record<string, ConvVariant> {
  const time = (dir: ConvDirection, cls: string, v: ConvVariant) => ms[`conv.${dir}.${cls}.${v}`] ?? Infinity;
  const fastest = (dir: ConvDirection, cls: string): ConvVariant => {
    const vs = CONV_VARIANTS.filter((v) => `conv.${dir}.${cls}.${v}` in ms);
    return vs.reduce((a, v) => (time(dir, cls, v) < time(dir, cls, a) ? v : a));
  };
  const groups = new Map<string, string[]>();
  for (const cls of classes) {
    const gk = cls.slice(0, cls.indexOf('c')); // k3s1c16p784 → k3s1
    groups.set(gk, [...(groups.get(gk) ?? []), cls]);
  }
  const choices: Record<string, ConvVariant> = {};
  for (const d of ['forward', 'backwardInput', 'backwardWeight'] as const) {
    for (const [gk, all] of groups) {
      const members = all.filter((cls) => CONV_VARIANTS.some((v) => `conv.${d}.${cls}.${v}` in ms));
      if (members.length === 0) continue;
      const wins = new Map<ConvVariant, number>();
      for (const cls of members) wins.set(fastest(d, cls), (wins.get(fastest(d, cls)) ?? 0) + 1);
      // Most classes won; a tie goes to the smaller total time over the group's classes.
      const total = (v: ConvVariant) => members.reduce((t, cls) => t + time(d, cls, v), 0);
      const prevailing = [...wins.entries()].reduce((a, b) => (b[1] > a[1] || (b[1] === a[1] && total(b[0]) < total(a[0])) ? b : a))[0];
      choices[`${d}|${gk}`] = prevailing;
      for (const cls of members) {
        const f = fastest(d, cls);
        choices[`${d}|${cls}`] = time(d, cls, prevailing) <= (1 + PREVAIL_MARGIN) * time(d, cls, f) ? prevailing : f;
      }
    }
  }
  return choices;
}

/**
 * Measures the variants, sets gpu.policy to the fastest, and caches the choice per adapter. `probes` limits
 * the conv shapes measured (the first is the per-direction default): all of them for the CLIs (~15 s on
 * lavapipe, once per adapter); a page on SwiftShader measures one so it is ready in seconds.
 */
export async function autotune(gpu: Gpu, cache?: TuneCache, reps = 3, probes = CONV_PROBES.length, batch = PROBE_BATCH): Promise<TuneResult> {
  // v8: + colanes (subgroups), probe batch in the key; v9: + matmul design; v11: + the measured shaders'
  // digest, so a changed kernel is measured again instead of keeping a choice made for its old code;
  // v12: short candidates repeated per timed call; v13: a matmul choice for small products too.
  const key = `autotune-v13:${adapterKey(gpu)}:${gpu.shaderDigest(TUNED_SHADERS)}${probes < CONV_PROBES.length ? `:probes${probes}` : ''}:batch${batch}`;
  const hit = cache?.get(key);
  if (hit) {
    try {
      const t = JSON.parse(hit) as TuneResult;
      gpu.policy.set(t.policy);
      return t;
    } catch {
      /* measure again */
    }
  }
  const candidates: Record<string, () => void> = {};
  const conv = convCandidates(gpu, candidates, Math.max(1, probes), batch);
  // GroupNorm(+SiLU) forward and backward at level 0 of `small`, under each reduction style. Each candidate
  // sets the style for its own run only, so the conv candidates (whose bias sums use it) all run under the
  // same style.
  const [N, C, S] = [batch, 16, 28];
  const x = gpu.tensor([N, C, S, S], 'autotune');
  const y = gpu.tensor([N, C, S, S], 'autotune');
  const dx = gpu.tensor([N, C, S, S], 'autotune');
  const gamma = gpu.tensor([C], 'autotune');
  const beta = gpu.tensor([C], 'autotune');
  const dgamma = gpu.tensor([C], 'autotune');
  const dbeta = gpu.tensor([C], 'autotune');
  const gn = { groups: 8, silu: true };
  // 'lanes' (groupnorm_lanes.wgsl) is a third candidate where 8-lane subgroups exist; the reduction style
  // is still chosen between the first two (it also serves the bias sums and the 7×7 GroupNorms' forward).
  const before = { reduce: gpu.policy.reduce, groupnorm: gpu.policy.groupnorm };
  const gnStyles = [['tree', 'reduce'], ['serial', 'reduce'], ...(gpu.hasSubgroups8 ? [['tree', 'lanes'] as const] : [])] as const;
  for (const [reduce, groupnorm] of gnStyles) {
    candidates[groupnorm === 'lanes' ? 'groupnorm.lanes' : `reduce.${reduce}`] = () => {
      gpu.policy.set({ reduce, groupnorm });
      const f = groupNormForward(gpu, x, gamma, beta, gn, { y });
      groupNormBackward(gpu, y, x, gamma, beta, f.stats, gn, { dx, dgamma, dbeta });
      f.stats.release();
      gpu.policy.set(before);
    };
  }
  // Attention at a 7×7 bottleneck, forward and backward.
  const [aN, aC, aL] = [4, 32, 49];
  const qkv = gpu.tensor([aN, 3 * aC, 7, 7], 'autotune');
  const dout = gpu.tensor([aN, aC, 7, 7], 'autotune');
  const att = { o: gpu.tensor([aN, aC, 7, 7], 'autotune'), lse: gpu.tensor([aN, 1, aL], 'autotune') };
  const dq = { dqkv: gpu.tensor(qkv.shape, 'autotune'), delta: gpu.tensor([aN, 1, aL], 'autotune') };
  // 'lanes8' (forward and backward with 8-lane subgroups, attention_lanes.wgsl) only where those subgroups exist.
  for (const v of gpu.hasSubgroups8 ? (['row', 'rows4', 'lanes8'] as const) : (['row', 'rows4'] as const)) {
    candidates[`attention.${v}`] = () => {
      attentionForward(gpu, qkv, 1, att, v);
      attentionBackward(gpu, dout, qkv, att, 1, dq, v);
    };
  }
  // Linear layers forward and backward at the time MLP's size (64 → 128 features) at 64 rows and at 8, one
  // choice each side of SMALL_MATMUL_MACS ('matmul.*', 'matmulSmall.*'); 'colanes' and 'texture' only where
  // their 8-lane subgroups exist (elsewhere they would run 'tiled').
  const linears: { x: Tensor; w: Tensor; b: Tensor; y: Tensor; g: { dx: Tensor; dw: Tensor; db: Tensor } }[] = [];
  const matmulBefore = { matmul: gpu.policy.matmul, matmulSmall: gpu.policy.matmulSmall };
  for (const [prefix, lM] of [['matmul', 64], ['matmulSmall', 8]] as const) {
    const [lK, lN] = [64, 128];
    const l = {
      x: gpu.tensor([lM, lK], 'autotune'), w: gpu.tensor([lN, lK], 'autotune'), b: gpu.tensor([lN], 'autotune'), y: gpu.tensor([lM, lN], 'autotune'),
      g: { dx: gpu.tensor([lM, lK], 'autotune'), dw: gpu.tensor([lN, lK], 'autotune'), db: gpu.tensor([lN], 'autotune') },
    };
    linears.push(l);
    for (const v of gpu.hasSubgroups8 ? (['tiled', 'colanes', 'texture'] as const) : (['tiled'] as const)) {
      candidates[`${prefix}.${v}`] = () => {
        gpu.policy.set({ matmul: v, matmulSmall: v });
        linearForward(gpu, l.x, l.w, l.b, l.y);
        linearBackward(gpu, l.y, l.x, l.w, l.g);
        gpu.policy.set(matmulBefore);
      };
    }
  }
  // Channel concat and split of the UNet's first skip (probe batch, 8 + 8 channels at 28×28): a kernel or
  // copy commands.
  const ca = gpu.tensor([batch, 8, 28, 28], 'autotune');
  const cb = gpu.tensor([batch, 8, 28, 28], 'autotune');
  const cc = gpu.tensor([batch, 16, 28, 28], 'autotune');
  for (const v of ['kernel', 'copies'] as const) {
    candidates[`concat.${v}`] = () => {
      concat(gpu, ca, cb, cc, v);
      split(gpu, cc, 8, { da: ca, db: cb }, v);
    };
  }
  const ms = await timeAll(gpu, candidates, reps);
  for (const t of [ca, cb, cc]) t.release();
  for (const t of [...conv.free, x, y, dx, gamma, beta, dgamma, dbeta, qkv, dout, att.o, att.lse, dq.dqkv, dq.delta]) t.release();
  for (const l of linears) for (const t of [l.x, l.w, l.b, l.y, l.g.dx, l.g.dw, l.g.db]) t.release();

  const convByShape = convChoices(ms, conv.classes);
  const first = conv.classes[0];
  // 'tiled' unless a subgroup design measured faster under this prefix.
  const fastestMatmul = (prefix: string) =>
    (['colanes', 'texture'] as const).reduce<MatmulVariant>((best, v) => ((ms[`${prefix}.${v}`] ?? Infinity) < ms[`${prefix}.${best}`] ? v : best), 'tiled');
  const policy: Partial<PolicyState> = {
    conv: { forward: convByShape[`forward|${first}`], backwardInput: convByShape[`backwardInput|${first}`], backwardWeight: convByShape[`backwardWeight|${first}`] },
    convByShape,
    reduce: ms['reduce.serial'] < ms['reduce.tree'] ? 'serial' : 'tree',
    groupnorm: (ms['groupnorm.lanes'] ?? Infinity) < Math.min(ms['reduce.serial'], ms['reduce.tree']) ? 'lanes' : 'reduce',
    attention: (['rows4', 'lanes8'] as const).reduce<AttentionVariant>((best, v) => ((ms[`attention.${v}`] ?? Infinity) < ms[`attention.${best}`] ? v : best), 'row'),
    copy: ms['concat.copies'] < ms['concat.kernel'] ? 'copies' : 'kernel',
    matmul: fastestMatmul('matmul'),
    matmulSmall: fastestMatmul('matmulSmall'),
  };
  gpu.policy.set(policy);
  const result: TuneResult = { adapter: adapterKey(gpu), policy, ms };
  cache?.set(key, JSON.stringify(result));
  return result;
}
