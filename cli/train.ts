// npm run train -- --config tiny --steps 500 --batch 16 --lr 1e-3 --out runs/x [--resume FILE] [--seed 0]
// Trains the UNet on --dataset (default: the 8,000 training-split MNIST digits; cli/train-data.ts) entirely on
// the GPU through a TrainingSession
// (src/train/session.ts); cli/train-flags.ts turns the flags into its settings, and this file supplies the
// Node side: checkpoints and sample grids written atomically into --out, a progress bar, and Ctrl-C/SIGTERM
// as "stop after this step and save".
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { adapterRecord, runCli, setupGpu, UsageError } from './common.ts';
import { flags, planFromFlags, USAGE } from './train-flags.ts';
import { TrainingSession, type SessionHooks } from '../src/train/session.ts';
import { CONSTANT_LR, scheduledLr } from '../src/ops/adamw.ts';
import type { ImageSet } from '../src/data/image-set.ts';
import { ensureWritableDir, writeFileAtomic } from '../src/io/checkpoint-node.ts';
import { gridPng } from '../src/io/images-node.ts';

/** The set in a few words: "8000 images of mnist (28×28 grey, 10 classes)". */
function describeData(d: ImageSet): string {
  const classes = d.classNames.length ? `${d.classNames.length} classes` : 'unlabelled';
  return `${d.count} images of ${d.name} (${d.size}×${d.size} ${d.channels === 1 ? 'grey' : 'RGB'}, ${classes})`;
}

function describe(session: TrainingSession, data: ImageSet): string {
  const t = session.settings;
  const s = t.lrSchedule;
  const sc = t.schedule;
  return (
    `model: ${session.model.params.count.toLocaleString('en')} parameters, ${(session.model.flopsPerImage() / 1e6).toFixed(1)} MFLOP forward per image; ` +
    `${describeData(data)}; batch ${t.batch}, lr ${t.lr}${s?.warmup ? ` (warm-up ${s.warmup} steps)` : ''}${s && s.decayEnd > s.decayStart ? ` (cosine decay from step ${s.decayStart} to ${s.minFactor}× at ${s.decayEnd})` : ''}, ${sc.betaSchedule} schedule T=${sc.numTrainTimesteps}, ` +
    `${session.schedule.predictionType === 'v_prediction' ? 'v' : 'ε'}-prediction, ${t.minSnrGamma ? `min-SNR-${t.minSnrGamma} weighted` : 'plain'} MSE`
  );
}

/** Ctrl-C / SIGTERM: stop after the step in hand and save; a second signal a second later quits at once. */
function onInterrupt(stop: (sig: string) => void): () => string | null {
  // One Ctrl-C in a terminal reaches this process more than once (the whole foreground group gets it and
  // npm forwards it again), so a repeat within a second counts as the same request, not a second one.
  let first: { sig: string; at: number } | null = null;
  const handler = (sig: string) => {
    if (first && performance.now() - first.at > 1000) process.exit(130);
    if (first) return;
    first = { sig, at: performance.now() };
    stop(sig);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => first?.sig ?? null;
}

await runCli(USAGE, async () => {
  const program = flags();
  program.parse(process.argv);
  const o = program.opts();
  const plan = planFromFlags(program);
  // Before any GPU work: a run that cannot save is refused now, not after training.
  try {
    ensureWritableDir(plan.out, '--out');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const gpu = await setupGpu(o.autotune, false, o.adapter);
  const session = new TrainingSession(gpu, plan.data, { config: plan.config, train: plan.train, start: plan.start, adapter: adapterRecord(gpu), dataset: plan.dataset });
  if (plan.said) console.log(plan.said);
  console.log(describe(session, plan.data));

  const ckptPath = join(plan.out, 'checkpoint.safetensors');
  let lastPng = '';
  let recent: number[] = [];
  const bar = new cliProgress.SingleBar(
    { format: 'step {value}/{total} |{bar}| loss {loss} | lr {lr} | {sps} steps/s | ETA {eta_formatted}', hideCursor: true, etaBuffer: 20, noTTYOutput: true, notTTYSchedule: 10000 },
    cliProgress.Presets.shades_classic,
  );
  const lrAt = (s: number) => scheduledLr(session.settings.lr, session.settings.lrSchedule ?? CONSTANT_LR, s).toExponential(1);
  const hooks: SessionHooks = {
    onLosses(step, losses) {
      recent = [...recent, ...losses].slice(-50);
      bar.update(step, { loss: (recent.reduce((a, b) => a + b, 0) / recent.length).toFixed(4), sps: session.rate.stepsPerSecond.toFixed(2), lr: lrAt(step) });
    },
    async onSample(step) {
      const n = 16;
      const imgs = await session.sample({ n, steps: o.sampleSteps, seed: 1234 });
      lastPng = join(plan.out, `samples_step${String(step).padStart(6, '0')}.png`);
      writeFileAtomic(lastPng, gridPng(imgs, n, plan.config.imageSize, 3));
    },
    async saveCheckpoint(_step, bytes) {
      writeFileAtomic(ckptPath, bytes);
      return ckptPath;
    },
    yieldToHost: () => new Promise<void>((r) => setImmediate(r)), // lets a signal in between steps
  };
  const signal = onInterrupt(() => void session.stop());
  bar.start(o.steps, plan.startStep, { loss: '—', sps: '—', lr: lrAt(plan.startStep + 1) });
  const t0 = performance.now();
  // Two steps on the GPU at once: the next is recorded while one runs (a signal still ends the run one step later).
  const run = { steps: o.steps, lossEvery: o.lossEvery, sampleEvery: o.sampleEvery, checkpointEvery: o.sampleEvery, inFlight: 2 };
  const end = await session.run(run, hooks).finally(() => bar.stop());
  if (end.reason === 'stopped') {
    console.log(`interrupted (${signal()}) at step ${end.step}; checkpoint: ${ckptPath}`);
    console.log(`continue with: npm run train -- --resume ${ckptPath} --steps ${o.steps}`);
    gpu.destroy();
    process.exit(130);
  }
  const secs = (performance.now() - t0) / 1000;
  console.log(`done: ${o.steps - plan.startStep} steps in ${secs.toFixed(0)} s; final loss (mean of last ${recent.length}) ${(recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length)).toFixed(4)}`);
  console.log(`checkpoint: ${ckptPath}`);
  console.log(`samples:    ${lastPng}`);
  session.dispose();
  gpu.destroy();
});
