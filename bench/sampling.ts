// npm run bench:sampling -- --checkpoint NAME|FILE [--n 200] [--grid "ddim:10,25,50;ddpm:50;dpmsolver++:5,10;euler:10"] [--eta 0,1]
//                           [--guidance 1.5,2,3] [--clip static,none,clipped-eps,dynamic] [--out docs/sampling.json]
// The sampler sweep behind DEFAULT_SAMPLING: every combination of sampler × steps × η × guidance × x̂0
// handling, each scored like `npm run eval` (feature FD, pyramid SWD, digit accuracy, class entropy) against
// the same N held-out digits, with images/s. Writes JSON and a Markdown table (same name, .md).
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { addAdapterOption, adapterRecord, guidanceInterval, int, intervalText, notePrecision, oneOf, resolveCheckpoint, runCli, setupGpu, UsageError } from '../cli/common.ts';
import { UNet } from '../src/model/unet.ts';
import { NoiseSchedule } from '../src/diffusion/schedule.ts';
import { sample, type SampleOptions } from '../src/diffusion/sampler.ts';
import { loadCheckpoint, readCheckpointMeta } from '../src/io/checkpoint.ts';
import { ensureWritableDir, readFileBytes } from '../src/io/checkpoint-node.ts';
import { loadMnist } from '../src/data/mnist-node.ts';
import { sampleDigits, splitDigits } from '../src/data/split.ts';
import { DEFAULT_CLASSIFIER_PATH, ensureClassifier } from '../src/eval/classifier-node.ts';
import { evaluateQuality } from '../src/eval/evaluate.ts';
import { adapterLine } from '../src/runtime/device.ts';
import { SAMPLERS, type SamplerName } from '../src/diffusion/plan.ts';
import type { Precision } from '../src/model/layers.ts';

/** How x̂0 is bounded: static clamp stepping with the raw ε̂ (diffusers' default), none, clamp with ε̂ re-derived, dynamic. */
const CLIP_MODES = {
  static: { clip: true, clippedModelOutput: false },
  none: { clip: false, clippedModelOutput: false },
  'clipped-eps': { clip: true, clippedModelOutput: true },
  dynamic: { clip: true, clippedModelOutput: true, dynamicThreshold: { quantile: 0.995, maxValue: 1.5 } },
} satisfies Record<string, Partial<SampleOptions>>;
type ClipMode = keyof typeof CLIP_MODES;

interface Row { sampler: string; steps: number; eta: number; guidance: number; interval: [number, number] | null; clip: ClipMode; precision: Precision; fd: number; fdStdErr: number; fdFloor: number; swd: number; swdFloor: number; accuracy: number; entropy: number; imagesPerSecond: number }

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

