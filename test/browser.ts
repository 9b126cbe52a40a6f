// Helpers for the browser tests: build the pages with Vite, serve dist/ on localhost (vite preview), and
// launch headless Chromium with WebGPU (the system Chromium when present: SwiftShader on GPU-less machines).
import { existsSync } from 'node:fs';
import { build, preview, type PreviewServer } from 'vite';
import puppeteer, { type Browser } from 'puppeteer';

export const CHROMIUM_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

export function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) if (existsSync(p)) return p;
  return undefined; // puppeteer's own download, where there is one
}

export async function buildAndServe(): Promise<{ server: PreviewServer; url: string }> {
  await build({ logLevel: 'warn' });
  const server = await preview({ preview: { port: 0, host: '127.0.0.1' }, logLevel: 'warn' });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a URL');
  return { server, url };
}

export async function launch(): Promise<Browser> {
  return puppeteer.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_FLAGS, protocolTimeout: 600_000 });
}
