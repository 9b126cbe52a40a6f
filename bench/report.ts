// Writes a benchmark run to bench/results/: JSON (the records plus adapter, browser and date), a Markdown
// table, and an HTML chart (Chart.js, inlined so the file opens anywhere offline).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { shapeLabel, type BenchRecord } from './suite.ts';
import { adapterKind, adapterLine } from '../src/runtime/device.ts';

export interface BenchRun {
  date: string;
  runner: 'chromium' | 'node-dawn';
  browser: string | null;
  adapter: { kind?: string; vendor: string; architecture: string; description: string; features: string[]; limits: Record<string, number> };
  autotune: unknown;
  peers: string | null;
  records: BenchRecord[];
}

const fmt = (v: number | null, d = 2) => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(d));

interface TuneRecord {
  policy?: { conv?: Record<string, string>; convByShape?: Record<string, string>; reduce?: string; attention?: string };
  ms?: Record<string, number>;
}

/** "variant 12 ms, …" for every candidate whose key starts with prefix. */
function timed(r: TuneRecord, prefix: string): string {
  return Object.entries(r.ms ?? {})
    .filter(([k]) => k.startsWith(prefix))
    .map(([k, v]) => `${k.slice(prefix.length)} ${v.toFixed(1)} ms`)
    .join(', ');
}

/** The autotune choices: reductions and attention in a line, then conv per shape class as a table. */
function autotuneSection(t: unknown): string[] {
  const r = t as TuneRecord | null;
  const p = r?.policy;
  if (!r || !p?.conv) return ['Kernel choices (autotune): not recorded.'];
  const lines = [
    `Kernel choices the runtime made for this adapter by measurement (autotune): reductions **${p.reduce}** (${timed(r, 'reduce.')}); ` +
      `attention **${p.attention}** (${timed(r, 'attention.')}); conv default ${p.conv.forward}/${p.conv.backwardInput}/${p.conv.backwardWeight} ` +
      '(forward / input gradient / weight gradient), and per shape class (kernel, stride, channel bucket, output-plane bucket):',
    '',
    '| shape class | forward | input gradient | weight gradient |',
    '|---|---|---|---|',
  ];
  const classes = [...new Set(Object.keys(p.convByShape ?? {}).map((k) => k.split('|')[1]))];
  for (const cls of classes) {
    const cell = (dir: string) => `**${p.convByShape![`${dir}|${cls}`]}** (${timed(r, `conv.${dir}.${cls}.`)})`;
    lines.push(`| ${cls} | ${cell('forward')} | ${cell('backwardInput')} | ${cell('backwardWeight')} |`);
  }
  return lines;
}

export function markdown(run: BenchRun): string {
  const a = run.adapter;
  const lines = [
    `# Benchmark run ${run.date}`,
    '',
    `Adapter: **${adapterLine(a)}**; runner: ${run.runner}${run.browser ? ` (${run.browser})` : ''}; ` +
      `timing: ${run.records[0]?.timing ?? '—'}; peers: ${run.peers ?? 'none'}.`,
    '',
    ...autotuneSection(run.autotune),
    '',
    '`variant` is the design asked for; `kernels that ran` lists the entry points actually dispatched (a variant that does not apply to a shape runs another kernel).',
    '',
    '| kernel | direction | variant | kernels that ran | shape | ms (median) | ms (min) | GFLOP/s | GB/s | max abs err | max rel err | CPU twin ms | ours + readback ms | tfjs ms | tfjs / ours | jax-js ms | jax-js / ours |',
    '|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of run.records) {
    const ratio = (ms: number | null) => (ms !== null ? ms / r.ms_wall_readback : null);
    lines.push(
      `| ${r.name} | ${r.direction} | ${r.variant} | ${r.kernels?.length > 8 ? `${r.kernels.length} kernels` : (r.kernels ?? []).join(', ')} | ${shapeLabel(r)} | ${fmt(r.ms_median)} | ${fmt(r.ms_min)} | ${fmt(r.gflops)} | ${fmt(r.gbps)} | ` +
        `${r.max_abs_err.toExponential(1)} | ${r.max_rel_err.toExponential(1)} | ${fmt(r.cpu_ms, 0)} | ${fmt(r.ms_wall_readback)} | ${fmt(r.peers.tfjs_ms)} | ${fmt(ratio(r.peers.tfjs_ms))} | ${fmt(r.peers.jaxjs_ms)} | ${fmt(ratio(r.peers.jaxjs_ms))} |`,
    );
  }
  return lines.join('\n') + '\n';
}

export function html(run: BenchRun): string {
  const require = createRequire(import.meta.url);
  const chartJs = readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
  const labels = run.records.map((r) => `${r.name}.${r.direction} ${r.variant} ${shapeLabel(r)}`);
  const data = { labels, ours: run.records.map((r) => r.gflops), tfjs: run.records.map((r) => (r.peers.tfjs_ms ? r.flops / r.peers.tfjs_ms / 1e6 : null)), jaxjs: run.records.map((r) => (r.peers.jaxjs_ms ? r.flops / r.peers.jaxjs_ms / 1e6 : null)) };
  return `<!doctype html><meta charset="utf-8"><title>webgpu-diffusion benchmark ${run.date}</title>
<h1>GFLOP/s per kernel — ${adapterLine(run.adapter)}</h1><p>${run.date}; ${run.runner}${run.browser ? ` (${run.browser})` : ''}</p>
<div style="height:${40 + 18 * labels.length}px"><canvas id="c"></canvas></div>
<script>${chartJs}</script>
<script>const d = ${JSON.stringify(data)};
new Chart(document.getElementById('c'), { type: 'bar', options: { indexAxis: 'y', maintainAspectRatio: false, scales: { x: { title: { display: true, text: 'GFLOP/s' } } } },
  data: { labels: d.labels, datasets: [{ label: 'ours', data: d.ours, backgroundColor: '#c33' }, { label: 'TensorFlow.js WebGPU (with readback)', data: d.tfjs, backgroundColor: '#39c' }, { label: 'jax-js WebGPU (with readback)', data: d.jaxjs, backgroundColor: '#9c3' }] } });</script>`;
}

export function writeRun(dir: string, run: BenchRun): string[] {
  mkdirSync(dir, { recursive: true });
  const tag = `${run.runner}-${run.adapter.kind ?? adapterKind(run.adapter)}`;
  const stem = join(dir, `${run.date.replace(/[:.]/g, '-')}-${tag}`);
  const files = [`${stem}.json`, `${stem}.md`, `${stem}.html`];
  writeFileSync(files[0], JSON.stringify(run, null, 1));
  writeFileSync(files[1], markdown(run));
  writeFileSync(files[2], html(run));
  writeFileSync(join(dir, `latest-${tag}.md`), markdown(run));
  return files;
}
