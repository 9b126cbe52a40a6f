// Training, sampling and checkpoints end to end on small configs: the loss falls on real MNIST digits,
// a seed reproduces samples, checkpoints round-trip and bad ones are refused with the model untouched.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UNet } from '../src/model/unet.ts';
import { PRESETS, type UNetConfig } from '../src/model/config.ts';
import { Trainer, DEFAULT_TRAIN } from '../src/train/trainer.ts';
import { loadMnist } from '../src/data/mnist-node.ts';
import { DEFAULT_SCHEDULE, NoiseSchedule } from '../src/diffusion/schedule.ts';
import { sample } from '../src/diffusion/sampler.ts';
import { checkpointBytes, loadCheckpoint } from '../src/io/checkpoint.ts';
import { encodeSafetensors, decodeSafetensors } from '../src/io/safetensors.ts';
import { randArray, useGpu } from './helpers.ts';
// The barrier-free reductions are the fast ones on SwiftShader; both styles are checked in groupnorm.test.ts.
const getGpu = useGpu({ reduce: 'serial' });
// 28×28 like MNIST, but few channels so a few dozen steps run in seconds on SwiftShader.
const MINI: UNetConfig = { imageSize: 28, inChannels: 1, channels: [8, 8], blocksPerLevel: 1, attentionLevels: [1], groups: 4, heads: 1, timeEmbedDim: 16, classes: 10 };

describe('training', () => {
  it('the loss falls on real MNIST digits', async () => {
    const gpu = await getGpu();
    const model = new UNet(gpu, MINI);
    model.params.initialize(0);
    const digits = loadMnist();
    expect(digits.count).toBe(10000);
    const tr = new Trainer(gpu, model, digits, { ...DEFAULT_TRAIN, batch: 8, lr: 3e-3, schedule: DEFAULT_SCHEDULE });
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      tr.encodeStep();
      if (tr.step % 10 === 0) losses.push(...(await tr.readLosses()));
    }
    expect(losses.length).toBe(30);
    expect(losses.every(Number.isFinite)).toBe(true);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    const first = mean(losses.slice(0, 3));
    const last = mean(losses.slice(-5));
    console.log(`loss: first 3 steps ${first.toFixed(3)}, last 5 ${last.toFixed(3)}`);
    expect(first).toBeGreaterThan(0.7); // an untrained model predicts ~0, and E[ε²] = 1
    expect(last).toBeLessThan(0.6 * first);
  });

  // (The min-SNR-weighted loss is not compared across steps here: its weight depends on each batch's
  // timesteps, so at batch 8 it moves more with the draw than with learning; its kernels are checked in
  // optim.test.ts and the CLI test trains with it.)
  it('v-prediction: the loss on v falls too', async () => {
    const gpu = await getGpu();
    const model = new UNet(gpu, MINI);
    model.params.initialize(0);
    const schedule = { ...DEFAULT_SCHEDULE, predictionType: 'v_prediction' as const };
    const tr = new Trainer(gpu, model, loadMnist(), { ...DEFAULT_TRAIN, batch: 8, lr: 3e-3, schedule });
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      tr.encodeStep();
      if (tr.step % 10 === 0) losses.push(...(await tr.readLosses()));
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    const first = mean(losses.slice(0, 3));
    const last = mean(losses.slice(-5));
    console.log(`v loss: first 3 steps ${first.toFixed(3)}, last 5 ${last.toFixed(3)}`);
    // v mixes ε and x0, and the x0 part is learned more slowly than ε alone: a looser bar than above.
    expect(last).toBeLessThan(0.75 * first);
  });
});

