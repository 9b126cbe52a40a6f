// linear (x·Wᵀ + b) forward/backward and batched matmul against the CPU twin.
import { describe, expect, it } from 'vitest';
import { linearForward, matmul } from '../src/ops/linear.ts';
import { matmulRef } from './reference/linear.ts';
import { expectClose, poisoned, randArray, useGpu } from './helpers.ts';
import { linearBackwardSpec, linearForwardSpec } from './ops/linear.ts';
import { checkOp, checkTwinGradients } from './ops/check.ts';

const getGpu = useGpu();

describe('linear', () => {
  // Shapes (aligned ones run the vec4 kernels, odd ones the scalar one), twins and tolerances: the op table's.
  for (const spec of [linearForwardSpec, linearBackwardSpec]) {
    checkOp(spec, getGpu);
    checkTwinGradients(spec);
  }

  // [3, 5, 7, 6] runs the scalar kernel; [2, 5, 8, 12] the vec4 row-major one (forward_nn4) with a partial
  // last row tile; [3, 33, 5, 65] spans two tiles of every design in both directions, per image of the batch;
  // [2, 40, 37, 70] also spans several workgroups of the texture design's packs along K (K padded to 40)
  // (colanes and texture run where the adapter has 8-lane subgroups, else tiled).
  for (const variant of ['tiled', 'colanes', 'texture'] as const) {
    for (const [B, M, K, N] of [[3, 5, 7, 6], [2, 5, 8, 12], [3, 33, 5, 65], [2, 40, 37, 70]]) {
      it(`batched matmul B${B} M${M} K${K} N${N} (${variant})`, async () => {
        const gpu = await getGpu();
        const a = randArray(B * M * K, 35);
        const b = randArray(B * K * N, 36);
        const got = await gpu.policy.using({ matmul: variant, matmulSmall: variant }, () =>
          matmul(gpu, gpu.upload([B, M, K], a), gpu.upload([B, K, N], b), poisoned(gpu, [B, M, N])).read());
        expectClose('matmul', got, matmulRef(a, b, B, M, K, N), 1e-5, 1e-5);
      });
    }
  }

  it('texture matmul: a K too long for its pack grids (65,537 workgroups) falls back instead of failing', async () => {
    const gpu = await getGpu();
    const K = 262148; // K2·16/64 = 65,537 pack workgroups along x for B
    const a = gpu.upload([8, K], new Float32Array(8 * K).fill(1));
    const b = gpu.upload([K, 8], new Float32Array(8 * K).fill(0.5));
    const got = await gpu.policy.using({ matmul: 'texture' }, () => matmul(gpu, a, b, poisoned(gpu, [8, 8])).read()); // 8·8·262,148 MACs: not small
    expect([...new Set(got)]).toEqual([K / 2]);
  });

  it('small products take the small-product matmul design, larger ones the other', async () => {
    const gpu = await getGpu();
    await gpu.policy.using({ matmul: 'texture', matmulSmall: 'tiled' }, () => {
      expect(gpu.policy.matmulFor(8, 128, 64)).toBe('tiled'); // 65,536 multiply-adds
      expect(gpu.policy.matmulFor(64, 128, 64)).toBe('texture'); // 524,288
      expect(gpu.policy.matmulFor(64, 64, 64)).toBe('texture'); // 262,144 = SMALL_MATMUL_MACS: not small
    });
  });

  it('rejects mismatched features', async () => {
    const gpu = await getGpu();
    expect(() => linearForward(gpu, gpu.tensor([4, 8]), gpu.tensor([3, 9]), gpu.tensor([3]))).toThrow(/linear_forward: weight \[3, 9\] expects 9 input features but x \[4, 8\] has 8/);
    expect(() => matmul(gpu, gpu.tensor([2, 3]), gpu.tensor([4, 5]))).toThrow(/matmul: shapes \[2, 3\] and \[4, 5\] do not multiply/);
  });
});
