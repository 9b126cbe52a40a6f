// npm run bench -- [--node] [--sizes unet,sweep] [--kernels conv2d,attention] [--reps 10] [--warmup 2] [--peers tfjs,jaxjs | --no-peers] [--out bench/results]
// Default: builds the pages, serves them on localhost, runs the suite in headless Chromium (WebGPU) with
// TensorFlow.js as the peer, prints the table and writes JSON, Markdown and an HTML chart. --node runs the
// same suite in Node through Dawn (no peers).
import { Command } from 'commander';
import { addAdapterOption, chosenAdapter, int, oneOf, runCli, UsageError } from '../cli/common.ts';
import { adapterLine } from '../src/runtime/device.ts';
import type { AdapterKind } from '../src/platform/node.ts';
import { runSuite, formatRow, type SizeSet, type BenchRecord } from './suite.ts';
import { writeRun, type BenchRun } from './report.ts';

const USAGE = 'npm run bench -- [--node] [--sizes smoke,unet,sweep] [--kernels NAME,...] [--reps N] [--warmup N] [--peers tfjs,jaxjs | --no-peers] [--out DIR]';

export interface E2EArgs { presets: string[]; batches: number[]; steps: number; sampleN: number }

export async function benchNode(sizes: SizeSet[], kernels: string[], reps: number, warmup: number, log = console.log, e2e: E2EArgs | null = null, adapter: AdapterKind | 'auto' = 'auto'): Promise<BenchRun> {
  const { createNodeGpu } = await import('../src/platform/node.ts');
  const { autotune } = await import('../src/tune/autotune.ts');
  const gpu = await createNodeGpu({ adapter });
  const tune = await autotune(gpu, undefined, 3);
  const records = await runSuite(gpu, { sizes, kernels, reps, warmup, log });
  if (e2e) {
    const { runEndToEnd } = await import('./e2e.ts');
    records.push(...(await runEndToEnd(gpu, { ...e2e, log })));
  }
  const limits: Record<string, number> = {};
  for (const k in gpu.limits) limits[k] = (gpu.limits as unknown as Record<string, number>)[k];
  gpu.destroy();
  return { date: new Date().toISOString(), runner: 'node-dawn', browser: null, adapter: { ...gpu.adapterInfo, limits }, autotune: tune, peers: null, records };
}

export async function benchChromium(sizes: SizeSet[], kernels: string[], reps: number, warmup: number, peers: string | false, log = console.log, e2e: E2EArgs | null = null): Promise<BenchRun> {
  const { buildAndServe, launch } = await import('../test/browser.ts');
  const { server, url } = await buildAndServe();
  const browser = await launch();
  try {
    const page = await browser.newPage();
    page.on('console', (m) => log(m.text()));
    const q = new URLSearchParams({ sizes: sizes.join(','), kernels: kernels.join(','), reps: String(reps), warmup: String(warmup), peers: peers === false ? '0' : peers });
    if (e2e) q.set('e2e', JSON.stringify(e2e));
    await page.goto(`${url}bench.html?${q}`);
    await page.waitForFunction(() => window.__bench || window.__benchError, { timeout: 0, polling: 1000 });
    const err = await page.evaluate(() => window.__benchError);
    if (err) throw new Error(`benchmark page failed: ${err}`);
    const r = (await page.evaluate(() => window.__bench)) as Omit<BenchRun, 'date' | 'runner'>;
    return { date: new Date().toISOString(), runner: 'chromium', ...r, browser: await browser.version() };
  } finally {
    await browser.close();
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli(USAGE, async () => {
    const program = new Command()
      .name('bench')
      .exitOverride()
      .configureOutput({ writeErr: () => {} })
      .option('--node', 'run in Node through Dawn instead of headless Chromium')
      .option('--sizes <list>', 'smoke, unet, sweep (comma-separated)', 'unet')
      .option('--kernels <list>', 'only cases whose "name.direction" contains one of these', '')
      .option('--reps <n>', 'timed repetitions', int('reps', 1, 1000), 10)
      .option('--warmup <n>', 'untimed warm-up runs', int('warmup', 0, 100), 2)
      .option('--peers <list>', 'peer libraries in the page: tfjs, jaxjs (comma-separated)', 'tfjs,jaxjs')
      .option('--no-peers', 'skip the peer libraries')
      .option('--e2e', 'also time whole training steps, encode vs GPU time, memory, and DDIM-50 sampling')
      .option('--presets <list>', 'presets for --e2e', 'tiny,small')
      .option('--batches <list>', 'batch sizes for --e2e', '32,64')
      .option('--e2e-steps <n>', 'timed training steps per configuration', int('e2e-steps', 1, 1000), 3)
      .option('--sample-n <n>', 'images per DDIM-50 sampling measurement (--e2e)', int('sample-n', 1, 1024), 16)
      .option('--out <dir>', 'results directory', 'bench/results');
    addAdapterOption(program);
    program.parse(process.argv);
    const o = program.opts();
    const sizes = String(o.sizes).split(',').map((s) => oneOf('sizes', ['smoke', 'unet', 'sweep'] as const)(s.trim()));
    if (!sizes.length) throw new UsageError('--sizes is empty');
    const kernels = String(o.kernels).split(',').filter(Boolean);
    let e2e: E2EArgs | null = null;
    if (o.e2e) {
      const presets = String(o.presets).split(',').map((p) => oneOf('presets', ['tiny', 'small'] as const)(p.trim()));
      const batches = String(o.batches).split(',').map((b) => int('batches', 1, 4096)(b.trim()));
      e2e = { presets, batches, steps: o.e2eSteps, sampleN: o.sampleN };
    }
    const log = (l: string) => console.error(l);
    // Default: the page in headless Chromium (SwiftShader there, with the peers), then Node on every other
    // adapter this machine has (lavapipe, a GPU). --node: Node only, on --adapter (default auto).
    if (!o.node && o.adapter !== undefined) throw new UsageError('--adapter needs --node (the default run covers Chromium and every Node adapter)');
    const { availableAdapterKinds } = await import('../src/platform/node.ts');
    const nodeKinds: (AdapterKind | 'auto')[] = o.node ? [chosenAdapter(o.adapter)] : (await availableAdapterKinds()).filter((k) => k !== 'swiftshader');
    const show = (run: BenchRun) => {
      console.log(`adapter: ${adapterLine(run.adapter)}; ${run.runner}${run.browser ? ' ' + run.browser : ''}; timing ${run.records[0]?.timing}`);
      for (const r of run.records as BenchRecord[]) console.log(formatRow(r));
      for (const f of writeRun(o.out, run)) console.log(`wrote ${f}`);
    };
    if (!o.node) show(await benchChromium(sizes, kernels, o.reps, o.warmup, o.peers, log, e2e));
    for (const kind of nodeKinds) show(await benchNode(sizes, kernels, o.reps, o.warmup, log, e2e, kind));
  });
}
