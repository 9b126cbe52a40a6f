// npm run bench:recipes -- [--arms base,min-snr,v,...] [--images 16000] [--n 500] [--parallel 1]
//                          [--dir runs/recipes] [--out docs/recipes.json]
// The training-recipe ablation: every arm trains the same model from the same seed on the same budget of
// image-gradients (steps = images / batch), then its EMA weights are scored by `npm run eval` with the
// default sampling. Each arm is a plain `npm run train` + `npm run eval` in its own folder, so an interrupted
// ablation resumes where it stopped (finished arms are skipped, a partial run continues from its checkpoint).
// Writes JSON and a Markdown table (same name, .md): recipe → FD, SWD, digit accuracy, entropy, wall time.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { int, runCli, UsageError } from '../cli/common.ts';
import { readCheckpointMeta } from '../src/io/checkpoint.ts';
import { readFileBytes } from '../src/io/checkpoint-node.ts';

interface Arm {
  /** What differs from `base`, in words. */
  about: string;
  batch: number;
  /** Train flags besides --steps, --batch, --out and the shared ones. */
  flags: string[];
}

/** The earlier defaults every ε arm starts from (the flags name them, so new defaults do not move the arms). */
const BASE = ['--prediction', 'eps', '--no-ema-warmup'];

/** The recipes compared; `base` is the earlier `npm run train` defaults at batch 32. */
const ARMS: Record<string, Arm> = {
  base: { about: 'ε-prediction, plain MSE, linear β, constant lr 1e-3, batch 32, EMA 0.995 (no warm-up)', batch: 32, flags: ['--prediction', 'eps', '--no-ema-warmup'] },
  'min-snr': { about: 'min-SNR-5 loss weighting', batch: 32, flags: [...BASE, '--min-snr', '5'] },
  v: { about: 'v-prediction', batch: 32, flags: ['--prediction', 'v', '--no-ema-warmup'] },
  'v-min-snr': { about: 'v-prediction with min-SNR-5 weighting', batch: 32, flags: ['--prediction', 'v', '--no-ema-warmup', '--min-snr', '5'] },
  cosine: { about: 'cosine noise schedule (squaredcos_cap_v2)', batch: 32, flags: [...BASE, '--schedule', 'cosine'] },
  'lr-sched': { about: 'lr warm-up 25 steps, then cosine decay to 0.1×', batch: 32, flags: [...BASE, '--lr-warmup', '25', '--lr-decay', 'cosine', '--lr-min', '0.1'] },
  batch64: { about: 'batch 64 (half the steps)', batch: 64, flags: BASE },
  'ema-0.999': { about: 'EMA decay 0.999', batch: 32, flags: [...BASE, '--ema-decay', '0.999'] },
  'ema-warmup': { about: 'EMA decay warmed up as min(0.995, (1 + t)/(10 + t))', batch: 32, flags: ['--prediction', 'eps'] },
  'v-ema-warmup': { about: 'v-prediction and EMA warm-up (today\'s defaults)', batch: 32, flags: [] },
};

const SHARED = ['--config', 'tiny', '--lr', '1e-3', '--seed', '0', '--sample-every', '250', '--loss-every', '50'];

interface Row {
  arm: string;
  about: string;
  images: number;
  steps: number;
  batch: number;
  trainSeconds: number;
  finalLoss: number | null;
  fd: number;
  fdFloor: number;
  swd: number;
  swdFloor: number;
  accuracy: number;
  entropy: number;
  adapter: string;
}

/** Runs a command with its output appended to `log`; resolves with the exit status. */
function runLogged(args: string[], log: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(log, { flags: 'a' });
    out.write(`\n$ npx tsx ${args.join(' ')}\n`);
    const child = spawn('npx', ['tsx', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('error', reject);
    child.on('close', (code) => out.end(() => resolve(code ?? 1)));
  });
}

const stepOf = (ckpt: string) => (existsSync(ckpt) ? readCheckpointMeta(readFileBytes(ckpt, 'checkpoint')).step : -1);

