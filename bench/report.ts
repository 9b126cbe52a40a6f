// Writes a benchmark run to its results folder: JSON (the records plus adapter, browser, settings and
// date), a Markdown table and the HTML report (report-html.ts; Chart.js inlined so the file opens anywhere
// offline), and `latest-<runner>-<adapter>.md`. Node only; the report's content is platform neutral.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { adapterKind } from '../src/runtime/device.ts';
import { tuneSummary } from './report-autotune.ts';
import { standaloneHtml } from './report-html.ts';
import { adapterFull, columns, peersIn, type BenchRun } from './report-rows.ts';

export type { BenchRun } from './report-rows.ts';

/** The autotune choices: reductions and attention in a line, then conv per shape class as a table. */
function autotuneSection(t: unknown): string[] {
  const s = tuneSummary(t);
  if (!s) return ['Kernel choices (autotune): not recorded.'];
  return [
    `Kernel choices the runtime made for this adapter by measurement (autotune): reductions **${s.reduce.chosen}** (${s.reduce.times}); ` +
      `${s.groupnorm ? `GroupNorm **${s.groupnorm.chosen}** (${s.groupnorm.times}); ` : ''}` +
      `attention **${s.attention.chosen}** (${s.attention.times}); ${s.matmul ? `matmul **${s.matmul.chosen}** (${s.matmul.times}); ` : ''}${s.concat ? `concat **${s.concat.chosen}** (${s.concat.times}); ` : ''}conv default ${s.convDefault} ` +
      '(forward / input gradient / weight gradient), and per shape class (kernel, stride, channel bucket, output-plane bucket):',
    '',
    '| shape class | forward | input gradient | weight gradient |',
    '|---|---|---|---|',
    ...s.classes.map((c) => `| ${c.cls} | ${c.cells.map((x) => `**${x.chosen}** (${x.times})`).join(' | ')} |`),
  ];
}

export function markdown(run: BenchRun): string {
  const cols = columns(peersIn(run.records));
  const head = (c: (typeof cols)[number]) => (c.group ? `${c.group} ${c.head}` : c.head).replace(/\n/g, ' ');
  return [
    `# Benchmark run ${run.date}`,
    '',
    `Adapter: **${adapterFull(run.adapter)}**; runner: ${run.runner}${run.browser ? ` (${run.browser})` : ''}; ` +
      `timing: ${run.records[0]?.timing ?? '—'}; peers: ${run.peers ?? 'none'}.`,
    '',
    ...autotuneSection(run.autotune),
    '',
    '`variant` is the design asked for; `kernels that ran` lists the entry points actually dispatched (a variant that does not apply to a shape runs another kernel). ' +
      'Ratios are peer ÷ ours (> 1: ours faster), op + readback against op + readback, and kernels only against kernels only where both timed them with GPU timestamps; ʷ: timed by the wall clock.',
    ...run.records.filter((r) => r.peer_notes?.torch).slice(0, 1).flatMap((r) => ['', `PyTorch (CPU), training-step rows: ${r.peer_notes!.torch}. Ours there: ${r.peer_notes!.ours ?? '—'}.`]),
    '',
    `| ${cols.map(head).join(' | ')} |`,
    `|${cols.map((c) => (c.num ? '---:' : '---')).join('|')}|`,
    ...run.records.map((r) => `| ${cols.map((c) => c.text(r).replace(/\|/g, '\\|')).join(' | ')} |`),
  ].join('\n') + '\n';
}

/** The HTML report with Chart.js read from node_modules. */
export function html(run: BenchRun): string {
  const require = createRequire(import.meta.url);
  return standaloneHtml(run, readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8'));
}

/** Writes `<stem>.md` and `<stem>.html` (also how `--report` re-renders a run's JSON next to it). */
export function writeReport(stem: string, run: BenchRun): string[] {
  mkdirSync(dirname(stem), { recursive: true });
  writeFileSync(`${stem}.md`, markdown(run));
  writeFileSync(`${stem}.html`, html(run));
  return [`${stem}.md`, `${stem}.html`];
}

/** JSON, Markdown and HTML named by date, runner and adapter, and `latest-<runner>-<adapter>.md`. */
export function writeRun(dir: string, run: BenchRun): string[] {
  mkdirSync(dir, { recursive: true });
  const tag = `${run.runner}-${run.adapter.kind ?? adapterKind(run.adapter)}`;
  const stem = join(dir, `${run.date.replace(/[:.]/g, '-')}-${tag}`);
  writeFileSync(`${stem}.json`, JSON.stringify(run, null, 1));
  const files = [`${stem}.json`, ...writeReport(stem, run)];
  writeFileSync(join(dir, `latest-${tag}.md`), markdown(run));
  return files;
}
