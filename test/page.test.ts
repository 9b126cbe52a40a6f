// The in-browser trainer, driven in real headless Chromium (WebGPU on SwiftShader here): training starts
// and the step and loss advance, a non-blank sample grid appears with scores (from an untrained classifier
// written for the test: the plumbing, not the numbers), pause ends the run within the step in hand and
// autosaves, a downloaded checkpoint uploads back (a corrupt one is refused); after a reload the page offers
// the saved run and goes on from it; Reset/Upload cycles and training leave the GPU memory the buffer pool
// holds flat; a lost device is replaced and the run continues from its autosave; the shipped model draws at
// once; mouse strokes on the sketch pad become digits and a painted mask is inpainted with the rest kept
// exactly; a folder of the user's RGB images (class subfolders, a corrupt file listed as skipped) trains an
// RGB model whose checkpoint records the set, which a different set refuses and a zip of the same shape takes.
// No request fails and nothing is logged as an error. Screenshots go to test/artifacts/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, ElementHandle, Page } from 'puppeteer';
import type { PreviewServer } from 'vite';
import { buildAndServe, launch } from './browser.ts';
import { createNodeGpu } from '../src/platform/node.ts';
import { Classifier, classifierBytes } from '../src/model/classifier.ts';
import { readCheckpointMeta } from '../src/io/checkpoint.ts';
import { DEFAULT_SAMPLING, formatGuidanceInterval } from '../src/diffusion/sampler.ts';
import { zipSync } from 'fflate';
import { BLUE, folderOf, pngBytes, RED } from './image-fixtures.ts';

let server: PreviewServer;
let browser: Browser;
let page: Page;
let url: string;
const problems: string[] = [];
/** The checkpoint the first test downloads (later tests upload it), and the step of its autosave. */
let checkpointFile = '';
let autosaved = 0;

const text = (id: string) => page.$eval(`[data-testid="${id}"]`, (e) => e.textContent ?? '');
async function waitText(id: string, pred: string, timeout = 300_000) {
  try {
    await page.waitForFunction((i, p) => new RegExp(p).test(document.querySelector(`[data-testid="${i}"]`)?.textContent ?? ''), { timeout, polling: 250 }, id, pred);
  } catch (e) {
    throw new Error(`waiting for ${id} to match /${pred}/: it reads "${await text(id)}" (error: "${await text('error')}"): ${(e as Error).message}`);
  }
}
/** Sets an input and fires `change`, as a person editing it does. */
async function setValue(id: string, v: string) {
  await page.$eval(`[data-testid="${id}"]`, (e, value) => {
    (e as HTMLInputElement).value = value;
    e.dispatchEvent(new Event('change'));
  }, v);
}
const stats = () => page.evaluate(() => window.webgpuDiffusion!.stats());
const stepAtLeast = (n: number) => page.waitForFunction((k) => Number(document.querySelector('[data-testid="step"]')?.textContent) >= k, { timeout: 300_000, polling: 250 }, n);
const upload = async (id: string, file: string) => ((await page.$(`[data-testid="${id}"]`)) as ElementHandle<HTMLInputElement>).uploadFile(file);

/** Clicks Download checkpoint and returns the file's path once the browser has written it. */
async function downloadCheckpoint(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'wd-dl-'));
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir });
  await page.click('[data-testid="download"]');
  await waitText('status', 'downloaded');
  for (let i = 0; i < 100; i++) {
    const ck = readdirSync(dir).find((f) => f.endsWith('.safetensors'));
    if (ck) return join(dir, ck);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the checkpoint download did not arrive');
}

/** Clicks Pause at a known step; returns that step and the step the run ended at. */
async function pauseNow(): Promise<{ clicked: number; ended: number }> {
  const clicked = await page.evaluate(() => {
    const s = window.webgpuDiffusion!.stats().step;
    (document.querySelector('[data-testid="pause"]') as HTMLButtonElement).click();
    return s;
  });
  await waitText('state', '^paused$', 120_000);
  return { clicked, ended: (await stats()).step };
}

