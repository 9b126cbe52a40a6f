// npm run bench -- [--quick] [--node [--adapter KIND]] [--sizes unet,sweep] [--kernels conv2d,attention] [--reps 10] [--warmup 2]
//                  [--peers tfjs,jaxjs,tfjs-wasm | --no-peers] [--e2e …] [--out bench/results] | --report RUN.json
// Default: builds the pages, serves them on localhost, runs the suite in headless Chromium (WebGPU) with the
// peers, then in Node through Dawn on every other adapter the machine has. Each run prints its adapter and
// its table once (a line per record as it is measured) and writes JSON, Markdown and the HTML report.
// --quick: smoke sizes, one repetition, a one-shape autotune — the whole pipeline in a minute or two.
// --report: re-renders the Markdown and HTML of a run's JSON (e.g. after the report changes).
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Command } from 'commander';
import { addAdapterOption, chosenAdapter, int, oneOf, runCli, UsageError } from '../cli/common.ts';
import type { AdapterKind } from '../src/platform/node.ts';
import { writeReport, writeRun } from './report.ts';
import { adapterFull, PEERS, type BenchRun, type PeerKey } from './report-rows.ts';
import { benchChromium, benchNode, type BenchArgs, type BenchHooks, type E2EArgs } from './runners.ts';
import { consoleTable } from './table.ts';
import type { SizeSet } from './suite.ts';

const USAGE = 'npm run bench -- [--quick] [--node [--adapter KIND]] [--sizes smoke,unet,sweep] [--kernels NAME,...] [--reps N] [--warmup N] [--peers tfjs,jaxjs,tfjs-wasm | --no-peers] [--e2e ... [--torch-threads N] [--torch-python PATH] [--no-torch]] [--out DIR] | --report RUN.json';

function program(): Command {
  const p = new Command()
    .name('bench')
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .option('--quick', 'smoke sizes, 1 repetition, no warm-up, autotune on one shape: checks the whole pipeline quickly')
    .option('--node', 'run in Node through Dawn instead of headless Chromium')
    .option('--sizes <list>', 'smoke, unet, sweep (comma-separated)', 'unet')
    .option('--kernels <list>', 'only cases whose "name.direction" contains one of these', '')
    .option('--reps <n>', 'timed repetitions', int('reps', 1, 1000), 10)
    .option('--warmup <n>', 'untimed warm-up runs', int('warmup', 0, 100), 2)
    .option('--peers <list>', 'peer libraries in the page: tfjs (WebGPU), jaxjs, tfjs-wasm (comma-separated)', 'tfjs,jaxjs,tfjs-wasm')
    .option('--no-peers', 'skip the peer libraries')
    .option('--e2e', 'also time whole training steps, encode vs GPU time, memory, and DDIM-50 sampling')
    .option('--presets <list>', 'presets for --e2e', 'tiny,small')
    .option('--batches <list>', 'batch sizes for --e2e', '32,64')
    .option('--e2e-steps <n>', 'timed training steps per configuration', int('e2e-steps', 1, 1000), 3)
    .option('--sample-n <n>', 'images per DDIM-50 sampling measurement (--e2e)', int('sample-n', 1, 1024), 16)
    .option('--torch-threads <n>', 'Node --e2e: PyTorch CPU peer threads (2 sets OMP_WAIT_POLICY=PASSIVE)', int('torch-threads', 1, 64), 1)
    .option('--torch-python <path>', 'Node --e2e: the python with torch (default $TORCH_PYTHON, else /usr/bin/python3)')
    .option('--no-torch', 'Node --e2e: no PyTorch CPU peer')
    .option('--report <json>', 're-render the Markdown and HTML report of a run from its JSON (next to it, or into --out)')
    .option('--out <dir>', 'results directory (default bench/results; bench/scratch with --quick)', 'bench/results');
  addAdapterOption(p);
  return p;
}