await runCli('npm run bench:sampling -- --checkpoint NAME|FILE [--n N] [--grid "ddim:10,25,50;ddpm:50"] [--eta 0,1] [--guidance 2] [--clip static,clipped-eps] [--out FILE.json]', async () => {
  const o = addAdapterOption(new Command())
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .option('--checkpoint <file>', 'checkpoint or shipped model name')
    .option('--n <n>', 'samples per row (and held-out digits compared)', int('n', 10, 2000), 200)
    .option('--grid <spec>', 'samplers and their step counts', 'ddim:10,25,50;ddpm:50')
    .option('--eta <list>', 'DDIM η values', '0,1')
    .option('--guidance <list>', 'guidance scales', '2')
    .option('--guidance-interval <list>', 'σ intervals to guide in, ";"-separated: "all" or lo,hi (e.g. "all;0.5,20")', 'all')
    .option('--clip <list>', `x̂0 handling: ${Object.keys(CLIP_MODES).join(', ')}`, 'static,clipped-eps')
    .option('--precision <list>', 'f32, f16 (the 3×3 convs read f16 activations and weights where the adapter has the kernels) or both, run back to back per row', 'f32')
    .option('--batch <n>', 'images per sampling batch', int('batch', 1, 1024), 100)
    .option('--out <file>', 'JSON report (a .md table is written beside it)', 'bench/results/sampling.json')
    .parse(process.argv)
    .opts();
  if (!o.checkpoint) throw new UsageError('--checkpoint is required');
  const clips = list(o.clip).map((c) => {
    if (!(c in CLIP_MODES)) throw new UsageError(`--clip must list ${Object.keys(CLIP_MODES).join(', ')}, got "${c}"`);
    return c as ClipMode;
  });
  const precisions = list(o.precision).map((p) => oneOf('precision', ['f32', 'f16'] as const)(p));
  const etas = list(o.eta).map(Number);
  const guidances = list(o.guidance).map(Number);
  if ([...etas, ...guidances].some((v) => !Number.isFinite(v) || v < 0)) throw new UsageError('--eta and --guidance take non-negative numbers');
  const intervals = String(o.guidanceInterval).split(';').filter((v) => v.trim()).map((v) => guidanceInterval(v));
  const samplers = String(o.grid).split(';').map((part) => {
    const [name, steps] = part.split(':');
    if (!(SAMPLERS as readonly string[]).includes(name)) throw new UsageError(`--grid: sampler must be one of ${SAMPLERS.join(', ')}, got "${name}"`);
    return { name: name as SamplerName, steps: list(steps ?? '').map((s) => int('grid', 1, 1000)(s)) };
  });
  const path = resolveCheckpoint(o.checkpoint);
  const bytes = readFileBytes(path, 'checkpoint');
  const meta = readCheckpointMeta(bytes);
  const n: number = o.n;
  if (!meta.config.classes) throw new UsageError('the sweep scores digit accuracy: it needs a class-conditional checkpoint');
  if (meta.config.imageSize !== 28 || meta.config.inChannels !== 1) throw new UsageError('the sweep scores 28×28 single-channel (MNIST) checkpoints only');
  if (!String(o.out).endsWith('.json')) throw new UsageError(`--out must be a .json file (the table goes beside it as .md), got "${o.out}"`);
  // Before any sampling: a sweep that cannot write its report is refused now, not after its last row.
  try {
    ensureWritableDir(dirname(String(o.out)), '--out');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }

  const gpu = await setupGpu(true, false, o.adapter);
  const { classifier } = await ensureClassifier(gpu, DEFAULT_CLASSIFIER_PATH, { log: console.log });
  for (const p of precisions) notePrecision(gpu, p);
  const model = new UNet(gpu, meta.config);
  loadCheckpoint(model, bytes);
  const schedule = new NoiseSchedule(meta.schedule);
  const digits = splitDigits(loadMnist());
  const reference = sampleDigits(digits.test, n, 11);
  const floor = sampleDigits(digits.train, n, 12);
  const requested = Array.from({ length: n }, (_, i) => i % 10);

  const rows: Row[] = [];
  for (const s of samplers)
    for (const steps of s.steps)
      for (const eta of s.name === 'ddim' ? etas : [1])
        for (const guidance of guidances)
          for (const interval of guidance === 1 ? [null] : intervals) // no guidance: no interval to limit it to
          // Only DDPM and DDIM clamp x̂0 (diffusers' clip_sample); the σ-space samplers run as diffusers does.
          for (const clip of s.name === 'ddim' || s.name === 'ddpm' ? clips : (['none'] as const))
            for (const precision of precisions) {
            const samples = new Float32Array(n * 784);
            const t0 = performance.now();
            for (let start = 0, chunk = 0; start < n; start += o.batch, chunk++) {
              const m = Math.min(o.batch, n - start);
              const imgs = await sample(gpu, model, schedule, {
                n: m, sampler: s.name, steps, eta, guidance, guidanceInterval: interval, seed: chunk, classLabel: requested.slice(start, start + m), ...CLIP_MODES[clip], precision,
              });
              for (let i = 0; i < m * 784; i++) samples[start * 784 + i] = (imgs[i] + 1) / 2;
            }
            const secs = (performance.now() - t0) / 1000;
            const r = await evaluateQuality(classifier, { samples, n, requested, reference, floor });
            const row: Row = {
              sampler: s.name, steps, eta, guidance, interval, clip, precision, fd: r.fd, fdStdErr: r.fdStdErr, fdFloor: r.fdFloor, swd: r.swd.mean, swdFloor: r.swdFloor.mean,
              accuracy: r.accuracy!.overall, entropy: r.entropyBits, imagesPerSecond: n / secs,
            };
            rows.push(row);
            console.log(`${s.name}-${steps} η ${eta} guidance ${guidance}${interval ? ` in σ ${intervalText(interval)}` : ''} ${clip} ${precision}: accuracy ${(100 * row.accuracy).toFixed(1)} %, FD ${row.fd.toFixed(2)} ± ${row.fdStdErr.toFixed(2)} (floor ${row.fdFloor.toFixed(2)}), SWD ${row.swd.toFixed(1)}, entropy ${row.entropy.toFixed(3)}, ${row.imagesPerSecond.toFixed(2)} images/s`);
          }
  const report = { date: new Date().toISOString(), checkpoint: path, step: meta.step, n, adapter: adapterRecord(gpu), rows };
  writeFileSync(o.out, JSON.stringify(report, null, 1) + '\n');
  const md = [
    `Sampler sweep of \`${path}\` (step ${meta.step}), N = ${n} per row (digits 0–9 in turn), ${adapterLine(gpu.adapterInfo)}, ${report.date}.`,
    `FD floor (real vs real at this N) ${rows[0]?.fdFloor.toFixed(2)}, SWD floor ${rows[0]?.swdFloor.toFixed(2)}. "clip": static = clamp x̂0, step with the raw ε̂ (diffusers' default);`,
    'clipped-eps = clamp and re-derive ε̂ from the clamped x̂0 (use_clipped_model_output); none = no clamp; dynamic = Imagen thresholding (q 0.995, max 1.5).',
    '',
    '| sampler | steps | η | guidance | guidance σ interval | clip | precision | digit accuracy | FD ± bootstrap SE | FD / floor | SWD ×10³ | entropy (bits) | images/s |',
    '|---|---:|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.sampler} | ${r.steps} | ${r.sampler === 'ddim' ? r.eta : '—'} | ${r.guidance} | ${intervalText(r.interval)} | ${r.clip} | ${r.precision} | ${(100 * r.accuracy).toFixed(1)} % | ${r.fd.toFixed(2)} ± ${r.fdStdErr.toFixed(2)} | ${(r.fd / r.fdFloor).toFixed(2)} | ${r.swd.toFixed(1)} | ${r.entropy.toFixed(3)} | ${r.imagesPerSecond.toFixed(2)} |`),
  ].join('\n');
  writeFileSync(String(o.out).replace(/\.json$/, '.md'), md + '\n');
  console.log(`→ ${o.out} and .md`);
  gpu.destroy();
});
