// Vite: builds the browser page (web/) and runs the test suite (vitest, Node + Dawn, and puppeteer tests).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: '.',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  test: {
    include: ['test/**/*.test.ts'],
    // Dawn's Node binding is not safe in worker threads; each test file gets its own process.
    pool: 'forks',
    testTimeout: 180_000,
    hookTimeout: 180_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test/artifacts/vitest.json' },
  },
});