describe('lifecycle', () => {
  it('destroy() returns every buffer: the same model and trainer built again create no new ones', async () => {
    const gpu = await getGpu();
    const digits = loadMnist();
    const round = async () => {
      const model = new UNet(gpu, MINI);
      model.params.initialize(0);
      const tr = new Trainer(gpu, model, digits, { ...DEFAULT_TRAIN, batch: 4, schedule: DEFAULT_SCHEDULE, minSnrGamma: 5 });
      tr.encodeStep();
      await tr.readLosses();
      tr.destroy();
      model.destroy();
      await gpu.sync();
    };
    await round();
    const created = gpu.cacheStats().buffersCreated;
    await round();
    expect(gpu.cacheStats().buffersCreated).toBe(created);
  });
});

describe('sampling', () => {
  it('a seed gives the same images; another seed other images', async () => {
    const gpu = await getGpu();
    const model = new UNet(gpu, PRESETS.test);
    model.params.initialize(3);
    const sched = new NoiseSchedule();
    const opts = { n: 2, sampler: 'ddim' as const, steps: 4, classLabel: [1, 2], guidance: 2, seed: 5, eta: 1 };
    const a = await sample(gpu, model, sched, opts);
    const b = await sample(gpu, model, sched, opts);
    const c = await sample(gpu, model, sched, { ...opts, seed: 6 });
    expect(a.every(Number.isFinite)).toBe(true);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
    const d = await sample(gpu, model, sched, { n: 3, sampler: 'ddpm', steps: 10, classLabel: null, seed: 1 });
    expect(d.length).toBe(3 * 64);
    expect(d.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('samples with the EMA weights in place: same images as copying them over, trained weights untouched', async () => {
    const gpu = await getGpu();
    const model = new UNet(gpu, PRESETS.test);
    model.params.initialize(3);
    const ps = model.params;
    // EMA differs from the trained weights everywhere (conv_out starts at zero, so noise is added to all).
    const noise = randArray(ps.total, 4, -0.05, 0.05);
    const ema = ps.initialValues(4).map((v, i) => v + noise[i]);
    gpu.write(ps.flat('ema'), ema);
    const trained = await ps.flat('params').read();
    const sched = new NoiseSchedule();
    const opts = { n: 2, sampler: 'ddim' as const, steps: 3, classLabel: [0, 2], guidance: 2, seed: 9 };
    const viaEma = await sample(gpu, model, sched, opts);
    expect(Array.from(await ps.flat('params').read())).toEqual(Array.from(trained));
    const viaParams = await sample(gpu, model, sched, { ...opts, ema: false });
    expect(Array.from(viaParams)).not.toEqual(Array.from(viaEma)); // the weight set matters
    gpu.write(ps.flat('params'), ema);
    expect(Array.from(await sample(gpu, model, sched, { ...opts, ema: false }))).toEqual(Array.from(viaEma));
    expect(() => model.pass(2, true, 'ema')).toThrow(/a training pass reads the trained weights, not 'ema'/);
    model.destroy();
  });
});

describe('checkpoints', () => {
  async function trainedModel(seed: number) {
    const gpu = await getGpu();
    const model = new UNet(gpu, PRESETS.test);
    model.params.initialize(seed);
    const n = 40;
    const digits = { images: new Float32Array(n * 64).map((_, i) => (i % 7) / 7), labels: new Uint8Array(n).map((_, i) => i % 3), count: n };
    const tr = new Trainer(gpu, model, digits, { ...DEFAULT_TRAIN, batch: 2, schedule: DEFAULT_SCHEDULE });
    tr.encodeStep();
    tr.encodeStep();
    return { gpu, model };
  }
  const flats = async (m: UNet) => Promise.all((['params', 'ema', 'm', 'v'] as const).map(async (k) => Array.from(await m.params.flat(k).read())));

  it('round-trip weights, EMA and optimizer state with config, schedule and step in the metadata', async () => {
    const { gpu, model } = await trainedModel(1);
    const bytes = await checkpointBytes(model, { schedule: DEFAULT_SCHEDULE, step: 2 });
    const file = decodeSafetensors(bytes);
    expect(file.metadata.step).toBe('2');
    expect(JSON.parse(file.metadata.config)).toEqual(PRESETS.test);
    expect(file.tensors.get('model.conv_in.weight')!.shape).toEqual([6, 1, 3, 3]);
    const other = new UNet(gpu, PRESETS.test);
    other.params.initialize(99);
    const meta = loadCheckpoint(other, bytes);
    expect(meta.step).toBe(2);
    expect(await flats(other)).toEqual(await flats(model));
  });

  it('refuses truncated, foreign, mismatched and tampered files and leaves the model untouched', async () => {
    const { gpu, model } = await trainedModel(2);
    const good = await checkpointBytes(model, { schedule: DEFAULT_SCHEDULE, step: 2 });
    const target = new UNet(gpu, PRESETS.test);
    target.params.initialize(5);
    const before = await flats(target);
    expect(() => loadCheckpoint(target, good.slice(0, good.length - 100))).toThrow(/not a valid safetensors file: .*truncated/);
    expect(() => loadCheckpoint(target, good.slice(0, 5))).toThrow(/too short/);
    const foreign = encodeSafetensors([{ name: 'weight', shape: [2], data: new Float32Array(2) }], { format: 'pt' });
    expect(() => loadCheckpoint(target, foreign)).toThrow(/not a checkpoint of this project/);
    const bigger = new UNet(gpu, { ...PRESETS.test, timeEmbedDim: 12 });
    bigger.params.initialize(1);
    const mismatched = await checkpointBytes(bigger, { schedule: DEFAULT_SCHEDULE, step: 0 });
    expect(() => loadCheckpoint(target, mismatched)).toThrow(/model config differs/);
    const file = decodeSafetensors(good);
    const t = file.tensors.get('ema.conv_out.bias')!;
    const tampered = encodeSafetensors([...file.tensors.values()].map((x) => (x === t ? { ...t, shape: [1, 1], data: t.data } : x)), file.metadata);
    expect(() => loadCheckpoint(target, tampered)).toThrow(/tensor ema.conv_out.bias has shape \[1,1\], the model expects \[1\]/);
    const missing = encodeSafetensors([...file.tensors.values()].filter((x) => x.name !== 'optimizer.v.mid.attn.qkv.weight'), file.metadata);
    expect(() => loadCheckpoint(target, missing)).toThrow(/tensor optimizer.v.mid.attn.qkv.weight is missing/);
    expect(await flats(target)).toEqual(before);
  });
});

describe('command line', () => {
  const tsx = join('node_modules', '.bin', 'tsx');
  it('train writes a checkpoint and a PNG grid, and --resume continues from the saved step', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wd-train-'));
    const cfg = join(dir, 'mini.json');
    writeFileSync(cfg, JSON.stringify(MINI));
    const common = ['--config', cfg, '--batch', '2', '--sample-every', '2', '--loss-every', '1', '--sample-steps', '2', '--no-autotune'];
    const first = execFileSync(tsx, ['cli/train.ts', ...common, '--steps', '2', '--prediction', 'v', '--min-snr', '5', '--out', dir], { encoding: 'utf8', stdio: 'pipe' });
    expect(first).toMatch(/checkpoint: .*checkpoint\.safetensors/);
    expect(first).toMatch(/v-prediction, min-SNR-5 weighted MSE/);
    const ck = join(dir, 'checkpoint.safetensors');
    const meta = decodeSafetensors(new Uint8Array(readFileSync(ck))).metadata;
    expect(meta.step).toBe('2');
    expect(JSON.parse(meta.schedule).predictionType).toBe('v_prediction');
    expect(JSON.parse(meta.train).minSnrGamma).toBe(5);
    // The checkpoint decides what the model outputs; asking for the other one is refused before any GPU work.
    const clash = spawnSync(tsx, ['cli/train.ts', ...common, '--steps', '3', '--resume', ck, '--prediction', 'eps', '--out', dir], { encoding: 'utf8' });
    expect(clash.status).toBe(2);
    expect(clash.stderr).toMatch(/^error: --prediction eps: the model of --resume was trained with v-prediction\n/);
    expect(readFileSync(join(dir, 'samples_step000002.png')).subarray(1, 4).toString()).toBe('PNG');
    const second = execFileSync(tsx, ['cli/train.ts', ...common, '--steps', '3', '--resume', ck, '--out', dir], { encoding: 'utf8', stdio: 'pipe' });
    expect(second).toMatch(/resumed .* at step 2/);
    expect(second).toMatch(/v-prediction/);
    expect(second).toMatch(/done: 1 steps/);
    expect(decodeSafetensors(new Uint8Array(readFileSync(ck))).metadata.step).toBe('3');
    const done = spawnSync(tsx, ['cli/train.ts', '--resume', ck, '--steps', '3', '--out', dir], { encoding: 'utf8' });
    expect(done.status).toBe(2);
    expect(done.stderr).toMatch(/^error: --steps 3 is the total to reach, but .* is already at step 3; give a larger --steps/);
    const bad = spawnSync(tsx, ['cli/train.ts', '--config', 'huge'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: --config must be a preset \(tiny, small, test\) or a \.json file, got "huge"\nusage: npm run train/);
  });

  it('an --out that cannot be written is refused before any GPU work', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wd-out-'));
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    for (const [out, why] of [[join(file, 'run'), /is not a directory/], ['/proc/wd-runs/x', /ENOENT|EACCES|EROFS|EPERM/]] as const) {
      const r = spawnSync(tsx, ['cli/train.ts', '--out', out], { encoding: 'utf8' });
      expect(r.status, out).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^error: --out ${out} cannot be written \\(`));
      expect(r.stderr).toMatch(why);
      expect(r.stdout).not.toMatch(/adapter:/); // no GPU was set up
    }
  });

  it('--resume of a model-only file (no optimizer state) is refused with the flag that fits, before any GPU work', () => {
    const r = spawnSync(tsx, ['cli/train.ts', '--resume', 'pretrained/mnist-tiny.safetensors', '--steps', '100000'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: --resume pretrained\/mnist-tiny\.safetensors holds model weights only \(no optimizer state\); start from them with --from/);
    expect(r.stdout).not.toMatch(/adapter:/);
  });

  it('Ctrl-C saves a checkpoint at the step reached, says where, and --resume continues from it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wd-sig-'));
    const cfg = join(dir, 'mini.json');
    writeFileSync(cfg, JSON.stringify(MINI));
    // As `npm run train` starts it (one process: tsx's relay would SIGKILL a child busy for >60 ms).
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/train.ts', '--config', cfg, '--batch', '2', '--steps', '100000', '--sample-every', '100000', '--sample-steps', '2', '--loss-every', '1', '--no-autotune', '--out', dir]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      // The progress bar (stderr) says a few steps have run: interrupt.
      const steps = [...err.matchAll(/step (\d+)\/100000/g)].map((m) => Number(m[1]));
      // Twice within a moment, as a terminal's Ctrl-C plus npm's forwarding deliver it: still one save, not a quit.
      if (steps.some((n) => n >= 3) && !child.killed) {
        child.kill('SIGINT');
        setTimeout(() => child.kill('SIGINT'), 100);
      }
    });
    const code = await new Promise<number | null>((res) => child.on('close', res));
    expect(code).toBe(130);
    const m = out.match(/interrupted \(SIGINT\) at step (\d+); checkpoint: (.*checkpoint\.safetensors)/);
    expect(m, out).not.toBeNull();
    const step = Number(m![1]);
    expect(decodeSafetensors(new Uint8Array(readFileSync(m![2]))).metadata.step).toBe(String(step));
    const resumed = execFileSync(tsx, ['cli/train.ts', '--resume', m![2], '--steps', String(step + 1), '--sample-steps', '2', '--no-autotune'], { encoding: 'utf8', stdio: 'pipe' });
    expect(resumed).toMatch(new RegExp(`resumed .* at step ${step}`));
    expect(resumed).toContain(`checkpoint: ${join(dir, 'checkpoint.safetensors')}`); // no --out: back where it was
    expect(resumed).toMatch(/batch 2,/); // the checkpoint's batch, not the CLI default
    expect(resumed).toMatch(/done: 1 steps/);
    // The same run straight through to that step ends with the same weights: the resume lost nothing (the
    // Philox key is the seed and the step; optimizer moments and EMA come from the checkpoint).
    const straight = mkdtempSync(join(tmpdir(), 'wd-straight-'));
    execFileSync(tsx, ['cli/train.ts', '--config', cfg, '--batch', '2', '--steps', String(step + 1), '--sample-every', '100000', '--sample-steps', '2', '--loss-every', '1', '--no-autotune', '--out', straight], { stdio: 'pipe' });
    const weights = (f: string) => decodeSafetensors(new Uint8Array(readFileSync(join(f, 'checkpoint.safetensors')))).tensors;
    const [a, b] = [weights(dir), weights(straight)];
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [name, t] of a) {
      const u = b.get(name)!.data;
      const worst = t.data.reduce((m, v, i) => Math.max(m, Math.abs(v - u[i])), 0);
      expect(worst, name).toBeLessThan(1e-6);
    }
  });

  it('sample writes a PNG and .npy from a checkpoint; bad flags get a one-line usage error', async () => {
    const { model } = await (async () => {
      const gpu = await getGpu();
      const m = new UNet(gpu, PRESETS.test);
      m.params.initialize(4);
      return { model: m };
    })();
    const dir = mkdtempSync(join(tmpdir(), 'wd-'));
    const ck = join(dir, 'c.safetensors');
    writeFileSync(ck, await checkpointBytes(model, { schedule: DEFAULT_SCHEDULE, step: 0 }));
    const said = execFileSync(tsx, ['cli/sample.ts', '--checkpoint', ck, '--steps', '3', '--n', '4', '--class', '1', '--guidance', '2', '--precision', 'f16', '--out', join(dir, 'g.png'), '--raw', join(dir, 's.npy'), '--no-autotune'], { encoding: 'utf8', stdio: 'pipe' });
    // The summary says the f16 convolutions ran where they can; elsewhere a line says f32 runs instead.
    expect(said).toMatch((await getGpu()).hasSubgroups8 ? /\(ddim, 3 steps, η 1, guidance 2 in σ \(0\.3, 5\], f16 convs\)/ : /this adapter runs the f32 kernels/);
    const png = readFileSync(join(dir, 'g.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const npy = readFileSync(join(dir, 's.npy'));
    expect(npy.subarray(1, 6).toString()).toBe('NUMPY');
    expect(npy.toString('latin1', 10, 80)).toContain("'shape': (4, 1, 8, 8)");
    const bad = spawnSync(tsx, ['cli/sample.ts', '--checkpoint', ck, '--n', 'abc'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: --n must be an integer in \[1, 4096\], got "abc"\nusage: npm run sample/);
    expect(bad.stderr).not.toMatch(/at .*\.ts:\d+/);
    const missing = spawnSync(tsx, ['cli/sample.ts', '--checkpoint', join(dir, 'nope.safetensors')], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toBe(`error: checkpoint ${join(dir, 'nope.safetensors')} does not exist`);
    expect(existsSync(join(dir, 'nope.safetensors'))).toBe(false);
    // A file that is not a checkpoint: the error names it.
    const notCk = spawnSync(tsx, ['cli/sample.ts', '--checkpoint', join(dir, 'g.png')], { encoding: 'utf8' });
    expect(notCk.status).toBe(1);
    expect(notCk.stderr.trim()).toMatch(new RegExp(`^error: ${join(dir, 'g.png').replace(/[.\\/]/g, '\\$&')}: not a valid safetensors file: `, 'i'));
  });
});
