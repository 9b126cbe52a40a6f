// The two places the suite runs: Node through Dawn (one adapter, no peers) and bench.html in headless
// Chromium (with TensorFlow.js and jax-js on the same adapter, and TensorFlow.js's WASM backend on the CPU).
// Both hand each record to onRecord as it is measured (the page through a function puppeteer exposes), so the
// CLI prints the table once, as it grows.
import type { AdapterKind } from '../src/platform/node.ts';
import type { AdapterRecord, BenchRun } from './report-rows.ts';
import type { BenchRecord, SizeSet } from './suite.ts';

/** --e2e: whole training steps per preset and batch, and DDIM-50 sampling. */
export interface E2EArgs {
  presets: string[]; batches: number[]; steps: number; sampleN: number;
  /** Node: PyTorch on the CPU beside each training step (default on; skipped with a note where torch is missing), its threads and python. */
  torch?: boolean; torchThreads?: number; torchPython?: string;
}

export interface BenchArgs {
  sizes: SizeSet[];
  kernels: string[];
  reps: number;
  warmup: number;
  e2e: E2EArgs | null;
  /** Autotune before the suite: conv shapes probed (all by default) and rounds; --quick probes one, once. */
  tune?: { probes?: number; rounds: number };
}

export interface BenchHooks {
  /** Progress and problems (stderr in the CLI). */
  log?: (line: string) => void;
  /** The adapter, once known, before the first record. */
  onAdapter?: (a: AdapterRecord) => void;
  onRecord?: (r: BenchRecord) => void;
}

const settings = (a: BenchArgs) => ({ sizes: a.sizes, reps: a.reps, warmup: a.warmup, kernels: a.kernels });

export async function benchNode(args: BenchArgs, hooks: BenchHooks = {}, adapter: AdapterKind | 'auto' = 'auto'): Promise<BenchRun> {
  const { createNodeGpu } = await import('../src/platform/node.ts');
  const { autotune } = await import('../src/tune/autotune.ts');
  const { runSuite } = await import('./suite.ts');
  const gpu = await createNodeGpu({ adapter });
  try {
    const limits: Record<string, number> = {};
    for (const k in gpu.limits) limits[k] = (gpu.limits as unknown as Record<string, number>)[k];
    const info: AdapterRecord = { ...gpu.adapterInfo, limits };
    hooks.onAdapter?.(info);
    const tune = await autotune(gpu, undefined, args.tune?.rounds ?? 3, args.tune?.probes);
    const records = await runSuite(gpu, { sizes: args.sizes, kernels: args.kernels, reps: args.reps, warmup: args.warmup, log: hooks.log, onRecord: hooks.onRecord });
    if (args.e2e) {
      const { runEndToEnd } = await import('./e2e.ts');
      const { torchPeer } = await import('./torch-peer.ts');
      const cpuPeer = args.e2e.torch === false ? undefined : torchPeer({ threads: args.e2e.torchThreads, python: args.e2e.torchPython });
      for (const r of await runEndToEnd(gpu, { ...args.e2e, log: hooks.log, cpuPeer })) {
        records.push(r);
        hooks.onRecord?.(r);
      }
    }
    return { date: new Date().toISOString(), runner: 'node-dawn', browser: null, adapter: info, autotune: tune, peers: torchPeerName(records), settings: settings(args), records };
  } finally {
    gpu.destroy();
  }
}

/** The run's peers in Node: PyTorch on the CPU where it timed a training step ("PyTorch 1.13.1 on the CPU, 1 thread"). */
function torchPeerName(records: BenchRecord[]): string | null {
  const r = records.find((x) => x.peers.torch_ms != null);
  return r ? `${r.peer_notes?.torch?.split(';')[0] ?? 'PyTorch on the CPU'} (training-step rows)` : null;
}

/** Events the page sends back through the exposed __benchEvent function. */
export type PageEvent = { kind: 'adapter'; adapter: AdapterRecord } | { kind: 'record'; record: BenchRecord };

export async function benchChromium(args: BenchArgs, peers: string | false, hooks: BenchHooks = {}): Promise<BenchRun> {
  const { buildAndServe, chromiumPath, CHROMIUM_FLAGS } = await import('../test/browser.ts');
  const puppeteer = (await import('puppeteer')).default;
  const { server, url } = await buildAndServe();
  // Developer features make Chromium describe the adapter in full (description, driver, backend, type)
  // instead of "google swiftshader", and stop rounding timestamps to 100 µs, for the peers as for us.
  const browser = await puppeteer.launch({ executablePath: chromiumPath(), headless: true, args: [...CHROMIUM_FLAGS, '--enable-webgpu-developer-features'], protocolTimeout: 600_000 });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => hooks.log?.(m.text()));
    await page.exposeFunction('__benchEvent', (e: PageEvent) => (e.kind === 'adapter' ? hooks.onAdapter?.(e.adapter) : hooks.onRecord?.(e.record)));
    const q = new URLSearchParams({ sizes: args.sizes.join(','), kernels: args.kernels.join(','), reps: String(args.reps), warmup: String(args.warmup), peers: peers === false ? '0' : peers });
    if (args.tune) q.set('tune', `${args.tune.probes ?? 0},${args.tune.rounds}`);
    if (args.e2e) q.set('e2e', JSON.stringify(args.e2e));
    await page.goto(`${url}bench.html?${q}`);
    await page.waitForFunction(() => window.__bench || window.__benchError, { timeout: 0, polling: 1000 });
    const err = await page.evaluate(() => window.__benchError);
    if (err) throw new Error(`benchmark page failed: ${err}`);
    const r = (await page.evaluate(() => window.__bench)) as Pick<BenchRun, 'adapter' | 'autotune' | 'peers' | 'peerDetails' | 'records'>;
    return { date: new Date().toISOString(), runner: 'chromium', ...r, settings: settings(args), browser: await browser.version() };
  } finally {
    await browser.close();
    await server.close();
  }
}
