// Device request shared by Node and browser: asks for the adapter's full buffer and workgroup limits and for
// timestamp-query when present, so large tensors and per-kernel timing work wherever the hardware allows.
export async function requestDeviceFor(adapter: GPUAdapter): Promise<GPUDevice> {
  const wanted: (keyof GPUSupportedLimits)[] = [
    'maxBufferSize',
    'maxStorageBufferBindingSize',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupSizeY',
    'maxStorageBuffersPerShaderStage',
  ];
  const requiredLimits: Record<string, number> = {};
  for (const k of wanted) requiredLimits[k] = adapter.limits[k] as number;
  const requiredFeatures: GPUFeatureName[] = [];
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  if (adapter.features.has('subgroups' as GPUFeatureName)) requiredFeatures.push('subgroups' as GPUFeatureName);
  return adapter.requestDevice({ requiredLimits, requiredFeatures });
}

export const ADAPTER_KINDS = ['gpu', 'lavapipe', 'swiftshader'] as const;
/** A hardware GPU, Mesa's lavapipe (llvmpipe) or Google's SwiftShader: the three designs kernels are tuned for. */
export type AdapterKind = (typeof ADAPTER_KINDS)[number];

export interface AdapterSummary {
  kind: AdapterKind;
  vendor: string;
  architecture: string;
  description: string;
  features: string[];
}

/** What kind of adapter this is, from its info (a browser on SwiftShader may report only the vendor/architecture). */
export function adapterKind(info: { vendor: string; architecture: string; description: string }): AdapterKind {
  const all = `${info.vendor} ${info.architecture} ${info.description}`.toLowerCase();
  if (all.includes('llvmpipe') || all.includes('lavapipe')) return 'lavapipe';
  if (all.includes('swiftshader')) return 'swiftshader';
  return 'gpu';
}

export function adapterSummary(adapter: GPUAdapter): AdapterSummary {
  const i = adapter.info ?? ({} as GPUAdapterInfo);
  const info = { vendor: i.vendor ?? '', architecture: i.architecture ?? '', description: i.description ?? '' };
  return { kind: adapterKind(info), ...info, features: [...adapter.features].sort() };
}

/** One line naming the adapter, e.g. "lavapipe — mesa software, llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)". */
export function adapterLine(a: { kind?: string; vendor: string; architecture: string; description: string }): string {
  const detail = [[a.vendor, a.architecture].filter(Boolean).join(' '), a.description].filter(Boolean).join(', ');
  return `${a.kind ?? adapterKind(a)}${detail ? ` — ${detail}` : ''}`;
}