/** The suite's settings from the flags; --quick replaces the defaults (flags given explicitly still win). */
function benchArgs(p: Command): BenchArgs {
  const o = p.opts();
  const quick = Boolean(o.quick);
  const given = (k: string) => p.getOptionValueSource(k) === 'cli';
  const sizes = (quick && !given('sizes') ? 'smoke' : String(o.sizes)).split(',').map((s) => oneOf('sizes', ['smoke', 'unet', 'sweep'] as const)(s.trim())) as SizeSet[];
  let e2e: E2EArgs | null = null;
  if (o.e2e) {
    const presets = String(o.presets).split(',').map((s) => oneOf('presets', ['tiny', 'small'] as const)(s.trim()));
    const batches = String(o.batches).split(',').map((b) => int('batches', 1, 4096)(b.trim()));
    e2e = { presets, batches, steps: o.e2eSteps, sampleN: o.sampleN, torch: o.torch !== false, torchThreads: o.torchThreads, torchPython: o.torchPython };
  }
  return {
    sizes,
    kernels: String(o.kernels).split(',').filter(Boolean),
    reps: quick && !given('reps') ? 1 : o.reps,
    warmup: quick && !given('warmup') ? 0 : o.warmup,
    e2e,
    tune: quick ? { probes: 1, rounds: 1 } : undefined,
  };
}

/** Hooks that print the adapter, then the table's header and a row per record, each exactly once. */
function printer(peers: PeerKey[], runner: string): BenchHooks {
  const table = consoleTable(peers);
  return {
    log: (l) => console.error(l),
    onAdapter: (a) => {
      console.log(`\nadapter: ${adapterFull(a)}; ${runner}`);
      for (const h of table.header) console.log(h);
    },
    onRecord: (r) => console.log(table.row(r)),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli(USAGE, async () => {
    const p = program();
    p.parse(process.argv);
    const o = p.opts();
    if (o.report) {
      const run = JSON.parse(readFileSync(o.report, 'utf8')) as BenchRun;
      const stem = join(p.getOptionValueSource('out') === 'cli' ? o.out : dirname(o.report), basename(o.report, '.json'));
      for (const f of writeReport(stem, run)) console.log(`wrote ${f}`);
      return;
    }
    const args = benchArgs(p);
    // Default: the page in headless Chromium (SwiftShader there, with the peers), then Node on every other
    // adapter this machine has (lavapipe, a GPU). --node: Node only, on --adapter (default auto).
    if (!o.node && o.adapter !== undefined) throw new UsageError('--adapter needs --node (the default run covers Chromium and every Node adapter)');
    const { availableAdapterKinds } = await import('../src/platform/node.ts');
    const nodeKinds: (AdapterKind | 'auto')[] = o.node ? [chosenAdapter(o.adapter)] : (await availableAdapterKinds()).filter((k) => k !== 'swiftshader');
    // A --quick run checks the pipeline; its reports go to the ignored bench/scratch/ unless --out says
    // otherwise, so that it neither adds files to bench/results/ nor replaces the latest-*.md of a real run.
    const outDir = o.quick && p.getOptionValueSource('out') !== 'cli' ? 'bench/scratch' : o.out;
    const save = (run: BenchRun) => {
      for (const f of writeRun(outDir, run)) console.log(`wrote ${f}`);
    };
    if (!o.node) {
      // Peer keys as the page and the records name them (tfjs-wasm → tfjs_wasm).
      const inPage: PeerKey[] = ['tfjs', 'jaxjs', 'tfjs_wasm'];
      const asked = o.peers === false ? [] : String(o.peers).split(',').map((k) => k.trim().replace(/-/g, '_')).filter(Boolean);
      const unknown = asked.filter((k) => !(inPage as string[]).includes(k));
      if (unknown.length) throw new UsageError(`--peers: unknown ${unknown.join(', ')} (the page has tfjs, jaxjs, tfjs-wasm)`);
      const peers = PEERS.map((q) => q.key).filter((k) => asked.includes(k));
      save(await benchChromium(args, o.peers === false ? false : peers.join(','), printer(peers, 'headless Chromium')));
    }
    for (const kind of nodeKinds) save(await benchNode(args, printer(args.e2e?.torch ? ['torch'] : [], 'Node + Dawn'), kind));
  });
}
