// The benchmark suite (platform neutral: runs in a page through navigator.gpu or in Node through Dawn).
// Each case times one kernel direction and variant at one shape: GPU time from timestamp queries when the
// adapter has them (else wall time around onSubmittedWorkDone), median and minimum over repetitions after
// warm-up; GFLOP/s and GB/s from counted flops and the fewest bytes that must move; the largest error
// against the CPU twin on the same inputs, and the CPU twin's own time.
import type { Gpu } from '../src/runtime/gpu.ts';
import type { Tensor } from '../src/runtime/tensor.ts';
import type { PolicyState } from '../src/runtime/policy.ts';
import { OP_TABLE } from '../test/ops/table.ts';
import type { ConvShape } from '../test/reference/conv2d.ts';
import { hostData, uploadInputs, type AnyOpSpec } from '../test/ops/spec.ts';

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
   * How the CPU peer of an end-to-end row ran and was timed, and how ours was ("torch": "PyTorch 1.13.1 on the
   * CPU, 1 thread; …" or "skipped: install python3-torch …"; "ours": …). Absent elsewhere.
   */
  peer_notes?: Record<string, string>;
  /**
   * Peer medians: `*_ms` op + `await data()` (wall clock), `*_kernel_ms` the peer's own GPU timestamps of
   * the kernels it ran (null where it could not time them). Older result files lack the kernel fields.
   */
  peers: {
    tfjs_ms: number | null; jaxjs_ms: number | null; tfjs_kernel_ms?: number | null; jaxjs_kernel_ms?: number | null;
    /** TensorFlow.js on its WASM backend (CPU; no kernel-only time). Absent in older result files. */
    tfjs_wasm_ms?: number | null; tfjs_wasm_kernel_ms?: number | null;
    /** PyTorch on the CPU (Node, end-to-end rows: mean wall time of a whole training step; no kernel-only time). */
    torch_ms?: number | null; torch_kernel_ms?: number | null;
  };
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
  /** Peer implementations (the page supplies TensorFlow.js on WebGPU and WASM, and jax-js). */
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
  key: 'tfjs' | 'jaxjs' | 'tfjs_wasm';
  conv2d?(dir: string, s: ConvShape, reps: number): Promise<PeerTime | null>;
  matmul?(M: number, K: number, N: number, reps: number): Promise<PeerTime | null>;
  /** dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy for x [M, K], W [N, K]. */
  linearBackward?(M: number, K: number, N: number, reps: number): Promise<PeerTime | null>;
  groupNormSilu?(dir: string, N: number, C: number, H: number, G: number, reps: number): Promise<PeerTime | null>;
  attention?(dir: string, N: number, C: number, L: number, heads: number, reps: number): Promise<PeerTime | null>;
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
  /** Why the adapter has no kernel for it (the spec's `requires`): the case is skipped. */
  requires?: (gpu: Gpu) => string | null;
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

/** How a peer runs a table spec's case (the ops peers have), or null where it has no counterpart. */
function peerFor(spec: AnyOpSpec, s: any): Case['peer'] {
  const dir = spec.direction;
  switch (spec.name) {
    case 'conv2d':
      return (p, reps) => p.conv2d?.(dir, s, reps) ?? null;
    case 'groupnorm':
      return s.silu && s.H === s.W ? (p, reps) => p.groupNormSilu?.(dir, s.N, s.C, s.H, s.G, reps) ?? null : undefined;
    case 'linear':
      return dir === 'forward' ? (p, reps) => p.matmul?.(s.M, s.K, s.N, reps) ?? null : (p, reps) => p.linearBackward?.(s.M, s.K, s.N, reps) ?? null;
    case 'attention':
      return (p, reps) => p.attention?.(dir, s.N, s.C, s.H * s.W, s.heads, reps) ?? null;
    default:
      return undefined;
  }
}

/**
 * The kernel cases: every op-table spec (test/ops/table.ts) × variant × shape in the chosen size sets. An
 * in-place op's `reset` runs before the checked run, so the twin sees the state it started from.
 */
function tableCases(sizes: SizeSet[]): Case[] {
  const list: Case[] = [];
  for (const spec of OP_TABLE) {
    for (const c of spec.cases.filter((k) => k.tags.some((t) => (sizes as string[]).includes(t)))) {
      const host = spec.inputs(c.s);
      const primary = Object.keys(spec.outputs(c.s))[0];
      let ref: ArrayLike<number> | null = null; // one twin run per shape, shared by its variants
      const name = spec.name === 'groupnorm' && c.s.silu ? 'groupnorm_silu' : spec.name;
      for (const variant of spec.variants) {
        list.push({
          name, direction: spec.direction, shape: Object.values(spec.dims(c.s)), variant, flops: spec.flops(c.s), bytes: spec.bytes(c.s),
          policy: spec.policy?.(variant), requires: spec.requires ? (gpu: Gpu) => spec.requires!(gpu, variant, c.s) : undefined,
          setup: (gpu) => {
            const inputs = uploadInputs(gpu, host);
            const outputs: Record<string, Tensor> = Object.fromEntries(Object.entries(spec.outputs(c.s)).map(([k, shape]) => [k, gpu.tensor(shape)]));
            const { run, scratch = [], reset } = spec.setup(gpu, c.s, inputs, outputs, variant);
            return {
              run, out: outputs[primary], before: reset, ref: () => (ref ??= spec.ref(c.s, hostData(host))[primary]),
              free: [...Object.values(inputs), ...Object.values(outputs), ...scratch],
            };
          },
          peer: peerFor(spec, c.s),
        });
      }
    }
  }
  return list;
}

export async function runSuite(gpu: Gpu, o: BenchOptions): Promise<BenchRecord[]> {
  const log = o.log ?? (() => {});
  const out: BenchRecord[] = [];
  const peerMemo = new Map<string, PeerTime | null>();
  const keep = (c: Case) => !o.kernels.length || o.kernels.some((k) => `${c.name}.${c.direction}`.includes(k));
  for (const c of tableCases(o.sizes).filter(keep)) {
    const missing = c.requires?.(gpu);
    if (missing) {
      log(`${c.name} ${c.direction} ${c.variant}: skipped on this adapter (${missing})`);
      continue;
    }
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
