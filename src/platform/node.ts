// Node entry to the runtime: a Gpu on Dawn (npm `webgpu`), falling back to the SwiftShader Vulkan driver
// that Debian's chromium package ships when no hardware adapter exists. Shaders are read from shaders/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Gpu } from '../runtime/gpu.ts';
import { adapterSummary, requestDeviceFor } from '../runtime/device.ts';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
export const SHADER_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shaders');

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

export interface NodeGpuOptions {
  /** 'high-performance' | 'low-power'; default high-performance. */
  powerPreference?: GPUPowerPreference;
}

export async function createNodeGpu(opts: NodeGpuOptions = {}): Promise<Gpu> {
  let webgpu: typeof import('webgpu');
  try {
    webgpu = await import('webgpu');
  } catch (e) {
    throw new Error(`The npm package "webgpu" (Dawn for Node) could not be loaded: ${(e as Error).message}. Run npm install.`);
  }
  let instance = webgpu.create([]);
  let adapter = await instance.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  if (!adapter && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    // No hardware adapter: use SwiftShader (software Vulkan) from Debian's chromium package.
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    instance = webgpu.create([]);
    adapter = await instance.requestAdapter();
  }
  if (!adapter) {
    throw new Error(
      'No WebGPU adapter found. On a machine without a GPU, install the SwiftShader Vulkan driver and the Vulkan ' +
        'loader: `apt-get install -y chromium libvulkan1` (provides ' + SWIFTSHADER_ICD + '). ' +
        'With a GPU, install its Vulkan driver (e.g. mesa-vulkan-drivers or the NVIDIA driver).',
    );
  }
  const device = await requestDeviceFor(adapter);
  return new Gpu(device, adapterSummary(adapter), nodeShaderSource, { instance, adapter });
}
