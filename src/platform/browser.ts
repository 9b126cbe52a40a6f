// Browser entry to the runtime: a Gpu on navigator.gpu, shaders bundled by Vite as strings.
import { Gpu } from '../runtime/gpu.ts';
import { adapterSummary, requestDeviceFor } from '../runtime/device.ts';
import { kernelSource, type WgslFiles } from '../runtime/wgsl-source.ts';

const files = import.meta.glob('../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const bundled: WgslFiles = { read: (name) => files[`../../shaders/${name}`], where: 'in the bundle (shaders/*.wgsl)' };

export function browserShaderSource(file: string): string {
  return kernelSource(file, bundled);
}

/** Why WebGPU is unavailable, in words a user can act on; null when it is available. */
export async function webgpuProblem(): Promise<string | null> {
  if (!('gpu' in navigator) || !navigator.gpu) {
    return window.isSecureContext
      ? 'This browser has no WebGPU (navigator.gpu is missing). Use Chrome or Edge 113+, or Firefox 141+/Safari 26+; on Linux start Chrome with --enable-unsafe-webgpu --enable-features=Vulkan.'
      : 'WebGPU needs a secure context: open this page from http://localhost or over https.';
  }
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) return 'WebGPU is present but no GPU adapter was found. Enable hardware acceleration, update the GPU driver, or on Linux start Chrome with --enable-unsafe-webgpu --enable-features=Vulkan.';
  return null;
}

export async function createBrowserGpu(): Promise<Gpu> {
  const problem = await webgpuProblem();
  if (problem) throw new Error(problem);
  const adapter = (await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' }))!;
  const device = await requestDeviceFor(adapter);
  return new Gpu(device, adapterSummary(adapter), browserShaderSource);
}
