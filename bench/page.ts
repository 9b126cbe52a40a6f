// The benchmark page: runs the suite on navigator.gpu next to TensorFlow.js (WebGPU and WASM) and jax-js,
// shows the report as it grows (the table per row, the charts at the end), sends each record to the puppeteer
// runner (bench/runners.ts) through the function it exposes, and leaves the whole run in window.__bench.
import { Chart, registerables } from 'chart.js';
import { createBrowserGpu } from '../src/platform/browser.ts';
import { autotune } from '../src/tune/autotune.ts';
import { runSuite, type BenchRecord, type PeerRunner, type SizeSet } from './suite.ts';
import { tfjsPeer, tfjsWasmPeer } from './peers-tfjs.ts';
import { jaxjsPeer } from './peers-jaxjs.ts';
import { REPORT_CSS, reportView } from './report-html.ts';
import { DRAW_CHARTS_JS, type ChartSpec } from './report-charts.ts';
import type { AdapterRecord, BenchRun } from './report-rows.ts';
import type { PageEvent } from './runners.ts';

declare global {
  interface Window { __bench?: unknown; __benchError?: string; __benchEvent?: (e: PageEvent) => Promise<void> }
}

const q = new URLSearchParams(location.search);
const log = (line: string) => {
  document.getElementById('log')!.textContent += line + '\n';
  console.log(line);
};

/** What the browser says about its adapter beyond the spec's fields (with --enable-webgpu-developer-features). */
async function adapterDetails(): Promise<AdapterRecord['details']> {
  const info = (await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' }))?.info as unknown as Record<string, unknown> | undefined;
  const out: NonNullable<AdapterRecord['details']> = {};
  for (const k of ['device', 'driver', 'backend', 'type', 'isFallbackAdapter']) {
    const v = info?.[k];
    if (v !== undefined && v !== '' && v !== null) out[k] = v as string | boolean;
  }
  return out;
}

/** The report's chart drawing, from the same source text the standalone file inlines. */
const draw = new Function(`return ${DRAW_CHARTS_JS}`)() as (chart: typeof Chart, specs: ChartSpec[]) => Chart[];

/** Renders the report into #report; returns the charts it drew, for the next render to destroy. */
function render(run: BenchRun, opts: { progress?: string; charts: boolean }, old: Chart[]): Chart[] {
  for (const c of old) c.destroy();
  const view = reportView(run, opts);
  document.getElementById('report')!.innerHTML = view.html;
  return draw(Chart, view.charts);
}

/** What a peer says about itself for the run's record (the WASM peer: its flavour and threads). */
const peerDetails: Record<string, Record<string, unknown>> = {};

async function peerRunners(): Promise<PeerRunner[]> {
  // ?peers=0 runs none; ?peers=tfjs,jaxjs,tfjs-wasm (or tfjs_wasm) some of them; default all.
  const wanted = q.get('peers') === '0' ? [] : (q.get('peers') ?? 'tfjs,jaxjs,tfjs_wasm').split(',').map((k) => k.trim().replace(/-/g, '_'));
  const wasm = async () => {
    const p = await tfjsWasmPeer();
    peerDetails.tfjs_wasm = { ...p.flavour };
    log(`tfjs wasm: ${p.name}`);
    return p;
  };
  const peers: PeerRunner[] = [];
  for (const [key, make] of [['tfjs', tfjsPeer], ['jaxjs', jaxjsPeer], ['tfjs_wasm', wasm]] as const) {
    if (!wanted.includes(key)) continue;
    const p = await make().catch((e: Error) => (log(`${key} unavailable: ${e.message}`), null));
    if (p) peers.push(p);
  }
  return peers;
}

async function main() {
  Chart.register(...registerables);
  const style = document.createElement('style');
  style.textContent = REPORT_CSS;
  document.head.append(style);
  const gpu = await createBrowserGpu();
  const limits: Record<string, number> = {};
  for (const k in gpu.limits) limits[k] = (gpu.limits as unknown as Record<string, number>)[k];
  const adapter: AdapterRecord = { ...gpu.adapterInfo, limits, details: await adapterDetails() };
  await window.__benchEvent?.({ kind: 'adapter', adapter });
  // ?tune=PROBES,ROUNDS (the runner's --quick: one conv shape, one round); default every shape, 3 rounds.
  const [probes, rounds] = (q.get('tune') ?? '0,3').split(',').map(Number);
  const tune = await autotune(gpu, undefined, rounds, probes || undefined);
  log(`autotune ${JSON.stringify(tune.policy)}`);
  const peers = await peerRunners();
  const settings = { sizes: (q.get('sizes') ?? 'unet').split(',') as SizeSet[], reps: Number(q.get('reps') ?? 10), warmup: Number(q.get('warmup') ?? 2), kernels: (q.get('kernels') ?? '').split(',').filter(Boolean) };
  const run: BenchRun = { date: new Date().toISOString(), runner: 'chromium', browser: navigator.userAgent, adapter, autotune: tune, peers: peers.map((p) => p.name).join(', ') || null, peerDetails, settings, records: [] };
  let charts: Chart[] = [];
  const onRecord = (r: BenchRecord) => {
    run.records.push(r);
    void window.__benchEvent?.({ kind: 'record', record: r });
    charts = render(run, { progress: `running, ${run.records.length} rows so far`, charts: false }, charts);
  };
  await runSuite(gpu, { ...settings, peers, log, onRecord });
  if (q.get('e2e')) {
    const { runEndToEnd } = await import('./e2e.ts');
    const { tfjsPeerStep } = await import('./tfjs-unet.ts');
    const has = (k: PeerRunner['key']) => peers.some((p) => p.key === k);
    const peerSteps = { tfjs: has('tfjs') ? tfjsPeerStep('webgpu') : undefined, tfjs_wasm: has('tfjs_wasm') ? tfjsPeerStep('wasm') : undefined };
    for (const r of await runEndToEnd(gpu, { ...JSON.parse(q.get('e2e')!), log, peerSteps })) onRecord(r);
  }
  charts = render(run, { charts: true }, charts);
  window.__bench = { adapter, autotune: tune, peers: run.peers, peerDetails, records: run.records, browser: navigator.userAgent };
  log('done');
}

main().catch((e) => {
  window.__benchError = String(e?.stack ?? e);
  log(`error: ${e}`);
});
