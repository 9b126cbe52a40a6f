// Chart.js configurations for the bench report, one pair of horizontal bar charts per kernel and direction:
// times (log scale) and peer ÷ ours ratios (log scale, bars grow from 1×), sharing their rows so each line
// of the pair is the same record. Every row gets its own labelled line (no auto-skipped labels: the canvas
// height comes from the row and bar count), and animation is off so a chart is drawn at once. The configs
// are plain JSON; the few functions Chart.js needs (axis labels) are in DRAW_CHARTS_JS, one piece of source
// that the standalone file inlines and the page evaluates, so both draw alike.
import { shapeLabel } from './shapes.ts';
import { groupOf, isEndToEnd, oursKernelMs, peerKernelMs, peerMs, ratioKernel, ratioReadback, PEERS, type PeerKey } from './report-rows.ts';
import type { BenchRecord } from './suite.ts';

export interface ChartSpec {
  id: string;
  /** The value axis: milliseconds, or peer ÷ ours ratios (labelled 0.5×, 1×, 2×…, with 1× marked). */
  axis: 'ms' | 'ratio';
  /** Canvas height in CSS pixels, from the number of rows and bars per row. */
  height: number;
  config: unknown;
}

export interface Series {
  label: string;
  color: string;
  values: (number | null)[];
}

export interface ChartGroup {
  title: string;
  records: BenchRecord[];
  /** Every series either chart draws, for the legend above the pair. */
  series: Series[];
  time: ChartSpec;
  ratio: ChartSpec | null;
}

/** Light: kernels only (GPU timestamps); dark: op + readback (wall clock). */
const COLORS: Record<'ours' | PeerKey, [string, string]> = {
  ours: ['#f1a9a0', '#c0392b'],
  tfjs: ['#a9cce3', '#1f618d'],
  jaxjs: ['#abebc6', '#1e8449'],
  torch: ['#d7bde2', '#7d3c98'],
  tfjs_wasm: ['#f8c471', '#b9770e'],
};

const present = (s: Series) => s.values.some((v) => v !== null);
/** What a peer's wall time covers: op + readback, or (PyTorch on the CPU) a whole training step. */
const peerWhat = (k: PeerKey) => (k === 'torch' ? 'whole step, wall clock' : 'op + readback');

function timeSeries(rs: BenchRecord[]): Series[] {
  const peers = PEERS.map((p) => ({ ...p, c: COLORS[p.key] }));
  return [
    { label: 'ours, kernels only', color: COLORS.ours[0], values: rs.map(oursKernelMs) },
    ...peers.map((p) => ({ label: `${p.name}, kernels only`, color: p.c[0], values: rs.map((r) => peerKernelMs(r, p.key)) })),
    { label: 'ours, op + readback', color: COLORS.ours[1], values: rs.map((r) => r.ms_wall_readback) },
    ...peers.map((p) => ({ label: `${p.name}, ${peerWhat(p.key)}`, color: p.c[1], values: rs.map((r) => peerMs(r, p.key)) })),
  ].filter(present);
}

function ratioSeries(rs: BenchRecord[]): Series[] {
  return [
    ...PEERS.map((p) => ({ label: `${p.name} ÷ ours, kernels only`, color: COLORS[p.key][0], values: rs.map((r) => ratioKernel(r, p.key)) })),
    ...PEERS.map((p) => ({ label: `${p.name} ÷ ours, ${peerWhat(p.key)}`, color: COLORS[p.key][1], values: rs.map((r) => ratioReadback(r, p.key)) })),
  ].filter(present);
}

/** The 1-2-5 steps around the values, so a log axis is no wider than it must be and ends on labelled ticks. */
function logRange(values: (number | null)[], include: number[] = []): { min: number; max: number } {
  const v = [...values.filter((x): x is number => x !== null && x > 0), ...include];
  const steps = (x: number) => [1, 2, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(x)));
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return { min: Math.max(...steps(lo).filter((s) => s <= lo * (1 + 1e-9))), max: Math.min(...steps(hi).filter((s) => s >= hi * (1 - 1e-9))) };
}

/** Two label lines per row: the variant (or preset), then the named shape. */
function rowLabel(r: BenchRecord): string[] {
  const first = isEndToEnd(r) ? r.direction.split(' (')[0] : r.variant;
  return [first, shapeLabel(r)];
}

