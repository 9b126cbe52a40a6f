// Node entry to the runtime: a Gpu on Dawn (npm `webgpu`). Which Vulkan driver Dawn sees is chosen here:
// a real GPU first, then lavapipe (Mesa >= 24's LLVM-compiled software driver), then SwiftShader (the
// software driver Debian's chromium package ships). `--adapter` / WEBGPU_ADAPTER force one kind.
// Shaders are read from shaders/ (common.wgsl and includes joined by kernelSource).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Gpu } from '../runtime/gpu.ts';
import { adapterKind, adapterSummary, requestDeviceFor, type AdapterKind } from '../runtime/device.ts';
import { kernelSource, type WgslFiles } from '../runtime/wgsl-source.ts';

export const SHADER_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shaders');

import { ADAPTER_KINDS } from '../runtime/device.ts';
export { ADAPTER_KINDS, type AdapterKind };
/** Environment variable that forces an adapter kind (same values as --adapter; "auto" or unset: the order above). */
export const ADAPTER_ENV = 'WEBGPU_ADAPTER';

const SWIFTSHADER_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json'];
/** System-wide (Mesa 25 names it lvp_icd.json, older Mesa lvp_icd.<arch>.json). */
const LAVAPIPE_ICDS = [
  '/usr/share/vulkan/icd.d/lvp_icd.json',
  '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json',
  '/usr/share/vulkan/icd.d/lvp_icd.aarch64.json',
];
const INSTALL_HINT: Record<AdapterKind, string> = {
  gpu: "install your GPU's Vulkan driver (NVIDIA's driver, or mesa-vulkan-drivers for AMD/Intel)",
  lavapipe: 'run ./scripts/setup.sh, or install Mesa >= 24\'s mesa-vulkan-drivers (Debian 12: apt-get install -t bookworm-backports mesa-vulkan-drivers)',
  swiftshader: 'apt-get install -y chromium libvulkan1 (Debian\'s chromium ships /usr/lib/chromium/vk_swiftshader_icd.json)',
};

/** shaders/ on disk, as kernelSource reads it. */
export const nodeShaderFiles: WgslFiles = {
  read: (name) => {
    const path = join(SHADER_DIR, name);
    return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  },
  where: `in ${SHADER_DIR}`,
};

/** The source the runtime compiles for kernel file `file`; read when its first kernel is created (Gpu caches kernels). */
export function nodeShaderSource(file: string): string {
  return kernelSource(file, nodeShaderFiles);
}

/** Parses --adapter / WEBGPU_ADAPTER; throws a one-line error naming the source for anything else. */
export function parseAdapterKind(value: string | undefined, source = `--adapter`): AdapterKind | 'auto' {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if ((ADAPTER_KINDS as readonly string[]).includes(value)) return value as AdapterKind;
  throw new Error(`${source} must be one of auto, ${ADAPTER_KINDS.join(', ')}, got "${value}"`);
}

export interface NodeGpuOptions {
  /** 'high-performance' | 'low-power'; default high-performance. */
  powerPreference?: GPUPowerPreference;
  /** Adapter kind to force; default: WEBGPU_ADAPTER, else auto (GPU, then lavapipe, then SwiftShader). */
  adapter?: AdapterKind | 'auto';
  /** Where to look for each kind's driver (tests); default DEFAULT_ICDS. */
  icds?: Partial<Record<AdapterKind, (string | null)[]>>;
  /** How the adapter was asked for, for error messages ("--adapter" or the environment variable). */
  source?: string;
}

type Webgpu = typeof import('webgpu');
interface Found { instance: ReturnType<Webgpu['create']>; adapter: GPUAdapter; kind: AdapterKind }

/**
 * One Dawn instance with the Vulkan loader pointed at `icd` (null: the loader's default search). The loader
 * reads VK_ICD_FILENAMES when the instance enumerates adapters; the variable is restored afterwards so a
 * later choice in this process starts from the user's environment.
 */
