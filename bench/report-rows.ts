// What a bench report says about each record, shared by the console table, the Markdown, the HTML report
// and the in-browser page (platform neutral). Ratios are like for like: a peer's op + readback against our
// op + readback (both wall clock, median of the same number of runs), and a peer's kernel-only GPU time
// against ours only where both sides timed their kernels with GPU timestamps.
import { adapterLine } from '../src/runtime/device.ts';
import { shapeLabel } from './shapes.ts';
import type { BenchRecord } from './suite.ts';

export type PeerKey = 'tfjs' | 'jaxjs' | 'tfjs_wasm' | 'torch';
/** `kernels: false`: the peer has no kernel-only time (CPU work), so the report gives it no kernel columns. */
export const PEERS: { key: PeerKey; name: string; kernels?: false }[] = [
  { key: 'tfjs', name: 'TensorFlow.js' },
  { key: 'jaxjs', name: 'jax-js' },
  { key: 'tfjs_wasm', name: 'TensorFlow.js WASM', kernels: false },
  // Node's end-to-end rows only: a whole training step on the CPU (bench/torch-peer.ts), wall clock on both sides.
  { key: 'torch', name: 'PyTorch (CPU)', kernels: false },
];

export interface BenchRun {
  date: string;
  runner: 'chromium' | 'node-dawn';
  browser: string | null;
  adapter: AdapterRecord;
  autotune: unknown;
  peers: string | null;
  /** What a peer reported about itself, by peer key (TensorFlow.js WASM: flavour, threads). */
  peerDetails?: Record<string, Record<string, unknown>>;
  /** What the run was asked for (absent in older result files). */
  settings?: { sizes: string[]; reps: number; warmup: number; kernels: string[] };
  records: BenchRecord[];
}

export interface AdapterRecord {
  kind?: string;
  vendor: string;
  architecture: string;
  description: string;
  features?: string[];
  limits?: Record<string, number>;
  /** What a browser adds with developer features on: driver, backend, adapter type, device id, fallback. */
  details?: Record<string, string | number | boolean | null>;
}

/** The adapter in full: kind, vendor, architecture, description, then driver, backend and type where known. */
export function adapterFull(a: AdapterRecord): string {
  const d = a.details ?? {};
  const extra = [
    d.driver && `driver ${d.driver}`,
    d.backend && `${d.backend} backend`,
    d.type && `${String(d.type).toLowerCase()} adapter`,
    d.isFallbackAdapter === true && 'fallback adapter',
    d.device && `device ${d.device}`,
  ].filter(Boolean);
  return adapterLine(a) + (extra.length ? `; ${extra.join(', ')}` : '');
}

const OPS: Record<string, string> = {
  conv2d: 'conv2d', groupnorm_silu: 'GroupNorm→SiLU', linear: 'linear', attention: 'attention', adamw: 'AdamW',
  timestep_embedding: 'time embedding', class_embedding: 'class embedding', cross_entropy: 'cross-entropy', maxpool2: 'max-pool 2×2',
  train_step: 'training step', ddim50_sampling: 'DDIM-50 sampling',
};
const DIRECTIONS: Record<string, string> = { backward_input: 'input gradient', backward_weight: 'weight gradient' };

/** "conv2d input gradient", "training step tiny (…)": the kernel and direction in words. */
export function opLabel(r: Pick<BenchRecord, 'name' | 'direction'>): string {
  return `${OPS[r.name] ?? r.name} ${DIRECTIONS[r.direction] ?? r.direction}`;
}

/** The chart group a record belongs to: kernel and direction ("conv2d forward"); end-to-end rows by kind. */
export function groupOf(r: Pick<BenchRecord, 'name' | 'direction'>): string {
  return isEndToEnd(r) ? OPS[r.name] : opLabel(r);
}

/** Our kernel-only time: the GPU timestamps of our dispatches, or null where the row was timed by the wall clock. */
export const oursKernelMs = (r: BenchRecord) => (r.timing === 'gpu-timestamp' ? r.ms_median : null);
export const peerMs = (r: BenchRecord, p: PeerKey) => r.peers[`${p}_ms`] ?? null;
export const peerKernelMs = (r: BenchRecord, p: PeerKey) => r.peers[`${p}_kernel_ms`] ?? null;

/** peer ÷ ours, op + readback on both sides (> 1: ours is faster). */
export function ratioReadback(r: BenchRecord, p: PeerKey): number | null {
  const ms = peerMs(r, p);
  return ms !== null && r.ms_wall_readback > 0 ? ms / r.ms_wall_readback : null;
}

/** peer ÷ ours, kernels only on both sides; null unless both timed their kernels with GPU timestamps. */
export function ratioKernel(r: BenchRecord, p: PeerKey): number | null {
  const ms = peerKernelMs(r, p);
  const ours = oursKernelMs(r);
  return ms !== null && ours !== null && ours > 0 ? ms / ours : null;
}

/** The peers a run has numbers for (a column per peer only where it measured something). */
export function peersIn(records: BenchRecord[]): PeerKey[] {
  return PEERS.map((p) => p.key).filter((k) => records.some((r) => peerMs(r, k) !== null));
}

/** Milliseconds with about three significant digits. */
export function fmtMs(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '—';
  return v >= 1000 ? Math.round(v).toLocaleString('en-US') : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
}

export function fmtRatio(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '—' : `${v >= 10 ? v.toFixed(1) : v.toFixed(2)}×`;
}

const fmt = (v: number | null, d: number) => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(d));

