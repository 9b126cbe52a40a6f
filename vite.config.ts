// Vite: builds the browser pages (index.html: the trainer; bench.html: the benchmark runner) and runs the
// test suite (vitest in Node with Dawn; the browser tests drive the built pages with puppeteer).
import { defineConfig } from 'vitest/config';
import { resolve } from 'node:path';
import { mnistAssetPlugin } from './web/mnist-asset.ts';
import { wasmPeerPlugin } from './bench/vite-wasm-peer.ts';

export default defineConfig({
  root: '.',
  // bench.html is served cross-origin isolated, for the TensorFlow.js WASM peer's threads (index.html is not).
  plugins: [mnistAssetPlugin(), wasmPeerPlugin()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: { main: resolve(import.meta.dirname, 'index.html'), bench: resolve(import.meta.dirname, 'bench.html') } },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Dawn's Node binding is not safe in worker threads; each test file gets its own process.
    pool: 'forks',
    testTimeout: 600_000,
    hookTimeout: 600_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test/artifacts/vitest.json' },
  },
});
