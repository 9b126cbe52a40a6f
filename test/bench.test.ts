// The benchmark runner and its report, from small runs: every kernel runs at smoke sizes in Node with small
// errors and the files are written; the CLI prints the adapter and its table once (a row per record); a
// Chromium run with all three peers (TensorFlow.js WebGPU, jax-js, TensorFlow.js WASM) gives an HTML report
// whose table has every row with named shape dimensions, the adapter in full, like-for-like ratio columns and
// the WASM peer's flavour, and whose charts give every row a labelled line and line up in pairs. Behaviour
// only: no timing is asserted.
import { CONV_VARIANTS } from '../src/runtime/policy.ts';
import { CONV_FORWARD_VARIANTS } from '../src/ops/conv2d.ts';
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { benchChromium, benchNode } from '../bench/runners.ts';
import { writeRun } from '../bench/report.ts';
import { fmtRatio, groupOf, type BenchRun } from '../bench/report-rows.ts';
import { consoleTable } from '../bench/table.ts';
import { shapeLabel } from '../bench/shapes.ts';
import { profileStep } from '../bench/profile.ts';
import { createNodeGpu } from '../src/platform/node.ts';
import { OP_TABLE } from './ops/table.ts';
import { launch } from './browser.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'bench-'));

describe('bench runner', () => {
  it('runs every kernel at smoke sizes and writes JSON, Markdown and HTML', async () => {
    const run = await benchNode({ sizes: ['smoke'], kernels: [], reps: 1, warmup: 0, e2e: null });
    const names = new Set(run.records.map((r) => `${r.name}.${r.direction}`));
    // Every op-table spec and direction (the suite names fused GroupNorm→SiLU rows groupnorm_silu), except
    // those this adapter has no kernel for (the f16 conv without 8-lane subgroups).
    const gpu = await createNodeGpu();
    for (const spec of OP_TABLE) {
      const k = `${spec.name === 'groupnorm' ? 'groupnorm_silu' : spec.name}.${spec.direction}`;
      const runs = spec.variants.some((v) => spec.cases.some((c) => c.tags.includes('smoke') && !spec.requires?.(gpu, v, c.s)));
      expect(names.has(k), k).toBe(runs);
    }
    gpu.destroy();
    expect(new Set(run.records.filter((r) => r.name === 'conv2d').map((r) => r.variant))).toEqual(new Set(CONV_VARIANTS));
    expect(new Set(run.records.filter((r) => r.name === 'attention').map((r) => r.variant))).toEqual(new Set(['row', 'rows4', 'lanes8']));
    for (const r of run.records) {
      expect(r.ms_median, `${r.name}.${r.direction}`).toBeGreaterThan(0);
      // Data movement (concat, split, upsample) counts no flops; it has bytes.
      expect(r.flops > 0 ? r.gflops : r.gbps, `${r.name}.${r.direction}`).toBeGreaterThan(0);
      expect(r.max_rel_err, `${r.name}.${r.direction} ${r.variant}`).toBeLessThan(1e-2);
      // Every row's shape reads with named dimensions (an unnamed one falls back to 16×8×28×…).
      expect(shapeLabel(r), `${r.name}.${r.direction}`).not.toContain('×');
    }
    const files = writeRun(tmp(), run);
    for (const f of files) expect(existsSync(f)).toBe(true);
    const json = JSON.parse(readFileSync(files[0], 'utf8'));
    expect(json.adapter.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(json.settings).toEqual({ sizes: ['smoke'], reps: 1, warmup: 0, kernels: [] });
    const md = readFileSync(files[1], 'utf8');
    // The kernels that ran are recorded: blocked runs its own entry points, direct the generic ones.
    expect(md).toMatch(/\| conv2d forward \| blocked \| N1 C4 H7 W7 O4 k3 s1 p1 \|.* conv2d_blocked\.pack, conv2d_blocked\.forward_k3s1 \|/);
    expect(md).toMatch(/\| conv2d forward \| direct \| N\d+ C\d+ H\d+ W\d+ O\d+ k\d s\d p\d \|.* conv2d\.forward \|/);
    expect(md).toMatch(/made for this adapter by measurement \(autotune\): reductions \*\*(tree|serial)\*\*/);
    expect(md).toMatch(/attention \*\*(row|rows4|lanes8)\*\* \(row [\d.]+ ms, rows4 [\d.]+ ms(, lanes8 [\d.]+ ms)?\)/);
    expect(md).toMatch(/concat \*\*(kernel|copies)\*\* \(kernel [\d.]+ ms, copies [\d.]+ ms\)/);
    expect(md).toMatch(/\| k3s1c16p784 \| \*\*(direct|blocked|blocked8|gemm|lanes|colanes)\*\* \(direct [\d.]+ ms/);
    expect(readFileSync(files[2], 'utf8')).toContain('new Chart(');
  });

  it('prints the adapter and the table once, one line per record (npm run bench -- --quick --node)', async () => {
    const dir = tmp();
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--node', '--kernels', 'conv2d.forward,adamw', '--out', dir], { maxBuffer: 1 << 24 });
    const json = readdirSync(dir).find((f) => f.endsWith('.json'))!;
    const run = JSON.parse(readFileSync(join(dir, json), 'utf8')) as BenchRun;
    expect(run.settings).toEqual({ sizes: ['smoke'], reps: 1, warmup: 0, kernels: ['conv2d.forward', 'adamw'] });
    expect(run.records.map((r) => `${r.name}.${r.direction}`)).toEqual([...Array(CONV_FORWARD_VARIANTS.length).fill('conv2d.forward'), 'adamw.update']);
    const lines = stdout.split('\n');
    const count = (l: string) => lines.filter((x) => x === l).length;
    expect(lines.filter((l) => l.startsWith('adapter: '))).toHaveLength(1);
    const table = consoleTable([]);
    for (const h of table.header) expect(count(h), h).toBe(1);
    for (const r of run.records) expect(count(table.row(r)), table.row(r)).toBe(1);
    expect(lines.filter((l) => l.startsWith('wrote '))).toHaveLength(3);
  });

  it('reports a Chromium run with all peers: every row, named shapes, the adapter in full, like-for-like ratios, charts for every row', async () => {
    const run = await benchChromium({ sizes: ['smoke'], kernels: ['conv2d.forward', 'conv2d.backward_weight', 'linear', 'attention.forward'], reps: 2, warmup: 0, e2e: null, tune: { probes: 1, rounds: 1 } }, 'tfjs,jaxjs,tfjs_wasm');
    // Developer features give the adapter's description and driver, not just "google swiftshader".
    expect(run.adapter.description).not.toBe('');
    expect(run.peers).toMatch(/tfjs .* jax-js .* tfjs .* wasm \((threaded SIMD|SIMD|plain), \d+ threads?/);
    // The WASM peer: its flavour recorded (bench.html is cross-origin isolated, so the threaded build can run),
    // and a time for every row it can express, the weight gradient through its composed kernel included.
    expect(run.peerDetails?.tfjs_wasm).toMatchObject({ simd: expect.any(Boolean), multithread: expect.any(Boolean), threads: expect.any(Number), crossOriginIsolated: true });
    for (const r of run.records) expect(r.peers.tfjs_wasm_ms, `${r.name}.${r.direction}`).toBeGreaterThan(0);
    if (run.adapter.features?.includes('timestamp-query')) {
      for (const key of ['tfjs_kernel_ms', 'jaxjs_kernel_ms'] as const) expect(run.records.some((r) => (r.peers[key] ?? 0) > 0), key).toBe(true);
    }
    const html = writeRun(tmp(), run)[2];
    const browser = await launch();
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 900 });
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
      const dom = await page.evaluate(() => {
        const all = (root: ParentNode, sel: string) => Array.from(root.querySelectorAll(sel)) as HTMLElement[];
        const table = all(document, 'table.rows')[0];
        const [groups, heads] = all(table, 'thead tr');
        return {
          facts: Object.fromEntries(all(document, '.facts tr').map((tr) => [tr.querySelector('th')!.textContent, tr.querySelector('td')!.textContent])),
          groups: groups.textContent,
          heads: all(heads, 'th').map((th) => th.innerText.replace(/\n/g, ' ')),
          rows: all(table, 'tbody tr').map((tr) => all(tr, 'td').map((td) => td.textContent ?? '')),
        };
      });
      expect(dom.facts.Adapter).toContain(run.adapter.description);
      expect(dom.facts.Adapter).toMatch(/^swiftshader|^lavapipe|^gpu/);
      expect(dom.groups).toMatch(/ours.*TensorFlow\.js.*jax-js.*TensorFlow\.js WASM.*vs CPU twin/);
      expect(dom.facts.Peers).toMatch(/TensorFlow\.js WASM ran tfjs-backend-wasm[-a-z]*\.wasm \(WASM_HAS_SIMD_SUPPORT (yes|no), WASM_HAS_MULTITHREAD_SUPPORT (yes|no), \d+ XNNPACK thread/);
      const at = (head: string, nth = 0) => dom.heads.map((h, i) => (h === head ? i : -1)).filter((i) => i >= 0)[nth];
      for (const h of ['kernel', 'variant', 'shape', 'kernels ms', 'op + readback ms', '÷ ours, op + readback', '÷ ours, kernels', 'kernels that ran']) expect(dom.heads, h).toContain(h);
      expect(dom.heads.filter((h) => h === '÷ ours, op + readback')).toHaveLength(3);
      expect(dom.heads.filter((h) => h === '÷ ours, kernels')).toHaveLength(2);
      // Every record is a row, in order, with its shape's dimensions named.
      expect(dom.rows).toHaveLength(run.records.length);
      const shapes: Record<string, RegExp> = { conv2d: /^N\d+ C\d+ H\d+ W\d+ O\d+ k\d+ s\d+ p\d+$/, linear: /^M\d+ K\d+ N\d+$/, attention: /^N\d+ C\d+ H\d+ W\d+ heads\d+$/ };
      run.records.forEach((r, i) => {
        const row = dom.rows[i];
        expect(row[at('variant')]).toBe(r.variant);
        expect(row[at('shape')]).toMatch(shapes[r.name]);
        expect(row[at('kernels that ran')]).toBe(r.kernels.join(', '));
        // Like for like (tfjs, jax-js, TF.js WASM in that order): peer op + readback ÷ our op + readback, and
        // peer kernels ÷ our kernels only where ours were timed by GPU timestamps (WASM has no kernel columns).
        (['tfjs', 'jaxjs', 'tfjs_wasm'] as const).forEach((p, k) => {
          const rb = r.peers[`${p}_ms`] ?? null;
          expect(row[at('÷ ours, op + readback', k)], `${p} ${i}`).toBe(fmtRatio(rb === null ? null : rb / r.ms_wall_readback));
          if (p === 'tfjs_wasm') return;
          const kern = r.peers[`${p}_kernel_ms`] ?? null;
          expect(row[at('÷ ours, kernels', k)], `${p} ${i}`).toBe(fmtRatio(kern === null || r.timing !== 'gpu-timestamp' ? null : kern / r.ms_median));
        });
      });
      // Charts: drawn at once (no animation), one labelled line per record (no skipped labels), sized for
      // their rows, and each time/ratio pair shares its plot area so rows line up.
      const charts = await page.evaluate(() =>
        Array.from(document.querySelectorAll('canvas')).map((c) => {
          // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Chart.js's global in the standalone file
          const ch = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): any } }).Chart.getChart(c);
          const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          let inked = 0;
          for (let i = 3; i < px.length; i += 4) if (px[i] > 0) inked++;
          return { id: c.id, height: c.clientHeight, labels: ch.data.labels.length, ticks: ch.scales.y.ticks.length, animation: ch.options.animation, top: ch.chartArea.top, bottom: ch.chartArea.bottom, inked };
        }),
      );
      const time = charts.filter((c) => c.id.endsWith('-time'));
      expect(time).toHaveLength(new Set(run.records.map(groupOf)).size);
      expect(time.reduce((a, c) => a + c.labels, 0)).toBe(run.records.length);
      for (const c of charts) {
        expect(c.animation, c.id).toBe(false);
        expect(c.ticks, c.id).toBe(c.labels);
        expect(c.height, c.id).toBeGreaterThanOrEqual(30 * c.labels);
        expect(c.inked, c.id).toBeGreaterThan(0);
        const pair = charts.find((d) => d.id === c.id.replace(/-(time|ratio)$/, c.id.endsWith('-time') ? '-ratio' : '-time'));
        expect(pair, `${c.id} has its pair`).toBeDefined();
        expect([pair!.top, pair!.bottom, pair!.height]).toEqual([c.top, c.bottom, c.height]);
      }
    } finally {
      await browser.close();
    }
  });

  it('profiles one training step per kernel entry point', async () => {
    const gpu = await createNodeGpu();
    try {
      const r = await profileStep(gpu, 'tiny', 1);
      const names = r.kernels.map((k) => k.kernel);
      for (const k of ['adamw.adamw', 'loss.mse_partial']) expect(names, k).toContain(k);
      expect(names.some((n) => n.startsWith('conv2d'))).toBe(true);
      expect(names.some((n) => n.startsWith('attention.'))).toBe(true);
      expect(r.kernels.reduce((a, k) => a + k.share, 0)).toBeCloseTo(1, 6);
      expect(r.kernels.every((k) => k.dispatches >= 1)).toBe(true);
    } finally {
      gpu.destroy();
    }
  });
});
