// Node entry to the runtime: a Gpu on Dawn (npm `webgpu`). Which Vulkan driver Dawn sees is chosen here:
// a real GPU first, then lavapipe (Mesa >= 24's LLVM-compiled software driver), then SwiftShader (the
// software driver Debian's chromium package ships). `--adapter` / WEBGPU_ADAPTER force one kind.
// Shaders are read from shaders/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Gpu } from '../runtime/gpu.ts';
import { adapterKind, adapterSummary, requestDeviceFor, type AdapterKind } from '../runtime/device.ts';

export const SHADER_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shaders');
const PROJECT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

import { ADAPTER_KINDS } from '../runtime/device.ts';
export { ADAPTER_KINDS, type AdapterKind };
/** Environment variable that forces an adapter kind (same values as --adapter; "auto" or unset: the order above). */
export const ADAPTER_ENV = 'WEBGPU_ADAPTER';

const SWIFTSHADER_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json'];
/** System-wide (Mesa 25 names it lvp_icd.json, older Mesa lvp_icd.<arch>.json) and project-local (.local/lavapipe). */
const LAVAPIPE_ICDS = [
  '/usr/share/vulkan/icd.d/lvp_icd.json',
  '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json',
  '/usr/share/vulkan/icd.d/lvp_icd.aarch64.json',
  join(PROJECT_DIR, '.local', 'lavapipe', 'lvp_icd.json'),
];
const INSTALL_HINT: Record<AdapterKind, string> = {
  gpu: "install your GPU's Vulkan driver (NVIDIA's driver, or mesa-vulkan-drivers for AMD/Intel)",
  lavapipe: 'run ./scripts/setup.sh, or install Mesa >= 24\'s mesa-vulkan-drivers (Debian 12: apt-get install -t bookworm-backports mesa-vulkan-drivers)',
  swiftshader: 'apt-get install -y chromium libvulkan1 (Debian\'s chromium ships /usr/lib/chromium/vk_swiftshader_icd.json)',
};

const sources = new Map<string, string>();
export function nodeShaderSource(file: string): string {
  let s = sources.get(file);
  if (s === undefined) {
    const common = readFileSync(join(SHADER_DIR, 'common.wgsl'), 'utf8');
    const path = join(SHADER_DIR, `${file}.wgsl`);
    if (!existsSync(path)) throw new Error(`shader ${file}.wgsl not found in ${SHADER_DIR}`);
    s = common + '\n' + readFileSync(path, 'utf8');
    sources.set(file, s);
  }
  return s;
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
}

type Webgpu = typeof import('webgpu');
interface Found { instance: ReturnType<Webgpu['create']>; adapter: GPUAdapter; kind: AdapterKind }

/** One Dawn instance with the Vulkan loader pointed at `icd` (null: the loader's default search). */
async function tryIcd(webgpu: Webgpu, icd: string | null, power: GPUPowerPreference): Promise<Found | null> {
  if (icd === null) delete process.env.VK_ICD_FILENAMES;
  else process.env.VK_ICD_FILENAMES = icd;
  const instance = webgpu.create([]);
  const adapter = await instance.requestAdapter({ powerPreference: power });
  return adapter ? { instance, adapter, kind: adapterKind(adapterSummary(adapter)) } : null;
}

async function findAdapter(webgpu: Webgpu, want: AdapterKind | 'auto', power: GPUPowerPreference): Promise<Found> {
  const userIcd = process.env.VK_ICD_FILENAMES;
  const firstIcd = (list: string[]) => list.find((p) => existsSync(p)) ?? null;
  if (want === 'auto' && userIcd) {
    // The user pointed the Vulkan loader somewhere: honour it.
    const f = await tryIcd(webgpu, userIcd, power);
    if (f) return f;
    throw new Error(`No WebGPU adapter from VK_ICD_FILENAMES=${userIcd}; unset it to let the engine choose, or ${INSTALL_HINT.swiftshader}`);
  }
  if (want === 'gpu' || want === 'auto') {
    const f = await tryIcd(webgpu, null, power);
    if (f?.kind === 'gpu') return f;
    if (want === 'gpu') throw new Error(`--adapter gpu: no hardware GPU adapter found${f ? ` (Dawn offers only ${f.kind})` : ''}; ${INSTALL_HINT.gpu}`);
    if (f?.kind === 'lavapipe') return f; // installed system-wide, found by the loader's own search
  }
  if (want === 'lavapipe' || want === 'auto') {
    const icd = firstIcd(LAVAPIPE_ICDS);
    const f = icd ? await tryIcd(webgpu, icd, power) : null;
    if (f && f.kind === 'lavapipe') return f;
    if (want === 'lavapipe') {
      const why = icd ? `Dawn refused the lavapipe at ${icd} (Mesa older than 24?)` : 'lavapipe (Mesa\'s software Vulkan driver) is not installed';
      throw new Error(`--adapter lavapipe: ${why}; ${INSTALL_HINT.lavapipe}`);
    }
  }
  const icd = firstIcd(SWIFTSHADER_ICDS);
  const f = icd ? await tryIcd(webgpu, icd, power) : null;
  if (f) return f;
  if (want === 'swiftshader') throw new Error(`--adapter swiftshader: SwiftShader is not installed; ${INSTALL_HINT.swiftshader}`);
  throw new Error(
    'No WebGPU adapter found. Without a GPU, run ./scripts/setup.sh (installs lavapipe and SwiftShader), or: ' +
      `${INSTALL_HINT.swiftshader}; with a GPU, ${INSTALL_HINT.gpu}.`,
  );
}

export async function createNodeGpu(opts: NodeGpuOptions = {}): Promise<Gpu> {
  const want = opts.adapter ?? parseAdapterKind(process.env[ADAPTER_ENV], ADAPTER_ENV);
  let webgpu: Webgpu;
  try {
    webgpu = await import('webgpu');
  } catch (e) {
    throw new Error(`The npm package "webgpu" (Dawn for Node) could not be loaded: ${(e as Error).message}. Run npm install.`);
  }
  const { instance, adapter } = await findAdapter(webgpu, want, opts.powerPreference ?? 'high-performance');
  const device = await requestDeviceFor(adapter);
  return new Gpu(device, adapterSummary(adapter), nodeShaderSource, { instance, adapter });
}