/**
 * JavaScript source of `(Chart, specs) => Chart[]`, which draws every spec into the canvas with its id. Log
 * axes get labels only on 1, 2 and 5 times a power of ten (powers of ten alone past three decades; Chart.js's
 * own crowd the last decade), in ms or s;
 * ratio axes a "×" and a dark grid line at 1×; row labels add no padding above or below the plot (so the two charts
 * of a pair line up row for row). Kept as source text because a TypeScript function's toString() would
 * carry the transpiler's helpers into the standalone file.
 */
export const DRAW_CHARTS_JS = `(Chart, specs) => specs.map((s) => {
  const x = s.config.options.scales.x;
  const text = (v) => (s.axis === 'ratio' ? +v.toPrecision(3) + '×' : v >= 1000 ? +(v / 1000).toPrecision(3) + ' s' : +v.toPrecision(3) + ' ms');
  // Past three decades, 1-2-5 labels would touch: powers of ten only.
  const marks = Math.log10(x.max / x.min) > 3 ? [1] : [1, 2, 5];
  x.ticks.callback = (v) => {
    const m = v / 10 ** Math.floor(Math.log10(v) + 1e-9);
    return marks.some((k) => Math.abs(m - k) < 1e-6) ? text(v) : '';
  };
  // No room above the first and below the last row label: a bar row is taller than its two-line label, and
  // without the padding both charts of a pair have the same plot area, so their rows line up.
  s.config.options.scales.y.afterFit = (y) => { y.paddingTop = 0; y.paddingBottom = 0; };
  if (s.axis === 'ratio') x.grid = { color: (c) => (c.tick && Math.abs(c.tick.value - 1) < 1e-9 ? '#444' : 'rgba(0,0,0,0.1)'), lineWidth: (c) => (c.tick && Math.abs(c.tick.value - 1) < 1e-9 ? 2 : 1) };
  return new Chart(document.getElementById(s.id), s.config);
})`;

function barChart(id: string, rs: BenchRecord[], series: Series[], axis: string, range: { min: number; max: number }, opts: { labels: boolean; base?: number }): ChartSpec {
  const rowPx = Math.max(34, series.length * 6 + 14);
  return {
    id,
    axis: opts.base ? 'ratio' : 'ms',
    height: rs.length * rowPx + 58,
    config: {
      type: 'bar',
      data: {
        labels: rs.map(rowLabel),
        // A ratio near 1× still gets a sliver of a bar (minBarLength), so it reads as "level", not "missing".
        datasets: series.map((s) => ({ label: s.label, data: s.values, backgroundColor: s.color, borderWidth: 0, ...(opts.base ? { base: opts.base, minBarLength: 2 } : {}) })),
      },
      options: {
        indexAxis: 'y',
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        datasets: { bar: { categoryPercentage: 0.82, barPercentage: 0.92 } },
        scales: {
          x: { type: 'logarithmic', ...range, title: { display: true, text: axis, font: { size: 12 } }, ticks: { font: { size: 11 }, maxRotation: 0, autoSkip: false } },
          y: { ticks: { display: opts.labels, autoSkip: false, font: { size: 11 } }, grid: { display: false } },
        },
      },
    },
  };
}

/** The chart groups of a run, in the order their first record appears. */
export function chartGroups(records: BenchRecord[]): ChartGroup[] {
  const titles = [...new Set(records.map(groupOf))];
  return titles.map((title, i) => {
    const rs = records.filter((r) => groupOf(r) === title);
    const ts = timeSeries(rs);
    const rsr = ratioSeries(rs);
    const time = barChart(`chart-${i}-time`, rs, ts, 'time per call, log scale — shorter is faster', logRange(ts.flatMap((s) => s.values)), { labels: true });
    const ratio = rsr.length
      ? barChart(`chart-${i}-ratio`, rs, rsr, 'peer time ÷ our time, log scale — bars right of 1× mean ours is faster', logRange(rsr.flatMap((s) => s.values), [1]), { labels: false, base: 1 })
      : null;
    // Both charts of a pair take the taller height so their rows line up.
    if (ratio) time.height = ratio.height = Math.max(time.height, ratio.height);
    return { title, records: rs, series: [...ts, ...rsr], time, ratio };
  });
}
