// The bench report as HTML a person reads: what ran where (the adapter in full, runner, timing method),
// a pair of charts per kernel and direction (times; peer ÷ ours ratios), every row in a table with named
// shape dimensions and the kernels that ran, and the autotune choices. Platform neutral: `npm run bench`
// writes it as a standalone file (Chart.js inlined, opens offline) and bench.html renders the same body
// while the suite runs. The table is plain HTML, so it shows before any script runs.
import { chartGroups, DRAW_CHARTS_JS, type ChartGroup, type ChartSpec } from './report-charts.ts';
import { tuneSummary } from './report-autotune.ts';
import { adapterFull, columns, peersIn, type BenchRun, type Column } from './report-rows.ts';
import { shapeLegend } from './shapes.ts';
import { adapterKind } from '../src/runtime/device.ts';
import type { BenchRecord } from './suite.ts';

export const REPORT_CSS = `
.bench-report { font: 14px/1.45 system-ui, sans-serif; color: #1d1d1d; max-width: 1500px; }
.bench-report h1 { font-size: 22px; margin: 0 0 10px; }
.bench-report h2 { font-size: 18px; margin: 28px 0 6px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
.bench-report h3 { font-size: 15px; margin: 22px 0 2px; }
.bench-report h3 small { font-weight: normal; color: #666; }
.bench-report .facts th { text-align: left; padding: 1px 14px 1px 0; vertical-align: top; white-space: nowrap; }
.bench-report .facts td { padding: 1px 0; }
.bench-report .note, .bench-report .dims { color: #555; margin: 2px 0; }
.bench-report .legend { margin: 4px 0 6px; font-size: 12px; }
.bench-report .legend span { margin-right: 14px; white-space: nowrap; }
.bench-report .legend i { display: inline-block; width: 11px; height: 11px; margin-right: 4px; vertical-align: -1px; }
.bench-report .pair { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 18px; }
.bench-report .pair.single { grid-template-columns: minmax(0, 1100px); }
.bench-report .pair .cap { font-size: 12px; color: #555; margin-bottom: 2px; }
.bench-report .scroll { overflow-x: auto; }
.bench-report table.rows { border-collapse: collapse; font-size: 11.5px; font-variant-numeric: tabular-nums; }
.bench-report table.rows th, .bench-report table.rows td { border-bottom: 1px solid #e6e6e6; padding: 3px 6px; white-space: nowrap; text-align: left; vertical-align: top; }
.bench-report table.rows thead th { background: #f4f4f4; vertical-align: bottom; }
.bench-report table.rows th.grp { text-align: center; border-left: 1px solid #ccc; }
.bench-report table.rows .first { border-left: 1px solid #ccc; }
.bench-report table.rows .num { text-align: right; }
.bench-report table.tune td { white-space: normal; }
.bench-report table.rows td.wrap { white-space: normal; min-width: 175px; max-width: 260px; }
.bench-report table.rows td.slower { background: #fbdedb; }
.bench-report table.rows details summary { cursor: pointer; color: #1f618d; }
.bench-report code { font-size: 12px; }
`;

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export interface ReportView {
  /** The report's HTML, to go inside an element (no <html>/<body>); charts are empty canvases until drawn. */
  html: string;
  /** One Chart.js configuration per canvas, by element id. */
  charts: ChartSpec[];
}

/**
 * The report of a run. While the suite still runs the page re-renders it per row with `progress` set and
 * `charts` off (drawing between cases would compete with the kernels for a CPU adapter's cores); the charts
 * come with the finished run.
 */
export function reportView(run: BenchRun, opts: { progress?: string; charts?: boolean } = {}): ReportView {
  const progress = opts.progress;
  const groups = opts.charts === false ? [] : chartGroups(run.records);
  const html = [
    '<div class="bench-report">',
    `<h1>WebGPU kernel benchmark: ${esc(run.adapter.kind ?? adapterKind(run.adapter))}, ${run.runner === 'chromium' ? 'Chromium' : 'Node + Dawn'}${progress ? ` — ${esc(progress)}` : ''}</h1>`,
    facts(run),
    '<p class="note">Sections: <a href="#bench-charts">charts</a> · <a href="#bench-rows">every row</a> · <a href="#bench-autotune">kernel choices</a>.' +
      (run.peers ? ' Peer ÷ ours above 1× means ours is faster; ratios compare like with like: op + readback against op + readback, ' +
        'and kernels only against kernels only where both sides timed their GPU work with timestamp queries.' : '') + '</p>',
    `<h2 id="bench-charts">Charts (${run.records.length} rows)</h2>`,
    opts.charts === false ? '<p class="note">The charts are drawn when the run is done; the table below grows a row per measured case.</p>' : '',
    ...groups.map(groupHtml),
    `<h2 id="bench-rows">Every row (${run.records.length})</h2>`,
    rowsTable(run.records),
    '<h2 id="bench-autotune">Kernel choices (autotune)</h2>',
    autotuneHtml(run.autotune),
    '</div>',
  ].join('\n');
  return { html, charts: groups.flatMap((g) => (g.ratio ? [g.time, g.ratio] : [g.time])) };
}