export interface Column {
  /** Stable name ("ours_rb", "tfjs_ratio_kernel", …) the console table picks columns by. */
  id: string;
  /** Header group: '' (the row's identity), 'ours', a peer's name, 'vs CPU twin'. */
  group: string;
  /** Header text; '\n' breaks the line in HTML (a space elsewhere). */
  head: string;
  /** What the column measures, for the HTML header's tooltip. */
  tip: string;
  num: boolean;
  text(r: BenchRecord): string;
  /** The ratio behind the text, so the HTML can mark where ours is slower. */
  ratio?: (r: BenchRecord) => number | null;
}

/** PyTorch's columns time a whole training step on the CPU against ours, both by the wall clock. */
const TORCH_HEADS = {
  rb: { head: 'step\nms', tip: 'PyTorch on the CPU: mean wall time of a whole training step (time.perf_counter), its steps alternating with ours' },
  ratio: { head: '÷ ours,\nstep', tip: 'PyTorch step ÷ our step, both wall clock (> 1: ours faster)' },
};

/** The report's columns for a run with these peers; every report prints the same ones. */
export function columns(peers: PeerKey[]): Column[] {
  const cols: Column[] = [
    { id: 'kernel', group: '', head: 'kernel', tip: 'kernel and direction', num: false, text: opLabel },
    { id: 'variant', group: '', head: 'variant', tip: 'the design asked for', num: false, text: (r) => r.variant },
    { id: 'shape', group: '', head: 'shape', tip: 'named dimensions; see the legend per kernel', num: false, text: shapeLabel },
    { id: 'ours_ms', group: 'ours', head: 'kernels\nms', tip: 'median GPU time of our dispatches (timestamp queries); ʷ: wall clock to queue done, no readback', num: true, text: (r) => fmtMs(r.ms_median) + (r.timing === 'wall' ? 'ʷ' : '') },
    { id: 'ours_min', group: 'ours', head: 'min\nms', tip: 'fastest repetition', num: true, text: (r) => fmtMs(r.ms_min) },
    { id: 'gflops', group: 'ours', head: 'GFLOP/s', tip: 'counted flops ÷ median time', num: true, text: (r) => fmt(r.gflops, 2) },
    { id: 'ours_rb', group: 'ours', head: 'op +\nreadback\nms', tip: 'median wall time of op + reading the result back, as many runs as a peer gets', num: true, text: (r) => fmtMs(r.ms_wall_readback) },
  ];
  for (const p of PEERS.filter((q) => peers.includes(q.key))) {
    cols.push(
      { id: `${p.key}_rb`, group: p.name, ...(p.key === 'torch' ? TORCH_HEADS.rb : { head: 'op +\nreadback\nms', tip: `median wall time of ${p.name} op + await data()` }), num: true, text: (r) => fmtMs(peerMs(r, p.key)) },
      { id: `${p.key}_ratio_rb`, group: p.name, ...(p.key === 'torch' ? TORCH_HEADS.ratio : { head: '÷ ours,\nop +\nreadback', tip: `${p.name} op + readback ÷ ours op + readback (> 1: ours faster)` }), num: true, text: (r) => fmtRatio(ratioReadback(r, p.key)), ratio: (r) => ratioReadback(r, p.key) },
    );
    if (p.kernels === false) continue;
    cols.push(
      { id: `${p.key}_kernel`, group: p.name, head: 'kernels\nms', tip: `median GPU time of the kernels ${p.name} ran, from its own timestamp queries`, num: true, text: (r) => fmtMs(peerKernelMs(r, p.key)) },
      { id: `${p.key}_ratio_kernel`, group: p.name, head: '÷ ours,\nkernels', tip: `${p.name} kernels ÷ our kernels, both GPU timestamps (> 1: ours faster)`, num: true, text: (r) => fmtRatio(ratioKernel(r, p.key)), ratio: (r) => ratioKernel(r, p.key) },
    );
  }
  cols.push(
    { id: 'abs_err', group: 'vs CPU twin', head: 'max abs\nerror', tip: 'largest absolute error against the float64 CPU twin', num: true, text: (r) => (hasTwin(r) ? r.max_abs_err.toExponential(1) : '—') },
    { id: 'rel_err', group: 'vs CPU twin', head: 'max rel\nerror', tip: 'largest error relative to max(|ref|, 1e-3)', num: true, text: (r) => (hasTwin(r) ? r.max_rel_err.toExponential(1) : '—') },
    { id: 'cpu_ms', group: 'vs CPU twin', head: 'twin\nms', tip: 'the twin on one core', num: true, text: (r) => (hasTwin(r) ? fmtMs(r.cpu_ms) : '—') },
    // Last: the longest cell, so the numbers stay in view on a narrow screen.
    { id: 'kernels', group: '', head: 'kernels that ran', tip: 'entry points actually dispatched (a variant that does not apply to a shape runs another kernel)', num: false, text: kernelList },
  );
  return cols;
}

/** Whole training steps and sampling runs (bench/e2e.ts), as opposed to single kernels. */
export const isEndToEnd = (r: Pick<BenchRecord, 'name'>) => r.name === 'train_step' || r.name === 'ddim50_sampling';

/** End-to-end rows have no CPU twin (their error fields are 0 by convention). */
const hasTwin = (r: BenchRecord) => !isEndToEnd(r);

/** The kernels that ran, or their count where a whole step runs dozens. */
function kernelList(r: BenchRecord): string {
  const k = r.kernels ?? [];
  return k.length > 6 ? `${k.length} kernels` : k.join(', ');
}