async function tryIcd(webgpu: Webgpu, icd: string | null, power: GPUPowerPreference): Promise<Found | null> {
  // The loader prefers VK_DRIVER_FILES over VK_ICD_FILENAMES: both are set (or both cleared) here.
  const names = ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES'] as const;
  const before = names.map((n) => process.env[n]);
  for (const n of names) {
    if (icd === null) delete process.env[n];
    else process.env[n] = icd;
  }
  try {
    const instance = webgpu.create([]);
    const adapter = await instance.requestAdapter({ powerPreference: power });
    return adapter ? { instance, adapter, kind: adapterKind(adapterSummary(adapter)) } : null;
  } finally {
    names.forEach((n, i) => {
      if (before[i] === undefined) delete process.env[n];
      else process.env[n] = before[i];
    });
  }
}

/** Where each kind's Vulkan driver is looked for, in order (null: the loader's own search, for real GPUs). */
export const DEFAULT_ICDS: Record<AdapterKind, (string | null)[]> = { gpu: [null], lavapipe: LAVAPIPE_ICDS, swiftshader: SWIFTSHADER_ICDS };

async function findAdapter(
  webgpu: Webgpu, want: AdapterKind | 'auto', power: GPUPowerPreference, icds: Record<AdapterKind, (string | null)[]>, source: string,
): Promise<Found> {
  const userIcd = process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES;
  if (want === 'auto' && userIcd) {
    // The user pointed the Vulkan loader somewhere: honour it.
    const f = await tryIcd(webgpu, userIcd, power);
    if (f) return f;
    throw new Error(`No WebGPU adapter from the Vulkan driver file ${userIcd} (VK_ICD_FILENAMES / VK_DRIVER_FILES); unset it to let the engine choose (GPU, then lavapipe, then SwiftShader)`);
  }
  for (const kind of want === 'auto' ? ADAPTER_KINDS : [want]) {
    let why = kind === 'gpu' ? 'no hardware GPU adapter found' : `${kind} is not installed`;
    for (const icd of icds[kind]) {
      if (icd !== null && !existsSync(icd)) continue;
      const f = await tryIcd(webgpu, icd, power);
      if (f?.kind === kind) return f;
      why = kind === 'gpu' ? `no hardware GPU adapter found${f ? ` (the best adapter the system's Vulkan drivers give is ${f.kind}, a software one)` : ''}`
        : `Dawn refused the ${kind} driver at ${icd}${kind === 'lavapipe' ? ' (Mesa older than 24?)' : ''}`;
    }
    if (want !== 'auto') throw new Error(`${source}${source.endsWith('=') ? '' : ' '}${kind}: ${why}; ${INSTALL_HINT[kind]}`);
  }
  throw new Error(
    'No WebGPU adapter found. Without a GPU, run ./scripts/setup.sh (installs lavapipe and SwiftShader), or: ' +
      `${INSTALL_HINT.swiftshader}; with a GPU, ${INSTALL_HINT.gpu}.`,
  );
}

export async function createNodeGpu(opts: NodeGpuOptions = {}): Promise<Gpu> {
  const fromEnv = opts.adapter === undefined;
  const want = opts.adapter ?? parseAdapterKind(process.env[ADAPTER_ENV], ADAPTER_ENV);
  const source = opts.source ?? (fromEnv ? ADAPTER_ENV + '=' : '--adapter');
  let webgpu: Webgpu;
  try {
    webgpu = await import('webgpu');
  } catch (e) {
    throw new Error(`The npm package "webgpu" (Dawn for Node) could not be loaded: ${(e as Error).message}. Run npm install.`);
  }
  const { instance, adapter } = await findAdapter(webgpu, want, opts.powerPreference ?? 'high-performance', { ...DEFAULT_ICDS, ...opts.icds }, source);
  const device = await requestDeviceFor(adapter);
  const gpu = new Gpu(device, adapterSummary(adapter), nodeShaderSource, { instance, adapter });
  gpu.waitSpinsCpu = true; // dawn.node polls for pending promises with setImmediate: one core at 100 %
  return gpu;
}

/** The adapter kinds this machine offers to Dawn (each probed by creating an instance). */
export async function availableAdapterKinds(): Promise<AdapterKind[]> {
  const found: AdapterKind[] = [];
  for (const kind of ADAPTER_KINDS) {
    try {
      const gpu = await createNodeGpu({ adapter: kind });
      gpu.destroy();
      found.push(kind);
    } catch {
      /* not here */
    }
  }
  return found;
}