async function openPage() {
  await page.goto(url);
  await waitText('status', 'Press Start');
}

beforeAll(async () => {
  const gpu = await createNodeGpu();
  const clf = new Classifier(gpu);
  clf.params.initialize(9);
  const clfPath = join(mkdtempSync(join(tmpdir(), 'wd-page-')), 'classifier.safetensors');
  writeFileSync(clfPath, await classifierBytes(clf, { accuracy: 0.1, testCount: 0, steps: 0 }));
  gpu.destroy();
  process.env.CLASSIFIER_PATH = clfPath; // read by the Vite plugin (web/mnist-asset.ts) during the build
  ({ server, url } = await buildAndServe());
  delete process.env.CLASSIFIER_PATH;
  browser = await launch();
  page = await browser.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e}`));
  page.on('console', (m) => void (m.type() === 'error' && problems.push(`console error: ${m.text()}`)));
  page.on('response', (r) => void (r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`)));
  await page.setViewport({ width: 1280, height: 1000 });
  await openPage();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('browser trainer page', () => {
  it('trains, samples, pauses within a step and autosaves, and round-trips a checkpoint', async () => {
    expect(await text('adapter')).toMatch(/adapter: /);
    expect(await page.$eval('#gridHint', (e) => (e as HTMLElement).hidden)).toBe(false); // empty panels say what will come
    await setValue('batch', '2');
    await setValue('grid-every', '6');
    await setValue('grid-steps', '3');
    await setValue('autosave-every', '1000');
    await page.click('[data-testid="start"]');
    await stepAtLeast(2);
    // A model control during a run waits for Reset, and says so; a live one applies at the next step.
    await setValue('preset', 'small');
    await waitText('reset-note', 'preset small: takes effect at Reset');
    await setValue('preset', 'tiny');
    expect(await page.$eval('[data-testid="reset-note"]', (e) => (e as HTMLElement).hidden)).toBe(true);
    await setValue('lr', '0.002');
    await waitText('status', '^learning rate 0.002 from the next step');
    await stepAtLeast(8);
    expect(Number(await text('loss'))).toBeGreaterThan(0);
    expect(await text('wall-ms')).toMatch(/^\d/);
    expect(await text('eta')).toMatch(/^\d+:\d\d(:\d\d)?$/); // h:mm:ss, not raw seconds
    // The grid is drawn after step 6: wait until a fifth of the canvas differs from its empty background.
    await page.waitForFunction(() => {
      const c = document.querySelector('[data-testid="sample-grid"]') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let drawn = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] !== 40) drawn++;
      return drawn > d.length / 4 / 5;
    }, { timeout: 300_000, polling: 1000 });
    await waitText('scores', 'Fréchet distance');
    expect(await text('scores')).toMatch(/SWD ×1e3, level 28px/);
    expect(await text('scores')).toMatch(/digit accuracy/);

    const { clicked, ended } = await pauseNow();
    expect(ended - clicked).toBeLessThanOrEqual(1); // the step in hand, no queue running on
    expect(await text('step')).toBe(String(ended)); // stats show where it stopped
    expect(await text('saved')).toMatch(new RegExp(`^step ${ended},`)); // autosaved on pause
    autosaved = ended;
    await new Promise((r) => setTimeout(r, 3000));
    expect((await stats()).step).toBe(ended);

    checkpointFile = await downloadCheckpoint();
    const dir = dirname(checkpointFile);
    await upload('upload', checkpointFile);
    await waitText('status', `loaded .*step ${ended}`);
    expect(await text('step')).toBe(String(ended));
    expect(await page.$eval('[data-testid="lr"]', (e) => (e as HTMLInputElement).value)).toBe('0.002'); // the checkpoint's settings

    const bad = join(dir, 'corrupt.safetensors');
    writeFileSync(bad, Buffer.from('this is not a checkpoint at all'));
    await upload('upload', bad);
    await waitText('error', 'Upload refused, the current model is unchanged');
    await upload('upload-classifier', bad);
    await waitText('error', 'Classifier refused, the current one is unchanged');
    expect(await text('step')).toBe(String(ended));

    mkdirSync('test/artifacts', { recursive: true });
    await page.screenshot({ path: 'test/artifacts/browser-trainer.png', fullPage: true });
    expect(problems).toEqual([]);
  });

  it('after a reload, offers the autosaved run and goes on from it', async () => {
    const saved = autosaved;
    await openPage();
    await waitText('saved-run', `step ${saved} of`);
    expect(await page.$eval('[data-testid="saved-run"]', (e) => (e as HTMLElement).hidden)).toBe(false);
    await page.click('[data-testid="resume-saved"]');
    await waitText('status', `restored the saved run at step ${saved}`);
    expect(await text('step')).toBe(String(saved));
    expect(await page.$eval('#chartHint', (e) => (e as HTMLElement).hidden)).toBe(true); // the loss history came back
    expect(await text('start')).toBe('Resume');
    await setValue('grid-every', '1000');
    await page.click('[data-testid="start"]');
    await stepAtLeast(saved + 2);
    await pauseNow();
    expect(problems).toEqual([]);
  });

  it('Reset and Upload free what they replace: the pool holds as much GPU memory after cycles as after one', async () => {
    await setValue('grid-every', '1000');
    await setValue('autosave-every', '1000');
    const cycle = async () => {
      await upload('upload', checkpointFile);
      await waitText('status', 'loaded ');
      const from = (await stats()).step;
      await page.click('[data-testid="start"]');
      await stepAtLeast(from + 2);
      await pauseNow();
      await page.click('[data-testid="reset"]');
      await waitText('status', '^reset: ');
      expect((await stats()).step).toBe(0);
    };
    await cycle(); // builds each pass once: what every cycle needs
    const before = await stats();
    for (let i = 0; i < 3; i++) await cycle();
    const after = await stats();
    console.log(`pool after one cycle: ${before.pooledBytes} bytes in ${before.buffersCreated} buffers; after four: ${after.pooledBytes} in ${after.buffersCreated}`);
    expect(after.pooledBytes).toBe(before.pooledBytes);
    expect(after.buffersCreated).toBe(before.buffersCreated);
    expect(problems).toEqual([]);
  });

  it('a lost device is replaced and the run goes on from its autosave', async () => {
    await upload('upload', checkpointFile);
    await waitText('status', 'loaded ');
    await setValue('autosave-every', '2');
    const from = (await stats()).step;
    await page.click('[data-testid="start"]');
    await page.waitForFunction((f) => Number(document.querySelector('[data-testid="saved"]')?.textContent?.match(/^step (\d+)/)?.[1]) > f, { timeout: 300_000, polling: 250 }, from);
    await page.evaluate(() => window.webgpuDiffusion!.simulateDeviceLoss());
    await waitText('error', 'The GPU device was lost .*A new device took over from the autosave of step \\d+; training goes on', 120_000);
    const restored = Number((await text('error')).match(/autosave of step (\d+)/)![1]);
    await stepAtLeast(restored + 2);
    expect(await text('state')).toBe('training');
    await pauseNow();
    expect(problems).toEqual([]);
  });

  it('loads the shipped model and draws with it at once', async () => {
    const before = await page.$eval('[data-testid="sample-grid"]', (c) => (c as HTMLCanvasElement).toDataURL());
    await page.click('[data-testid="load-pretrained"]');
    await waitText('status', 'pretrained model mnist-tiny: \\d+ training steps');
    expect(await text('state')).toBe('paused');
    // A fresh grid: most of the canvas differs from the background.
    const drawn = await page.$eval('[data-testid="sample-grid"]', (c) => {
      const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] !== 40) n++;
      return n / (d.length / 4);
    });
    expect(drawn).toBeGreaterThan(0.5);
    expect(await page.$eval('[data-testid="sample-grid"]', (c) => (c as HTMLCanvasElement).toDataURL())).not.toBe(before);
    await page.screenshot({ path: 'test/artifacts/browser-pretrained.png', fullPage: true });
    // The guidance interval field holds the default and refuses a reversed interval before sampling.
    expect(await page.$eval('[data-testid="guidance-interval"]', (e) => (e as HTMLInputElement).value)).toBe(formatGuidanceInterval(DEFAULT_SAMPLING.guidanceInterval));
    await setValue('guidance-interval', '5,0.3');
    await page.click('[data-testid="sample"]');
    await waitText('error', '^guide at σ: the guidance interval must be σ_lo,σ_hi');
    // A valid interval other than the default reaches the sampler: a few steps guided only at σ ∈ (1, 20].
    await setValue('sample-steps', '4');
    await setValue('guidance-interval', '1,20');
    await page.click('[data-testid="sample"]');
    await waitText('status', '^sampled with ddim, 4 steps');
    expect(await page.$eval('[data-testid="error"]', (e) => (e as HTMLElement).hidden)).toBe(true);
    await setValue('guidance-interval', formatGuidanceInterval(DEFAULT_SAMPLING.guidanceInterval));
    await setValue('sample-steps', '25');
    expect(problems).toEqual([]);
  });

  it('sketch pad: strokes drawn with the mouse become digits (image-to-image), a painted mask is inpainted with the rest kept exactly', async () => {
    // The test before leaves the shipped model loaded; run alone (-t), this one loads it.
    if (!/^pretrained model mnist-tiny/.test(await text('status'))) {
      await page.click('[data-testid="load-pretrained"]');
      await waitText('status', 'pretrained model mnist-tiny: \\d+ training steps');
    }
    await setValue('sample-steps', '10'); // a short run on a CPU adapter
    await setValue('sampler', 'ddim');

    // A "7": a bar along the top, then a stroke down to the lower left, drawn as a mouse drag.
    // page.mouse works in viewport coordinates: the pad is scrolled into view first (clicks elsewhere move it).
    const drag = async (points: (readonly [number, number])[]) => {
      const pad = (await page.$('[data-testid="sketch-pad"]'))!;
      await pad.scrollIntoView();
      const box = (await pad.boundingBox())!;
      const at = (fx: number, fy: number) => [box.x + fx * box.width, box.y + fy * box.height] as const;
      await page.mouse.move(...at(...points[0]));
      await page.mouse.down();
      for (const p of points.slice(1)) await page.mouse.move(...at(...p), { steps: 12 });
      await page.mouse.up();
    };
    await drag([[0.25, 0.22], [0.72, 0.22], [0.42, 0.85]]);
    const probe = () => page.evaluate(() => window.webgpuDiffusion!.sketch());
    const drawn = await probe();
    expect(drawn.sketch.filter((v) => v > 0.5).length).toBeGreaterThan(30); // the strokes reached the layer
    expect(drawn.mask.every((v) => v === 0)).toBe(true);

    await page.click('[data-testid="sketch-run"]');
    await waitText('status', '^image-to-image: 8 samples with ddim, 8 of 10 steps');
    const inked = (id: string) => page.$eval(`[data-testid="${id}"]`, (c) => {
      const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] !== 40) n++; // 40: the grid's background
      return n / (d.length / 4);
    });
    expect(await inked('sketch-grid')).toBeGreaterThan(0.5);
    expect(await inked('sketch-film')).toBeGreaterThan(0.3);
    const i2i = (await probe()).lastRun!;
    expect(i2i.task).toBe('image-to-image');
    expect(i2i.sketch).toEqual(drawn.sketch);
    const px = i2i.size * i2i.size;
    const meanDiff = i2i.samples.slice(0, px).reduce((a, v, i) => a + Math.abs(v - (2 * i2i.sketch[i] - 1)), 0) / px;
    expect(meanDiff).toBeGreaterThan(0.05); // the model redrew the sketch, it did not hand it back

    // Mask mode with nothing painted says so; then the left half is painted over with a wide brush.
    await page.click('[data-testid="sketch-layer-mask"]');
    await page.click('[data-testid="sketch-run"]');
    await waitText('error', '^the mask is empty');
    await setValue('sketch-size', '4');
    await drag([[0.12, 0.02], [0.12, 0.98]]);
    await drag([[0.38, 0.02], [0.38, 0.98]]);
    const masked = await probe();
    const covered = masked.mask.filter((v) => v === 1).length / px;
    expect(covered).toBeGreaterThan(0.3);
    expect(covered).toBeLessThan(0.7);
    expect(masked.mask.every((v, i) => v === 0 || i % 28 < 16)).toBe(true); // the right half stays kept
    await page.click('[data-testid="sketch-run"]');
    await waitText('status', '^inpainting: 8 samples with ddim');
    const inp = (await probe()).lastRun!;
    expect(inp.task).toBe('inpainting');
    expect(inp.mask).toEqual(masked.mask);
    let worstKept = 0;
    let changed = 0;
    for (let k = 0; k < inp.n; k++) {
      for (let i = 0; i < px; i++) {
        const d = Math.abs(inp.samples[k * px + i] - (2 * inp.sketch[i] - 1));
        if (inp.mask![i] === 0) worstKept = Math.max(worstKept, d);
        else if (d > 0.1) changed++;
      }
    }
    expect(worstKept).toBeLessThan(1e-5); // the kept half is the sketch's
    expect(changed).toBeGreaterThan(inp.n * 10); // the masked half was redrawn
    expect(await inked('sketch-grid')).toBeGreaterThan(0.5);
    mkdirSync('test/artifacts', { recursive: true });
    await (await page.$('[data-testid="sketch-panel"]'))!.screenshot({ path: 'test/artifacts/browser-sketch.png' });

    // Uploads: a file that is no image is refused in words; a PNG becomes the sketch and clears the mask.
    const dir = mkdtempSync(join(tmpdir(), 'wd-sketch-'));
    writeFileSync(join(dir, 'notes.png'), 'not an image');
    await upload('sketch-upload', join(dir, 'notes.png'));
    await waitText('error', '^notes.png is not an image this browser can read');
    await upload('sketch-upload', 'docs/examples/digit-3.png');
    await waitText('status', '^digit-3.png is the sketch now');
    const uploaded = await probe();
    expect(uploaded.mask.every((v) => v === 0)).toBe(true);
    expect(uploaded.sketch.filter((v) => v > 0.5).length).toBeGreaterThan(30);
    expect(uploaded.sketch).not.toEqual(drawn.sketch);

    // Without a model, Run says what to do first.
    await page.click('[data-testid="reset"]');
    await waitText('status', '^reset: ');
    await page.click('[data-testid="sketch-run"]');
    await waitText('error', '^no model yet: load the pretrained model');
    expect(problems).toEqual([]);
  });

  it('trains on your own images: a folder with class subfolders, RGB, a corrupt file listed as skipped; the checkpoint records the set', async () => {
    await page.click('[data-testid="reset"]'); // run alone (-t) or after the others: no model, a new one on Start
    await waitText('status', '^reset: ');
    const shapes = {
      'reds/r1.png': pngBytes(16, 16, () => RED),
      'reds/r2.png': pngBytes(24, 12, (x) => (x % 4 < 2 ? RED : [250, 200, 40])),
      'blues/b1.png': pngBytes(8, 8, () => BLUE),
      'blues/b2.png': pngBytes(20, 20, (x, y) => ((x + y) % 6 < 3 ? BLUE : [40, 200, 90])),
      'blues/broken.png': pngBytes(16, 16, () => BLUE).subarray(0, 50),
    };
    const root = folderOf(Object.fromEntries(Object.entries(shapes).map(([p, b]) => [`shapes/${p}`, b])), 'wd-page-images-');

    // A pick with no usable image: one line, the list of what was skipped, and the set stays MNIST.
    writeFileSync(join(root, 'notes.png'), 'not an image');
    await upload('images-pick', join(root, 'notes.png'));
    await waitText('error', '^no usable image in the folder \\(1 file skipped; notes\\.png: not an image this browser can read\\); the training set is still mnist$');
    expect(await text('skipped')).toBe('notes.png: not an image this browser can read');
    expect(await text('dataset')).toMatch(/^mnist: 8,000 images/);
    expect(await text('state')).toBe('idle');

    // The folder picker (webkitdirectory): paths under shapes/ give the classes; the corrupt PNG is skipped.
    await upload('images-folder', join(root, 'shapes'));
    await waitText('status', '^training set: shapes: 4 images, 28×28 RGB, 2 classes \\(blues, reds\\); Start trains a new model on it');
    expect(await text('skipped')).toBe('shapes/blues/broken.png: damaged PNG file');
    expect(await text('skipped-title')).toBe('1 file skipped:');

    await setValue('batch', '2');
    await setValue('target', '4');
    await setValue('grid-every', '2');
    await setValue('grid-steps', '2');
    await setValue('autosave-every', '1000');
    await page.click('[data-testid="start"]');
    await waitText('state', '^done$');
    expect(await text('step')).toBe('4');
    // The grid is in colour: many pixels whose R, G and B differ (a grey grid has none).
    const colourful = await page.$eval('[data-testid="sample-grid"]', (c) => {
      const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.max(Math.abs(d[i] - d[i + 1]), Math.abs(d[i + 1] - d[i + 2])) > 30) n++;
      return n / (d.length / 4);
    });
    expect(colourful).toBeGreaterThan(0.2);
    expect(await text('scores')).toBe('no scores: they compare samples with MNIST digits, and this model trains on shapes');
    expect(await page.$$eval('[data-testid="digit"] option', (os) => os.map((o) => o.textContent))).toEqual(['all', 'blues', 'reds']);
    mkdirSync('test/artifacts', { recursive: true });
    await page.screenshot({ path: 'test/artifacts/browser-own-images.png', fullPage: true });

    const file = await downloadCheckpoint();
    const meta = readCheckpointMeta(new Uint8Array(readFileSync(file)));
    expect(meta.dataset).toEqual({ name: 'shapes', kind: 'folder', source: 'shapes', count: 4, channels: 3, size: 28, classNames: ['blues', 'reds'] });
    expect([meta.config.inChannels, meta.config.classes, meta.step]).toEqual([3, 2, 4]);

    // Back on MNIST, the RGB checkpoint is refused with what it needs; a zip of the same shape takes it.
    await page.click('[data-testid="use-mnist"]');
    await waitText('status', '^training set: mnist: 8,000 images, 28×28 grey, 10 classes');
    await waitText('reset-note', 'training set mnist: takes effect at Reset');
    await upload('upload', file);
    await waitText('error', "^Upload refused, the current model is unchanged: it trained on shapes \\(RGB, 2 classes\\), and the training set here is mnist: its images are grey \\(1 channel\\) but the checkpoint's model takes RGB \\(3 channels\\)\\. Choose its images");
    const zip = join(root, 'pets.zip');
    writeFileSync(zip, zipSync(Object.fromEntries(Object.entries(shapes).map(([p, b]) => [`pets/${p}`, b]))));
    await upload('images-pick', zip);
    await waitText('status', '^training set: pets: 4 images, 28×28 RGB, 2 classes \\(blues, reds\\)');
    expect(await text('skipped')).toBe('pets.zip:pets/blues/broken.png: damaged PNG file');
    await setValue('images-channels', '1'); // forced grey: the same files read again
    await waitText('status', '^training set: pets: 4 images, 28×28 grey, 2 classes');
    await setValue('images-channels', 'auto');
    await waitText('status', '^training set: pets: 4 images, 28×28 RGB, 2 classes');
    await upload('upload', file);
    await waitText('status', 'loaded .*step 4, .*Resume goes on from there \\(it trained on shapes; it goes on with pets\\)$');
    expect(problems).toEqual([]);
  });
});
