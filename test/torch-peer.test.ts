// PyTorch on the CPU as the training-step peer (bench/torch_unet.py through bench/torch-peer.ts): its UNet
// has our parameter count and shapes; a run without torch notes "skipped: install python3-torch …" and goes
// on; a peer whose UNet differs from ours stops the bench. Behaviour only: no timing is asserted.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPython, torchInfo, torchPeer, TORCH_SKIP_NOTE } from '../bench/torch-peer.ts';
import { runEndToEnd, type CpuPeer } from '../bench/e2e.ts';
import { markdown } from '../bench/report.ts';
import { columns, peersIn, type BenchRun } from '../bench/report-rows.ts';
import { PRESETS } from '../src/model/config.ts';
import { UNet } from '../src/model/unet.ts';
import { useGpu } from './helpers.ts';

const python = defaultPython();
const hasPython = spawnSync(python, ['-c', 'pass']).status === 0;
const hasTorch = hasPython && spawnSync(python, ['-c', 'import torch']).status === 0;
if (!hasTorch) console.warn(`test/torch-peer: ${python} has no torch; the PyTorch checks are skipped (scripts/setup.sh --with-torch installs it)`);

/** A python whose `import torch` fails: a package named torch that raises ImportError comes first on its path. */
function pythonWithoutTorch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'no-torch-'));
  mkdirSync(join(dir, 'torch'));
  writeFileSync(join(dir, 'torch', '__init__.py'), 'raise ImportError("No module named \'torch\' (test shim)")\n');
  const shim = join(dir, 'python3');
  writeFileSync(shim, `#!/bin/sh\nPYTHONPATH='${dir}' exec '${python}' "$@"\n`);
  chmodSync(shim, 0o755);
  return shim;
}

const e2eRun = (records: BenchRun['records']): BenchRun => ({ date: 'test', runner: 'node-dawn', browser: null, adapter: { vendor: 'v', architecture: 'a', description: 'd' }, autotune: null, peers: null, records });

describe('PyTorch CPU peer', () => {
  const gpu = useGpu();

  it.skipIf(!hasTorch)('builds our UNet: the same parameter count (tiny: 184,729) and shapes', async () => {
    const info = await torchInfo(PRESETS.tiny, { python });
    if ('skipped' in info) throw new Error(info.skipped);
    const model = new UNet(await gpu(), PRESETS.tiny);
    try {
      expect(model.params.count).toBe(184_729);
      expect(info.params).toBe(model.params.count);
      expect([...info.shapes].sort()).toEqual(model.params.specs.map((s) => s.shape.join('x')).sort());
      expect(info.threads).toBe(1);
    } finally {
      model.destroy();
    }
  });

  it.skipIf(!hasPython)('without torch: a note that says how to install it, no error', async () => {
    const shim = pythonWithoutTorch();
    const info = await torchInfo(PRESETS.tiny, { python: shim });
    expect('skipped' in info && info.skipped).toMatch(/^skipped: install python3-torch \(scripts\/setup\.sh --with-torch\)/);
    const started = await torchPeer({ python: shim }).start(PRESETS.tiny, 2);
    expect('skipped' in started && started.skipped).toContain(TORCH_SKIP_NOTE);
  });

  it('without python: the same note', async () => {
    const s = await torchPeer({ python: join(tmpdir(), 'no-such-dir', 'python3') }).start(PRESETS.tiny, 2);
    expect('skipped' in s && s.skipped).toContain(TORCH_SKIP_NOTE);
  });

  it('a peer whose UNet differs from ours stops the bench', async () => {
    const wrong: CpuPeer = {
      key: 'torch', name: 'PyTorch',
      start: async () => ({ params: 184_730, shapes: ['1'], label: 'fake', timing: 'fake', step: async () => 1, close: () => {} }),
    };
    await expect(runEndToEnd(await gpu(), { presets: ['tiny'], batches: [1], steps: 1, sampleN: 1, cpuPeer: wrong })).rejects.toThrow(/PyTorch UNet does not match ours: 184,730 parameters against our 184,729/);
  });

  it.skipIf(!hasPython)('a run without torch goes on, and its training-step row says why PyTorch is missing', async () => {
    const [step] = await runEndToEnd(await gpu(), { presets: ['tiny'], batches: [1], steps: 1, sampleN: 1, cpuPeer: torchPeer({ python: pythonWithoutTorch() }) });
    expect(step.name).toBe('train_step');
    expect(step.direction).toContain(`PyTorch ${TORCH_SKIP_NOTE}`);
    expect(step.peers.torch_ms).toBeNull();
    expect(step.peer_notes?.torch).toContain(TORCH_SKIP_NOTE);
    expect(markdown(e2eRun([step]))).toContain(TORCH_SKIP_NOTE);
  });

  it.skipIf(!hasTorch)('a run with torch records its step time beside ours, with both timing methods, and the report has its column', async () => {
    const [step] = await runEndToEnd(await gpu(), { presets: ['tiny'], batches: [2], steps: 2, sampleN: 1, cpuPeer: torchPeer({ python }) });
    expect(step.peers.torch_ms).toBeGreaterThan(0);
    expect(step.peer_notes?.torch).toMatch(/^PyTorch \S+ on the CPU, 1 thread; mean of 2 steps .*time\.perf_counter/);
    expect(step.peer_notes?.ours).toMatch(/wall clock per step/);
    expect(peersIn([step])).toEqual(['torch']);
    const heads = columns(['torch']).filter((c) => c.group === 'PyTorch (CPU)').map((c) => c.head);
    expect(heads).toEqual(['step\nms', '÷ ours,\nstep']);
    const md = markdown(e2eRun([step]));
    expect(md).toContain('PyTorch (CPU) step ms');
    expect(md).toContain('PyTorch (CPU), training-step rows: PyTorch');
  });
});
