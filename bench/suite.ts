// The benchmark suite (platform neutral: runs in a page through navigator.gpu or in Node through Dawn).
// Each case times one kernel direction and variant at one shape: GPU time from timestamp queries when the
// adapter has them (else wall time around onSubmittedWorkDone), median and minimum over repetitions after
// warm-up; GFLOP/s and GB/s from counted flops and the fewest bytes that must move; the largest error
// against the CPU twin on the same inputs, and the CPU twin's own time.
import type { Gpu } from '../src/runtime/gpu.ts';
import { mulberry32 } from '../src/runtime/mulberry.ts';
import type { Tensor } from '../src/runtime/tensor.ts';
import { conv2dBackward, conv2dForward, type ConvVariant } from '../src/ops/conv2d.ts';
import { groupNormBackward, groupNormForward } from '../src/ops/groupnorm.ts';
import type { ReduceStyle } from '../src/ops/reduce.ts';
import type { PolicyState } from '../src/runtime/policy.ts';
import { linearBackward, linearForward } from '../src/ops/linear.ts';
import { attentionBackward, attentionForward } from '../src/ops/attention.ts';
import { adamwStep } from '../src/ops/adamw.ts';
import { newCounter, advanceCounter } from '../src/ops/random.ts';
import { conv2dBackwardRef, conv2dForwardRef, type ConvShape } from '../test/reference/conv2d.ts';
import { groupNormBackwardRef, groupNormForwardRef } from '../test/reference/groupnorm.ts';
import { linearBackwardRef, linearForwardRef } from '../test/reference/linear.ts';
import { attentionBackwardRef, attentionForwardRef } from '../test/reference/attention.ts';
import { adamwRef } from '../test/reference/optim.ts';

export interface BenchRecord {
  name: string;
  direction: string;
  shape: number[];
  variant: string;
  flops: number;
  bytes: number;
  ms_median: number;
  ms_min: number;
  gflops: number;
  gbps: number;
  max_abs_err: number;
  max_rel_err: number;
  cpu_ms: number;
  timing: 'gpu-timestamp' | 'wall';
  /** Median wall time of op + readback over as many runs as each peer gets (PEER_REPS): like for like with `peers.*_ms`. */
  ms_wall_readback: number;
  /** The kernels that actually ran (file.entry), which may differ from `variant` where it does not apply. */
  kernels: string[];
  /**
   * Peer medians: `*_ms` op + `await data()` (wall clock), `*_kernel_ms` the peer's own GPU timestamps of
   * the kernels it ran (null where it could not time them). Older result files lack the kernel fields.
   */
  peers: { tfjs_ms: number | null; jaxjs_ms: number | null; tfjs_kernel_ms?: number | null; jaxjs_kernel_ms?: number | null };
}

/** Runs of op + readback per case, ours and each peer's alike (each after its own warm-up). */
export const peerReps = (reps: number) => Math.max(1, Math.min(reps, 5));

export type SizeSet = 'smoke' | 'unet' | 'sweep';

export interface BenchOptions {
  sizes: SizeSet[];
  reps: number;
  warmup: number;
  /** Substrings of case names to keep (empty: all). */
  kernels: string[];
  /** Peer implementations (the page supplies TensorFlow.js and jax-js). */
  peers?: PeerRunner[];
  /** Messages (a peer that failed); rows go to onRecord. */
  log?: (line: string) => void;
  /** Each record as soon as it is measured (the runners print it as a table row). */
  onRecord?: (r: BenchRecord) => void;
}

/** A peer's medians: op + readback wall time, and its kernels' GPU time where it can time them. */
export interface PeerTime { ms: number; kernelMs: number | null }

