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
  return adapter.requestDevice({ requiredLimits, requiredFeatures });
}

export function adapterSummary(adapter: GPUAdapter): { vendor: string; architecture: string; description: string; features: string[] } {
  const i = adapter.info ?? ({} as GPUAdapterInfo);
  return {
    vendor: i.vendor ?? '',
    architecture: i.architecture ?? '',
    description: i.description ?? '',
    features: [...adapter.features].sort(),
  };
}
