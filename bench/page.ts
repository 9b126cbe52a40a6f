// The benchmark page: runs the suite on navigator.gpu with TensorFlow.js as the peer, logs rows as they
// come, and leaves the whole run in window.__bench for the puppeteer runner (bench/run.ts) to collect.
import { createBrowserGpu } from '../src/platform/browser.ts';
import { autotune } from '../src/tune/autotune.ts';
import { runSuite, type SizeSet } from './suite.ts';
import { tfjsPeer } from './peers-tfjs.ts';
import { jaxjsPeer } from './peers-jaxjs.ts';
import type { PeerRunner } from './suite.ts';

declare global {
  interface Window { __bench?: unknown; __benchError?: string }
}

const q = new URLSearchParams(location.search);
const log = (line: string) => {
  document.getElementById('log')!.textContent += line + '\n';
  console.log(line);
};

async function main() {
  const gpu = await createBrowserGpu();
  const tune = await autotune(gpu, undefined, 3);
  log(`adapter ${gpu.adapterInfo.vendor} ${gpu.adapterInfo.architecture}; autotune ${JSON.stringify(tune.policy)}`);
  // ?peers=0 runs none; ?peers=tfjs or ?peers=jaxjs one of them; default both.
  const wanted = q.get('peers') === '0' ? [] : (q.get('peers') ?? 'tfjs,jaxjs').split(',');
  const peers: PeerRunner[] = [];
  for (const [key, make] of [['tfjs', tfjsPeer], ['jaxjs', jaxjsPeer]] as const) {
    if (!wanted.includes(key)) continue;
    const p = await make().catch((e: Error) => (log(`${key} unavailable: ${e.message}`), null));
    if (p) peers.push(p);
  }
  const tfjs = peers.find((p) => p.key === 'tfjs');
  const records = await runSuite(gpu, {
    sizes: (q.get('sizes') ?? 'unet').split(',') as SizeSet[],
    reps: Number(q.get('reps') ?? 10),
    warmup: Number(q.get('warmup') ?? 2),
    kernels: (q.get('kernels') ?? '').split(',').filter(Boolean),
    peers,
    log,
  });
  if (q.get('e2e')) {
    const { runEndToEnd } = await import('./e2e.ts');
    const { tfjsTrainStep } = await import('./tfjs-unet.ts');
    const peerStep = tfjs
      ? async (cfg: Parameters<typeof tfjsTrainStep>[0], batch: number, steps: number) => {
          const s = tfjsTrainStep(cfg, batch);
          await s.step(); // warm-up: shader compilation, optimizer slots
          const times: number[] = [];
          for (let i = 0; i < steps; i++) {
            const t0 = performance.now();
            await s.step();
            times.push(performance.now() - t0);
          }
          s.dispose();
          times.sort((a, b) => a - b);
          return times[Math.floor(times.length / 2)];
        }
      : undefined;
    records.push(...(await runEndToEnd(gpu, { ...JSON.parse(q.get('e2e')!), log, peerStep })));
  }
  const limits: Record<string, number> = {};
  for (const k in gpu.limits) limits[k] = (gpu.limits as unknown as Record<string, number>)[k];
  window.__bench = { adapter: { ...gpu.adapterInfo, limits }, autotune: tune, peers: peers.map((p) => p.name).join(', ') || null, records, browser: navigator.userAgent };
  log('done');
}

main().catch((e) => {
  window.__benchError = String(e?.stack ?? e);
  log(`error: ${e}`);
});