export interface PeerRunner {
  name: string;
  key: 'tfjs' | 'jaxjs';
  conv2d?(dir: string, s: ConvShape, reps: number): Promise<PeerTime | null>;
  matmul?(M: number, K: number, N: number, reps: number): Promise<PeerTime | null>;
  /** dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy for x [M, K], W [N, K]. */
  linearBackward?(M: number, K: number, N: number, reps: number): Promise<PeerTime | null>;
  groupNormSilu?(dir: string, N: number, C: number, H: number, G: number, reps: number): Promise<PeerTime | null>;
  attention?(dir: string, N: number, C: number, L: number, heads: number, reps: number): Promise<PeerTime | null>;
}

/** Deterministic inputs in [lo, hi). */
function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

function errors(got: ArrayLike<number>, ref: ArrayLike<number>): { abs: number; rel: number } {
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i] - ref[i]);
    abs = Math.max(abs, Number.isNaN(d) ? Infinity : d);
    rel = Math.max(rel, d / Math.max(Math.abs(ref[i]), 1e-3));
  }
  return { abs, rel };
}

const now = () => performance.now();

/** The middle value (upper middle for an even count). */
function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Case extends Pick<BenchRecord, 'name' | 'direction' | 'shape' | 'variant' | 'flops' | 'bytes'> {
  setup: (gpu: Gpu) => { run: () => void; out: Tensor; ref: () => ArrayLike<number>; before?: () => void; free: Tensor[] };
  peer?: (p: PeerRunner, reps: number) => Promise<PeerTime | null> | null;
  /** Kernel-policy choices the case runs under (restored after it). */
  policy?: Partial<PolicyState>;
}

async function measure(gpu: Gpu, run: () => void, reps: number, warmup: number): Promise<{ times: number[]; timing: 'gpu-timestamp' | 'wall' }> {
  for (let i = 0; i < warmup; i++) run();
  await gpu.sync();
  if (!gpu.hasTimestamps) return measureWall(gpu, run, reps);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    gpu.resetKernelTimes();
    gpu.profile = true;
    run();
    const kt = await gpu.kernelTimes();
    gpu.profile = false;
    let ms = 0;
    for (const v of kt.values()) ms += v.ms;
    times.push(ms);
  }
  // Timestamps can be quantized (Dawn rounds them unless unsafe APIs are allowed), so a very small kernel may
  // read as 0 ms; then the timestamp says nothing and the case is timed by the wall clock instead.
  const sorted = [...times].sort((a, b) => a - b);
  if (!(sorted[Math.floor(sorted.length / 2)] > 0)) return measureWall(gpu, run, reps);
  return { times, timing: 'gpu-timestamp' };
}

async function measureWall(gpu: Gpu, run: () => void, reps: number): Promise<{ times: number[]; timing: 'wall' }> {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = now();
    run();
    await gpu.sync();
    times.push(now() - t0);
  }
  return { times, timing: 'wall' };
}

function convShapes(sizes: SizeSet[]): { label: string; s: ConvShape }[] {
  const out: { label: string; s: ConvShape }[] = [];
  const mk = (N: number, C_in: number, C_out: number, H: number, K = 3, stride = 1) => ({ N, C_in, H, W: H, C_out, K, stride, pad: K >> 1 });
  if (sizes.includes('smoke')) out.push({ label: 'smoke', s: mk(1, 4, 4, 7) });
  if (sizes.includes('unet')) {
    out.push({ label: 'tiny L0', s: mk(16, 8, 8, 28) }, { label: 'tiny up L0 (concat)', s: mk(16, 16, 8, 28) }, { label: 'small L1', s: mk(16, 64, 64, 14) });
    out.push({ label: 'small L0', s: mk(16, 32, 32, 28) }, { label: 'tiny down', s: mk(16, 8, 8, 28, 3, 2) }, { label: 'tiny 1x1 skip', s: mk(16, 16, 32, 14, 1) });
  }
  if (sizes.includes('sweep')) for (const C of [16, 32, 64, 128]) out.push({ label: `sweep C${C}`, s: mk(8, C, C, 14) });
  return out;
}

