// The in-browser trainer, driven in real headless Chromium (WebGPU on SwiftShader here): training starts
// and the step and loss advance, a non-blank sample grid appears, pause stops the steps, and a downloaded
// checkpoint uploads back (a corrupt one is refused), and the sample-quality scores appear when a classifier
// file is served (here an untrained one written for the test: the plumbing, not the numbers, is checked).
// Saves a screenshot to test/artifacts/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer';
import type { PreviewServer } from 'vite';
import { buildAndServe, launch } from './browser.ts';
import { createNodeGpu } from '../src/platform/node.ts';
import { Classifier, classifierBytes } from '../src/model/classifier.ts';

let server: PreviewServer;
let browser: Browser;
let page: Page;
let url: string;
const errors: string[] = [];

const text = (id: string) => page.$eval(`[data-testid="${id}"]`, (e) => e.textContent ?? '');
async function waitText(id: string, pred: string, timeout = 300_000) {
  try {
    await page.waitForFunction((i, p) => new RegExp(p).test(document.querySelector(`[data-testid="${i}"]`)?.textContent ?? ''), { timeout, polling: 250 }, id, pred);
  } catch (e) {
    throw new Error(`waiting for ${id} to match /${pred}/: it reads "${await text(id)}" (error: "${await text('error')}"): ${(e as Error).message}`);
  }
}
async function setValue(id: string, v: string) {
  await page.$eval(`[data-testid="${id}"]`, (e, value) => ((e as HTMLInputElement).value = value), v);
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
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('browser trainer page', () => {
  it('trains, samples, pauses, and round-trips a checkpoint', async () => {
    await waitText('status', 'Press Start');
    expect(await text('adapter')).toMatch(/adapter: /);
    await setValue('batch', '2');
    await setValue('grid-every', '10');
    await setValue('grid-steps', '3');
    await page.click('[data-testid="start"]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="step"]')?.textContent) >= 10, { timeout: 300_000, polling: 500 });
    expect(Number(await text('loss'))).toBeGreaterThan(0);
    // The grid is drawn after step 10: wait until a fifth of the canvas differs from its empty background.
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

    await page.click('[data-testid="pause"]');
    await waitText('state', '^paused$');
    const stopped = Number(await text('step'));
    await new Promise((r) => setTimeout(r, 3000));
    expect(Number(await text('step'))).toBe(stopped);

    const dir = mkdtempSync(join(tmpdir(), 'wd-dl-'));
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir });
    await page.click('[data-testid="download"]');
    await waitText('status', 'downloaded');
    let files: string[] = [];
    for (let i = 0; i < 100 && !files.some((f) => f.endsWith('.safetensors')); i++) {
      await new Promise((r) => setTimeout(r, 200));
      files = readdirSync(dir);
    }
    const ck = files.find((f) => f.endsWith('.safetensors'));
    expect(ck).toBeDefined();
    const input = (await page.$('[data-testid="upload"]'))!;
    await (input as import('puppeteer').ElementHandle<HTMLInputElement>).uploadFile(join(dir, ck!));
    await waitText('status', `loaded .*step ${stopped}`);

    const bad = join(dir, 'corrupt.safetensors');
    writeFileSync(bad, Buffer.from('this is not a checkpoint at all'));
    await (input as import('puppeteer').ElementHandle<HTMLInputElement>).uploadFile(bad);
    await waitText('error', 'Upload refused, the current model is unchanged');
    const clfInput = (await page.$('[data-testid="upload-classifier"]')) as import('puppeteer').ElementHandle<HTMLInputElement>;
    await clfInput.uploadFile(bad);
    await waitText('error', 'Classifier refused, the current one is unchanged');

    mkdirSync('test/artifacts', { recursive: true });
    await page.setViewport({ width: 1400, height: 1000 });
    await page.screenshot({ path: 'test/artifacts/browser-trainer.png', fullPage: true });
    expect(errors).toEqual([]);
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
    expect(errors).toEqual([]);
  });
});