/** Trains (or resumes) one arm to its step count and scores it; returns its table row. */
async function runArm(name: string, images: number, n: number, dir: string): Promise<Row> {
  const arm = ARMS[name];
  const steps = Math.round(images / arm.batch);
  const out = join(dir, name);
  mkdirSync(out, { recursive: true });
  const ckpt = join(out, 'checkpoint.safetensors');
  const log = join(out, 'train.log');
  const done = stepOf(ckpt);
  if (done < steps) {
    const from = done >= 0 ? ['--resume', ckpt] : [];
    console.log(`${name}: training ${done >= 0 ? `from step ${done} ` : ''}to step ${steps} (${arm.about}) → ${log}`);
    const code = await runLogged(['cli/train.ts', ...SHARED, ...arm.flags, '--batch', String(arm.batch), '--steps', String(steps), ...from, '--out', out], log);
    if (code !== 0) throw new Error(`${name}: training exited with status ${code}; see ${log}`);
  }
  const evalJson = join(out, `eval-n${n}.json`);
  if (!existsSync(evalJson)) {
    console.log(`${name}: scoring ${n} samples → ${evalJson}`);
    const code = await runLogged(['cli/eval.ts', '--checkpoint', ckpt, '--n', String(n), '--out', evalJson, '--grid', join(out, `eval-n${n}.png`)], join(out, 'eval.log'));
    if (code !== 0) throw new Error(`${name}: eval exited with status ${code}; see ${join(out, 'eval.log')}`);
  }
  const ev = JSON.parse(readFileSync(evalJson, 'utf8'));
  // Every `done: K steps in S s; final loss (mean of last M) L` line of the arm's runs (resumes add up).
  const logText = readFileSync(log, 'utf8');
  const runs = [...logText.matchAll(/done: \d+ steps in (\d+) s; final loss \(mean of last \d+\) ([\d.]+)/g)];
  return {
    arm: name, about: arm.about, images: steps * arm.batch, steps, batch: arm.batch,
    trainSeconds: runs.reduce((s, m) => s + Number(m[1]), 0),
    finalLoss: runs.length ? Number(runs[runs.length - 1][2]) : null,
    fd: ev.report.fd, fdFloor: ev.report.fdFloor, swd: ev.report.swd.mean, swdFloor: ev.report.swdFloor.mean,
    accuracy: ev.report.accuracy.overall, entropy: ev.report.entropyBits,
    adapter: `${ev.adapter.kind} (${ev.adapter.description})`,
  };
}

function markdown(rows: Row[], n: number, parallel: number): string {
  const best = (key: 'fd' | 'swd') => Math.min(...rows.map((r) => r[key]));
  const lines = [
    `| recipe | what differs | steps × batch | train wall time | final loss | FD (floor ${rows[0]?.fdFloor.toFixed(2)}) | SWD ×10³ (floor ${rows[0]?.swdFloor.toFixed(2)}) | digit accuracy | class entropy (bits) |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => {
      const fd = r.fd === best('fd') ? `**${r.fd.toFixed(2)}**` : r.fd.toFixed(2);
      const swd = r.swd === best('swd') ? `**${r.swd.toFixed(2)}**` : r.swd.toFixed(2);
      return `| \`${r.arm}\` | ${r.about} | ${r.steps} × ${r.batch} | ${(r.trainSeconds / 60).toFixed(1)} min | ${r.finalLoss?.toFixed(4) ?? '—'} | ${fd} | ${swd} | ${(100 * r.accuracy).toFixed(1)} % | ${r.entropy.toFixed(3)} |`;
    }),
    '',
    `N = ${n} samples per recipe (default sampling: DDIM-25, η 1, guidance 2, ε̂ from the clamped x̂0), scored against ${n} held-out digits; ` +
      `adapter: ${rows[0]?.adapter ?? '—'}; ${parallel} arm(s) trained at a time on this machine's cores, so wall times compare only within a parallelism. ` +
      'Loss values are on each recipe\'s own target and weighting, so they do not compare across recipes.',
  ];
  return lines.join('\n') + '\n';
}

await runCli('npm run bench:recipes -- [--arms a,b] [--images N] [--n N] [--parallel 1|2] [--dir DIR] [--out FILE.json]', async () => {
  const o = new Command()
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .option('--arms <list>', `recipes to compare (${Object.keys(ARMS).join(', ')})`, Object.keys(ARMS).join(','))
    .option('--images <n>', 'training budget per recipe, in image-gradients', int('images', 64), 16000)
    .option('--n <n>', 'samples scored per recipe', int('n', 10, 10000), 500)
    .option('--parallel <n>', 'recipes trained at the same time', int('parallel', 1, 8), 1)
    .option('--dir <dir>', 'where each recipe trains (one folder each)', 'runs/recipes')
    .option('--out <file>', 'JSON report (a .md table is written beside it)', 'bench/results/recipes.json')
    .parse(process.argv)
    .opts();
  const arms = String(o.arms).split(',').map((s) => s.trim()).filter(Boolean);
  for (const a of arms) if (!ARMS[a]) throw new UsageError(`--arms: unknown recipe "${a}" (${Object.keys(ARMS).join(', ')})`);
  if (!arms.includes('base')) console.warn('note: without the base arm the table has nothing to compare against');
  const rows: Row[] = new Array(arms.length);
  let next = 0;
  const worker = async () => {
    while (next < arms.length) {
      const i = next++;
      rows[i] = await runArm(arms[i], o.images, o.n, o.dir);
      console.log(`${arms[i]}: FD ${rows[i].fd.toFixed(2)} (floor ${rows[i].fdFloor.toFixed(2)}), accuracy ${(100 * rows[i].accuracy).toFixed(1)} %`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.parallel, arms.length) }, worker));
  const report = { date: new Date().toISOString(), images: o.images, n: o.n, parallel: o.parallel, shared: SHARED, rows };
  writeFileSync(o.out, JSON.stringify(report, null, 1));
  const md = o.out.replace(/\.json$/, '') + '.md';
  writeFileSync(md, markdown(rows, o.n, o.parallel));
  console.log(readFileSync(md, 'utf8'));
  console.log(`report: ${o.out}, ${md}`);
});
