// Smoke test of the benchmark runner (tiny sizes, one repetition) in Node through Dawn: every record is
// complete, errors against the CPU twins are small, and the report files are written.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchNode } from '../bench/run.ts';
import { writeRun } from '../bench/report.ts';
import { profileStep } from '../bench/profile.ts';
import { createNodeGpu } from '../src/platform/node.ts';

describe('bench runner', () => {
  it('runs every kernel at smoke sizes and writes JSON, Markdown and HTML', async () => {
    const run = await benchNode(['smoke'], [], 1, 0, () => {});
    const names = new Set(run.records.map((r) => `${r.name}.${r.direction}`));
    for (const k of ['conv2d.forward', 'conv2d.backward_input', 'conv2d.backward_weight', 'groupnorm_silu.forward', 'groupnorm_silu.backward', 'linear.forward', 'linear.backward', 'attention.forward', 'attention.backward', 'adamw.update']) {
      expect(names.has(k), k).toBe(true);
    }
    expect(new Set(run.records.filter((r) => r.name === 'conv2d').map((r) => r.variant))).toEqual(new Set(['direct', 'blocked', 'blocked8', 'gemm', 'lanes']));
    expect(new Set(run.records.filter((r) => r.name === 'attention').map((r) => r.variant))).toEqual(new Set(['row', 'rows4']));
    for (const r of run.records) {
      expect(r.ms_median, `${r.name}.${r.direction}`).toBeGreaterThan(0);
      expect(r.gflops).toBeGreaterThan(0);
      expect(r.max_rel_err, `${r.name}.${r.direction} ${r.variant}`).toBeLessThan(1e-2);
    }
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    const files = writeRun(dir, run);
    for (const f of files) expect(existsSync(f)).toBe(true);
    const json = JSON.parse(readFileSync(files[0], 'utf8'));
    expect(json.adapter.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    const md = readFileSync(files[1], 'utf8');
    // The kernels that ran are recorded: blocked runs its own entry points, direct the generic ones.
    expect(md).toMatch(/\| conv2d \| forward \| blocked \| conv2d_blocked\.pack, conv2d_blocked\.forward_k3s1 \|/);
    expect(md).toMatch(/\| conv2d \| forward \| direct \| conv2d\.forward \| N\d+ C\d+ H\d+ W\d+ O\d+ k\d s\d \|/);
    expect(md).toMatch(/made for this adapter by measurement \(autotune\): reductions \*\*(tree|serial)\*\*/);
    expect(md).toMatch(/attention \*\*(row|rows4)\*\* \(row [\d.]+ ms, rows4 [\d.]+ ms\)/);
    expect(md).toMatch(/\| k3s1c16p784 \| \*\*(direct|blocked|blocked8|gemm|lanes)\*\* \(direct [\d.]+ ms/);
    expect(readFileSync(files[2], 'utf8')).toContain('new Chart(');
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