function facts(run: BenchRun): string {
  const a = run.adapter;
  const hidden = run.runner === 'chromium' && !a.description ? ' (the browser hid the description: start it with <code>--enable-webgpu-developer-features</code> to see it)' : '';
  const stamped = run.records.filter((r) => r.timing === 'gpu-timestamp').length;
  const s = run.settings;
  const rows: [string, string][] = [
    ['Adapter', esc(adapterFull(a)) + hidden],
    ['Runner', run.runner === 'chromium' ? `bench.html in ${esc(browserName(run.browser))}` : 'Node.js + Dawn (npm <code>webgpu</code>)'],
    ['Date', esc(run.date)],
    ['Peers', run.peers ? esc(run.peers) + wasmDetails(run) : 'none (Node runs have no peers; the Chromium run compares with TensorFlow.js on WebGPU and WASM, and jax-js)'],
    ['Settings', s ? esc(`sizes ${s.sizes.join(', ')}; ${plural(s.reps, 'timed repetition')} after ${plural(s.warmup, 'warm-up run')}; kernels ${s.kernels.length ? s.kernels.join(', ') : 'all'}`) : 'not recorded'],
    ['Timing', `ours: the GPU timestamps of every dispatch, summed, median of the repetitions (${stamped} of ${run.records.length} rows` +
      (stamped < run.records.length ? `; the other ${run.records.length - stamped}, marked ʷ, by the wall clock to queue done` : '') +
      '); op + readback: wall clock, ' +
      (run.settings ? `median of ${plural(Math.max(1, Math.min(run.settings.reps, 5)), 'run')} (as many as each peer gets).` : 'one run (a result file from before the report recorded its settings).') +
      (run.peers && run.runner === 'chromium' ? ' Peers: op + <code>await data()</code>, wall clock, median after a warm-up call, and their kernels from their own timestamp queries (TensorFlow.js <code>tf.time</code>, jax-js <code>profiler</code>); ' +
        'TensorFlow.js WASM computes on the CPU inside the op, so op + <code>await data()</code> is its whole time (no kernel-only column).' : '')],
    ...torchFacts(run),
  ];
  return `<table class="facts">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}

/** The WASM peer's build as the page found it: which binary ran, threads, cross-origin isolation. */
function wasmDetails(run: BenchRun): string {
  const w = run.peerDetails?.tfjs_wasm;
  if (!w) return '';
  const yes = (v: unknown) => (v ? 'yes' : 'no');
  return esc(`. TensorFlow.js WASM ran ${w.binary} (WASM_HAS_SIMD_SUPPORT ${yes(w.simd)}, WASM_HAS_MULTITHREAD_SUPPORT ${yes(w.multithread)}, ` +
    `${w.threads} XNNPACK thread${w.threads === 1 ? '' : 's'}${w.logicalCores ? ` of ${w.logicalCores} logical cores: tfjs caps its pool at half of them` : ''}; ` +
    `page cross-origin isolated: ${yes(w.crossOriginIsolated)})`);
}

/** Node's end-to-end rows: how PyTorch on the CPU ran and was timed (or why it did not), and how ours was. */
function torchFacts(run: BenchRun): [string, string][] {
  const n = run.records.find((r) => r.peer_notes?.torch)?.peer_notes;
  return n ? [['PyTorch (CPU)', `${esc(n.torch)}. Ours in these rows: ${esc(n.ours ?? '—')}.`]] : [];
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** "Chrome/156.0.8078.114" from a browser version or a user agent string; the whole string when neither matches. */
function browserName(b: string | null): string {
  if (!b) return 'Chromium';
  return b.match(/(HeadlessChrome|Chrome|Firefox|Edg)\/[\d.]+/)?.[0] ?? b;
}

function groupHtml(g: ChartGroup): string {
  const swatches = (labels: { label: string; color: string }[]) => labels.map((s) => `<span><i style="background:${s.color}"></i>${esc(s.label)}</span>`).join('');
  const times = g.series.filter((s) => !s.label.includes('÷'));
  const canvas = (c: ChartSpec) => `<div style="position:relative;height:${c.height}px"><canvas id="${c.id}"></canvas></div>`;
  const legend = shapeLegend(g.records[0].name);
  return [
    `<h3>${esc(g.title)} <small>${g.records.length} row${g.records.length > 1 ? 's' : ''}</small></h3>`,
    legend ? `<p class="dims">Shape: ${esc(legend)}.</p>` : '',
    `<div class="legend">${swatches(times)}</div>`,
    `<div class="pair${g.ratio ? '' : ' single'}">`,
    `<div><div class="cap">time per call (light: kernels only, GPU timestamps; dark: op + readback, wall clock)</div>${canvas(g.time)}</div>`,
    g.ratio ? `<div><div class="cap">peer ÷ ours, same colours (right of 1×: ours faster)</div>${canvas(g.ratio)}</div>` : '',
    '</div>',
  ].join('\n');
}

function rowsTable(records: BenchRecord[]): string {
  const cols = columns(peersIn(records));
  const groups: { name: string; span: number }[] = [];
  for (const c of cols) {
    const last = groups[groups.length - 1];
    if (last && last.name === c.group) last.span++;
    else groups.push({ name: c.group, span: 1 });
  }
  const head1 = groups.map((g) => `<th colspan="${g.span}"${g.name ? ' class="grp"' : ''}>${esc(g.name)}</th>`).join('');
  // A rule on the left of each group's first column keeps ours and each peer apart.
  const first = new Set(groups.slice(1).map((g, i) => cols[groups.slice(0, i + 1).reduce((a, x) => a + x.span, 0)]));
  const cls = (c: Column, extra: string[] = []) => {
    const k = [c.num ? 'num' : '', first.has(c) ? 'first' : '', ...extra].filter(Boolean).join(' ');
    return k ? ` class="${k}"` : '';
  };
  const head2 = cols.map((c) => `<th title="${esc(c.tip)}"${cls(c)}>${esc(c.head).replace(/\n/g, '<br>')}</th>`).join('');
  const body = records.map((r) => `<tr>${cols.map((c) => cellHtml(c, r, cls)).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table class="rows"><thead><tr>${head1}</tr><tr>${head2}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function cellHtml(c: Column, r: BenchRecord, cls: (c: Column, extra?: string[]) => string): string {
  const ratio = c.ratio?.(r);
  const attr = cls(c, [...(ratio !== undefined && ratio !== null && ratio < 1 ? ['slower'] : []), ...(c.id === 'kernel' ? ['wrap'] : [])]);
  if (c.id === 'kernels') {
    const k = r.kernels ?? [];
    return k.length > 6 ? `<td${attr}><details><summary>${k.length} kernels</summary>${k.map(esc).join(', ')}</details></td>` : `<td${attr}>${k.map(esc).join(', ')}</td>`;
  }
  return `<td${attr}>${esc(c.text(r))}</td>`;
}

function autotuneHtml(t: unknown): string {
  const s = tuneSummary(t);
  if (!s) return '<p>Not recorded.</p>';
  const cell = (c: { chosen: string; times: string }) => `<b>${esc(c.chosen)}</b> <span class="note">(${esc(c.times)})</span>`;
  return [
    `<p>The runtime chose these designs for this adapter by measurement: reductions ${cell(s.reduce)}; ${s.groupnorm ? `GroupNorm ${cell(s.groupnorm)}; ` : ''}attention ${cell(s.attention)}; ${s.matmul ? `matmul ${cell(s.matmul)}; ` : ''}${s.concat ? `concat ${cell(s.concat)}; ` : ''}` +
      `conv2d default ${esc(s.convDefault)} (forward / input gradient / weight gradient), and per shape class (kernel, stride, channel bucket, output-plane bucket):</p>`,
    '<div class="scroll"><table class="rows tune"><thead><tr><th>shape class</th><th>forward</th><th>input gradient</th><th>weight gradient</th></tr></thead><tbody>',
    ...s.classes.map((c) => `<tr><td>${esc(c.cls)}</td>${c.cells.map((x) => `<td>${cell(x)}</td>`).join('')}</tr>`),
    '</tbody></table></div>',
  ].join('\n');
}

/** A self-contained HTML file: the report, Chart.js inlined, the charts drawn on load (no animation). */
export function standaloneHtml(run: BenchRun, chartJsSource: string): string {
  const view = reportView(run);
  // "<" escaped so no string in the data can close the script element.
  const specs = JSON.stringify(view.charts).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>WebGPU kernel benchmark — ${esc(adapterFull(run.adapter))} — ${esc(run.date)}</title>
<link rel="icon" href="data:,"><style>body { margin: 20px; background: #fff; }${REPORT_CSS}</style></head>
<body>
${view.html}
<script>${chartJsSource}</script>
<script>(${DRAW_CHARTS_JS})(Chart, ${specs});</script>
</body></html>
`;
}
