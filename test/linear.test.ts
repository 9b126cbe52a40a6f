// linear (x·Wᵀ + b) forward/backward and batched matmul against the CPU twin.
import { describe, expect, it } from 'vitest';
import { linearBackward, linearForward, matmul } from '../src/ops/linear.ts';
import { linearBackwardRef, linearForwardRef, matmulRef } from './reference/linear.ts';
import { finiteDiff } from './reference/gradcheck.ts';
import { expectClose, poisoned, randArray, useGpu } from './helpers.ts';

const getGpu = useGpu();

describe('linear', () => {
  // Aligned sizes run the vec4 kernels (y: forward_nt4, dx: forward_nn4, dW: forward_tn4); odd ones the scalar one.
  for (const [M, K, N] of [[32, 64, 128], [1, 32, 32], [3, 7, 5], [5, 130, 9], [64, 128, 32], [7, 12, 20]]) {
    it(`forward and backward M${M} K${K} N${N}`, async () => {
      const gpu = await getGpu();
      const x = randArray(M * K, 31);
      const w = randArray(N * K, 32, -0.3, 0.3);
      const b = randArray(N, 33);
      const dy = randArray(M * N, 34);
      const tx = gpu.upload([M, K], x);
      const tw = gpu.upload([N, K], w);
      const y = linearForward(gpu, tx, tw, gpu.upload([N], b), poisoned(gpu, [M, N]));
      const g = linearBackward(gpu, gpu.upload([M, N], dy), tx, tw, { dx: poisoned(gpu, [M, K]), dw: poisoned(gpu, [N, K]), db: poisoned(gpu, [N]) });
      const r = linearBackwardRef(dy, x, w, M, K, N);
      expectClose('linear y', await y.read(), linearForwardRef(x, w, b, M, K, N), 1e-4, 1e-4);
      expectClose('linear dx', await g.dx!.read(), r.dx, 1e-4, 1e-4);
      expectClose('linear dw', await g.dw.read(), r.dw, 1e-4, 1e-4);
      expectClose('linear db', await g.db.read(), r.db, 1e-4, 1e-4);
    });
  }

  // [3, 5, 7, 6] runs the scalar kernel; [2, 5, 8, 12] the vec4 row-major one (forward_nn4) with a partial
  // last row tile.
  for (const [B, M, K, N] of [[3, 5, 7, 6], [2, 5, 8, 12]]) {
    it(`batched matmul B${B} M${M} K${K} N${N}`, async () => {
      const gpu = await getGpu();
      const a = randArray(B * M * K, 35);
      const b = randArray(B * K * N, 36);
      const c = matmul(gpu, gpu.upload([B, M, K], a), gpu.upload([B, K, N], b), poisoned(gpu, [B, M, N]));
      expectClose('matmul', await c.read(), matmulRef(a, b, B, M, K, N), 1e-5, 1e-5);
    });
  }

  it('CPU twin backward agrees with finite differences', () => {
    const [M, K, N] = [3, 4, 5];
    const x = Float64Array.from(randArray(M * K, 37));
    const w = Float64Array.from(randArray(N * K, 38));
    const b = Float64Array.from(randArray(N, 39));
    const dy = randArray(M * N, 40);
    const r = linearBackwardRef(dy, x, w, M, K, N);
    expectClose('fd dx', finiteDiff((v) => linearForwardRef(v, w, b, M, K, N), x, dy, [0, 5, 11]), [r.dx[0], r.dx[5], r.dx[11]], 1e-6, 1e-5);
    expectClose('fd dw', finiteDiff((v) => linearForwardRef(x, v, b, M, K, N), w, dy, [1, 19]), [r.dw[1], r.dw[19]], 1e-6, 1e-5);
    expectClose('fd db', finiteDiff((v) => linearForwardRef(x, w, v, M, K, N), b, dy, [4]), [r.db[4]], 1e-6, 1e-5);
  });

  it('rejects mismatched features', async () => {
    const gpu = await getGpu();
    expect(() => linearForward(gpu, gpu.tensor([4, 8]), gpu.tensor([3, 9]), gpu.tensor([3]))).toThrow(/linear_forward: weight \[3, 9\] expects 9 input features but x \[4, 8\] has 8/);
    expect(() => matmul(gpu, gpu.tensor([2, 3]), gpu.tensor([4, 5]))).toThrow(/matmul: shapes \[2, 3\] and \[4, 5\] do not multiply/);
  });
});