function cases(sizes: SizeSet[]): Case[] {
  const list: Case[] = [];
  const variants: ConvVariant[] = ['direct', 'blocked', 'blocked8', 'gemm', 'lanes'];
  for (const { s } of convShapes(sizes)) {
    const OH = Math.floor((s.H + 2 * s.pad - s.K) / s.stride) + 1;
    const xs = [s.N, s.C_in, s.H, s.W];
    const ws = [s.C_out, s.C_in, s.K, s.K];
    const ys = [s.N, s.C_out, OH, OH];
    const nx = xs.reduce((a, b) => a * b);
    const nw = ws.reduce((a, b) => a * b);
    const ny = ys.reduce((a, b) => a * b);
    const flops = 2 * s.N * s.C_out * OH * OH * s.C_in * s.K * s.K;
    const x = rand(nx, 1);
    const w = rand(nw, 2, -0.3, 0.3);
    const b = rand(s.C_out, 3);
    const dy = rand(ny, 4);
    let refB: ReturnType<typeof conv2dBackwardRef> | null = null;
    const bwdRef = () => (refB ??= conv2dBackwardRef(dy, x, w, s));
    const opts = (variant: ConvVariant) => ({ stride: s.stride, pad: s.pad, variant });
    for (const variant of variants) {
      list.push({
        name: 'conv2d', direction: 'forward', shape: [...xs, s.C_out, s.K, s.stride], variant, flops, bytes: 4 * (nx + nw + ny + s.C_out),
        setup: (gpu) => {
          const [tx, tw, tb, ty] = [gpu.upload(xs, x), gpu.upload(ws, w), gpu.upload([s.C_out], b), gpu.tensor(ys)];
          return { run: () => conv2dForward(gpu, tx, tw, tb, opts(variant), ty), out: ty, ref: () => conv2dForwardRef(x, w, b, s), free: [tx, tw, tb, ty] };
        },
        peer: (p, reps) => p.conv2d?.('forward', s, reps) ?? null,
      });
      list.push({
        name: 'conv2d', direction: 'backward_input', shape: [...xs, s.C_out, s.K, s.stride], variant, flops, bytes: 4 * (ny + nw + nx),
        setup: (gpu) => {
          const [tx, tw, tdy, tdx, tdw, tdb] = [gpu.upload(xs, x), gpu.upload(ws, w), gpu.upload(ys, dy), gpu.tensor(xs), gpu.tensor(ws), gpu.tensor([s.C_out])];
          return {
            run: () => conv2dBackward(gpu, tdy, tx, tw, opts(variant), { dx: tdx, dw: tdw, db: tdb }, false, true),
            out: tdx, ref: () => bwdRef().dx, free: [tx, tw, tdy, tdx, tdw, tdb],
          };
        },
        peer: (p, reps) => p.conv2d?.('backward_input', s, reps) ?? null,
      });
      if (variant !== 'blocked8' && variant !== 'lanes') list.push({ // blocked8 and lanes share blocked's weight-gradient kernels
        name: 'conv2d', direction: 'backward_weight', shape: [...xs, s.C_out, s.K, s.stride], variant, flops, bytes: 4 * (ny + nx + nw),
        setup: (gpu) => {
          const [tx, tw, tdy, tdw, tdb] = [gpu.upload(xs, x), gpu.upload(ws, w), gpu.upload(ys, dy), gpu.tensor(ws), gpu.tensor([s.C_out])];
          return { run: () => conv2dBackward(gpu, tdy, tx, tw, opts(variant), { dw: tdw, db: tdb }, true), out: tdw, ref: () => bwdRef().dw, free: [tx, tw, tdy, tdw, tdb] };
        },
        peer: (p, reps) => p.conv2d?.('backward_weight', s, reps) ?? null,
      });
    }
  }

  // GroupNorm → SiLU at a UNet level-0 shape, both reduction designs.
  const gnShapes = [...(sizes.includes('smoke') ? [[2, 8, 7, 4]] : []), ...(sizes.includes('unet') ? [[16, 32, 28, 8], [16, 64, 14, 8]] : [])];
  for (const [N, C, H, G] of gnShapes) {
    const n = N * C * H * H;
    const x = rand(n, 5, -2, 2);
    const gamma = rand(C, 6, 0.5, 1.5);
    const beta = rand(C, 7);
    const dy = rand(n, 8);
    const spec = { N, C, S: H * H, G, eps: 1e-5, silu: true };
    for (const style of ['tree', 'serial'] as ReduceStyle[]) {
      const prep = (gpu: Gpu) => ({ tx: gpu.upload([N, C, H, H], x), tg: gpu.upload([C], gamma), tb: gpu.upload([C], beta) });
      list.push({
        name: 'groupnorm_silu', direction: 'forward', shape: [N, C, H, H, G], variant: style, flops: 10 * n, bytes: 8 * n, policy: { reduce: style },
        setup: (gpu) => {
          const { tx, tg, tb } = prep(gpu);
          const y = gpu.tensor([N, C, H, H]);
          const stats = gpu.tensor([N * G, 2]);
          return { run: () => groupNormForward(gpu, tx, tg, tb, { groups: G, silu: true }, { y, stats }), out: y, ref: () => groupNormForwardRef(x, gamma, beta, spec).y, free: [tx, tg, tb, y, stats] };
        },
        peer: (p, reps) => p.groupNormSilu?.('forward', N, C, H, G, reps) ?? null,
      });
      list.push({
        name: 'groupnorm_silu', direction: 'backward', shape: [N, C, H, H, G], variant: style, flops: 20 * n, bytes: 12 * n, policy: { reduce: style },
        setup: (gpu) => {
          const { tx, tg, tb } = prep(gpu);
          const y = gpu.tensor([N, C, H, H]);
          const stats = gpu.tensor([N * G, 2]);
          groupNormForward(gpu, tx, tg, tb, { groups: G, silu: true }, { y, stats });
          const tdy = gpu.upload([N, C, H, H], dy);
          const g = { dx: gpu.tensor([N, C, H, H]), dgamma: gpu.tensor([C]), dbeta: gpu.tensor([C]) };
          return {
            run: () => groupNormBackward(gpu, tdy, tx, tg, tb, stats, { groups: G, silu: true }, g),
            out: g.dx, ref: () => groupNormBackwardRef(dy, x, gamma, beta, spec).dx, free: [tx, tg, tb, y, stats, tdy, g.dx, g.dgamma, g.dbeta],
          };
        },
        peer: (p, reps) => p.groupNormSilu?.('backward', N, C, H, G, reps) ?? null,
      });
    }
  }

  // Linear layers (time-embedding MLP, attention-sized projections) and the matmul behind them.
  const linShapes = [...(sizes.includes('smoke') ? [[3, 5, 4]] : []), ...(sizes.includes('unet') ? [[64, 128, 128], [784, 64, 192]] : []), ...(sizes.includes('sweep') ? [[256, 256, 256], [512, 512, 512]] : [])];
  for (const [M, K, N] of linShapes) {
    const x = rand(M * K, 9);
    const w = rand(N * K, 10, -0.2, 0.2);
    const b = rand(N, 11);
    const dy = rand(M * N, 12);
    list.push({
      name: 'linear', direction: 'forward', shape: [M, K, N], variant: 'register-4x4-vec4k', flops: 2 * M * K * N, bytes: 4 * (M * K + N * K + M * N),
      setup: (gpu) => {
        const [tx, tw, tb, ty] = [gpu.upload([M, K], x), gpu.upload([N, K], w), gpu.upload([N], b), gpu.tensor([M, N])];
        return { run: () => linearForward(gpu, tx, tw, tb, ty), out: ty, ref: () => linearForwardRef(x, w, b, M, K, N), free: [tx, tw, tb, ty] };
      },
      peer: (p, reps) => p.matmul?.(M, K, N, reps) ?? null,
    });
    list.push({
      name: 'linear', direction: 'backward', shape: [M, K, N], variant: 'register-4x4', flops: 4 * M * K * N, bytes: 4 * (2 * M * K + 2 * N * K + M * N),
      setup: (gpu) => {
        const [tx, tw, tdy] = [gpu.upload([M, K], x), gpu.upload([N, K], w), gpu.upload([M, N], dy)];
        const g = { dx: gpu.tensor([M, K]), dw: gpu.tensor([N, K]), db: gpu.tensor([N]) };
        return { run: () => linearBackward(gpu, tdy, tx, tw, g), out: g.dw, ref: () => linearBackwardRef(dy, x, w, M, K, N).dw, free: [tx, tw, tdy, g.dx, g.dw, g.db] };
      },
      peer: (p, reps) => p.linearBackward?.(M, K, N, reps) ?? null,
    });
  }

  // Attention at the bottleneck (7×7 = 49 positions).
  const atShapes = [...(sizes.includes('smoke') ? [[1, 4, 9, 1]] : []), ...(sizes.includes('unet') ? [[16, 32, 49, 1], [16, 64, 49, 2]] : [])];
  for (const [N, C, L, heads] of atShapes) {
    const qkv = rand(N * 3 * C * L, 13, -1.5, 1.5);
    const dout = rand(N * C * L, 14);
    const spec = { N, C, L, heads };
    const fl = 4 * N * L * L * C;
    for (const variant of ['row', 'rows4'] as const) {
      list.push({
        name: 'attention', direction: 'forward', shape: [N, C, L, heads], variant, flops: fl, bytes: 4 * (N * 4 * C * L),
        setup: (gpu) => {
          const t = gpu.upload([N, 3 * C, L, 1], qkv);
          const o = gpu.tensor([N, C, L, 1]);
          const lse = gpu.tensor([N, heads, L]);
          return { run: () => attentionForward(gpu, t, heads, { o, lse }, variant), out: o, ref: () => attentionForwardRef(qkv, spec), free: [t, o, lse] };
        },
        peer: (p, reps) => p.attention?.('forward', N, C, L, heads, reps) ?? null,
      });
      list.push({
        name: 'attention', direction: 'backward', shape: [N, C, L, heads], variant, flops: 2.5 * fl, bytes: 4 * (N * 8 * C * L),
        setup: (gpu) => {
          const t = gpu.upload([N, 3 * C, L, 1], qkv);
          const f = attentionForward(gpu, t, heads, {}, variant);
          const d = gpu.upload([N, C, L, 1], dout);
          const dq = gpu.tensor([N, 3 * C, L, 1]);
          const delta = gpu.tensor([N, heads, L]);
          return { run: () => attentionBackward(gpu, d, t, f, heads, { dqkv: dq, delta }, variant), out: dq, ref: () => attentionBackwardRef(dout, qkv, spec), free: [t, f.o, f.lse, d, dq, delta] };
        },
        peer: (p, reps) => p.attention?.('backward', N, C, L, heads, reps) ?? null,
      });
    }
  }

  // AdamW over a flat buffer the size of the small preset.
  for (const n of [...(sizes.includes('smoke') ? [1000] : []), ...(sizes.includes('unet') ? [1_624_577] : [])]) {
    const p0 = rand(n, 15);
    const g = rand(n, 16);
    const cfg = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
    list.push({
      name: 'adamw', direction: 'update', shape: [n], variant: 'flat-single-dispatch', flops: 16 * n, bytes: 4 * 7 * n,
      setup: (gpu) => {
        const [tp, tg, tm, tv] = [gpu.upload([n], p0), gpu.upload([n], g), gpu.upload([n], new Float32Array(n)), gpu.upload([n], new Float32Array(n))];
        const counter = newCounter(gpu, 0);
        advanceCounter(gpu, counter);
        const before = () => {
          gpu.write(tp, p0);
          gpu.write(tm, new Float32Array(n));
          gpu.write(tv, new Float32Array(n));
        };
        return {
          run: () => adamwStep(gpu, tp, tg, tm, tv, counter, cfg), out: tp, before,
          ref: () => { const rp = Float64Array.from(p0); adamwRef(rp, g, new Float64Array(n), new Float64Array(n), 1, cfg); return rp; },
          free: [tp, tg, tm, tv, counter],
        };
      },
    });
  }
  return list;
}

