// Adapter choice in Node: the order (GPU, then lavapipe, then SwiftShader), forcing one kind, the one-line
// errors when a forced kind is missing, and the flag / environment variable on the command line.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { adapterKind, adapterLine } from '../src/runtime/device.ts';
import { createNodeGpu, DEFAULT_ICDS, parseAdapterKind } from '../src/platform/node.ts';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const lavapipeInstalled = DEFAULT_ICDS.lavapipe.some((p) => p !== null && existsSync(p));
const swiftshaderInstalled = DEFAULT_ICDS.swiftshader.some((p) => p !== null && existsSync(p));

describe('adapter kinds', () => {
  it('classifies adapters by their info', () => {
    expect(adapterKind({ vendor: 'mesa', architecture: 'software', description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)' })).toBe('lavapipe');
    expect(adapterKind({ vendor: 'google', architecture: 'swiftshader', description: '' })).toBe('swiftshader');
    expect(adapterKind({ vendor: 'google', architecture: '', description: 'SwiftShader driver 5.0.0' })).toBe('swiftshader');
    expect(adapterKind({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' })).toBe('gpu');
    expect(adapterLine({ vendor: 'mesa', architecture: 'software', description: 'llvmpipe: Mesa 25' })).toBe('lavapipe — mesa software, llvmpipe: Mesa 25');
  });

  it('parses --adapter values and rejects others by name', () => {
    expect(parseAdapterKind(undefined)).toBe('auto');
    expect(parseAdapterKind('lavapipe')).toBe('lavapipe');
    expect(() => parseAdapterKind('vulkan', 'WEBGPU_ADAPTER')).toThrow('WEBGPU_ADAPTER must be one of auto, gpu, lavapipe, swiftshader, got "vulkan"');
  });
});

describe('choosing an adapter', () => {
  it.runIf(swiftshaderInstalled)('forced SwiftShader is SwiftShader', async () => {
    const gpu = await createNodeGpu({ adapter: 'swiftshader' });
    expect(gpu.adapterInfo.kind).toBe('swiftshader');
    gpu.destroy();
  });

  it.runIf(lavapipeInstalled)('forced lavapipe is lavapipe, and auto picks it over SwiftShader when there is no GPU', async () => {
    const gpu = await createNodeGpu({ adapter: 'lavapipe' });
    expect(gpu.adapterInfo.kind).toBe('lavapipe');
    expect(gpu.adapterInfo.description).toMatch(/llvmpipe/);
    gpu.destroy();
    const auto = await createNodeGpu({ adapter: 'auto' });
    expect(['gpu', 'lavapipe']).toContain(auto.adapterInfo.kind);
    auto.destroy();
  });

  it.runIf(swiftshaderInstalled)('falls back to SwiftShader when neither a GPU nor lavapipe is there', async () => {
    const gpu = await createNodeGpu({ adapter: 'auto', icds: { gpu: [], lavapipe: ['/nonexistent/lvp_icd.json'] } });
    expect(gpu.adapterInfo.kind).toBe('swiftshader');
    gpu.destroy();
  });

  it('a forced adapter that is missing is a one-line error naming what to install', async () => {
    await expect(createNodeGpu({ adapter: 'lavapipe', icds: { lavapipe: ['/nonexistent/lvp_icd.json'] } }))
      .rejects.toThrow(/^--adapter lavapipe: lavapipe is not installed; run \.\/scripts\/setup\.sh, or install Mesa >= 24's mesa-vulkan-drivers/);
    await expect(createNodeGpu({ adapter: 'swiftshader', icds: { swiftshader: [] } }))
      .rejects.toThrow(/^--adapter swiftshader: swiftshader is not installed; apt-get install -y chromium libvulkan1/);
    await expect(createNodeGpu({ adapter: 'gpu', icds: { gpu: [] } })).rejects.toThrow(/^--adapter gpu: no hardware GPU adapter found; install your GPU's Vulkan driver/);
  });
});

describe('on the command line', () => {
  const tsx = join('node_modules', '.bin', 'tsx');
  it('--adapter and WEBGPU_ADAPTER are checked before any GPU work', () => {
    const bad = spawnSync(tsx, ['cli/sample.ts', '--checkpoint', 'x.safetensors', '--adapter', 'cuda'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: --adapter must be one of auto, gpu, lavapipe, swiftshader, got "cuda"\nusage: npm run sample/);
    const env = spawnSync(tsx, ['cli/train.ts', '--steps', '1'], { encoding: 'utf8', env: { ...process.env, WEBGPU_ADAPTER: 'metal' } });
    expect(env.status).toBe(2);
    expect(env.stderr).toMatch(/^error: WEBGPU_ADAPTER must be one of auto, gpu, lavapipe, swiftshader, got "metal"/);
  });

  it.runIf(swiftshaderInstalled)('every command prints the adapter it runs on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wd-adapter-'));
    const r = spawnSync(tsx, ['cli/eval.ts', '--baseline', 'noise', '--n', '10', '--adapter', 'swiftshader', '--no-autotune', '--classifier', join(dir, 'c.safetensors'), '--classifier-steps', '1', '--out', join(dir, 'e.json')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'e.json'), 'utf8')).adapter.kind).toBe('swiftshader');
    expect(r.stdout).toMatch(/^adapter: swiftshader — google/m);
  });
});