export async function runSuite(gpu: Gpu, o: BenchOptions): Promise<BenchRecord[]> {
  const log = o.log ?? (() => {});
  const out: BenchRecord[] = [];
  const peerMemo = new Map<string, PeerTime | null>();
  const keep = (c: Case) => !o.kernels.length || o.kernels.some((k) => `${c.name}.${c.direction}`.includes(k));
  for (const c of cases(o.sizes).filter(keep)) {
    const rec = await gpu.policy.using(c.policy ?? {}, () => runCase(gpu, c, o, peerMemo, log));
    out.push(rec);
    o.onRecord?.(rec);
  }
  return out;
}

/** Times one case, checks it against its CPU twin, runs the peers; under the case's policy. */
async function runCase(gpu: Gpu, c: Case, o: BenchOptions, peerMemo: Map<string, PeerTime | null>, log: (line: string) => void): Promise<BenchRecord> {
  {
    const s = c.setup(gpu);
    const { times, timing } = await measure(gpu, s.run, o.reps, o.warmup);
    // Op + readback, what a peer's `await t.data()` costs: the median of as many runs as a peer gets, so the
    // ratio compares like with like (one run alone moved by 2× on a shared machine).
    const walls: number[] = [];
    for (let i = 0; i < peerReps(o.reps); i++) {
      const w0 = now();
      s.run();
      await s.out.read();
      walls.push(now() - w0);
    }
    const wall = median(walls);
    // Correctness on the same inputs: a fresh run from the initial state, then the CPU twin.
    s.before?.();
    gpu.trace = [];
    s.run();
    const kernels = [...new Set(gpu.trace)];
    gpu.trace = null;
    const got = await s.out.read();
    const c0 = now();
    const ref = s.ref();
    const cpuMs = now() - c0;
    const err = errors(got, ref);
    times.sort((a, b) => a - b);
    const med = median(times);
    const peers: BenchRecord['peers'] = { tfjs_ms: null, jaxjs_ms: null, tfjs_kernel_ms: null, jaxjs_kernel_ms: null };
    for (const p of o.peers ?? []) {
      if (!c.peer) break;
      // A peer runs once per op, direction and shape, however many of our variants share them.
      const memo = `${p.key}:${c.name}.${c.direction}[${c.shape}]`;
      if (!peerMemo.has(memo)) {
        try {
          peerMemo.set(memo, (await c.peer(p, peerReps(o.reps))) ?? null);
        } catch (e) {
          peerMemo.set(memo, null);
          log(`peer ${p.name} failed on ${c.name}.${c.direction}: ${(e as Error).message}`);
        }
      }
      const t = peerMemo.get(memo) ?? null;
      peers[`${p.key}_ms`] = t?.ms ?? null;
      peers[`${p.key}_kernel_ms`] = t?.kernelMs ?? null;
    }
    const rec: BenchRecord = {
      name: c.name, direction: c.direction, shape: c.shape, variant: c.variant, flops: c.flops, bytes: c.bytes,
      ms_median: med, ms_min: times[0], gflops: c.flops / med / 1e6, gbps: c.bytes / med / 1e6,
      max_abs_err: err.abs, max_rel_err: err.rel, cpu_ms: cpuMs, timing, ms_wall_readback: wall,
      kernels, peers,
    };
    for (const t of s.free) t.release();
    return rec;
  }
}
