// Sinusoidal timestep embedding and class embedding (lookup-add, backward) against the CPU twin.
import { describe, expect, it } from 'vitest';
import { classEmbeddingAdd, classEmbeddingBackward, timestepEmbedding } from '../src/ops/embedding.ts';
import { classAddRef, classBackwardRef, timestepEmbeddingRef } from './reference/embedding.ts';
import { expectClose, poisoned, randArray, useGpu } from './helpers.ts';

const getGpu = useGpu();

describe('embedding', () => {
  for (const [N, D] of [[3, 32], [1, 128], [5, 6]]) {
    it(`timestep embedding N${N} D${D}`, async () => {
      const gpu = await getGpu();
      const t = Array.from({ length: N }, (_, i) => (i * 337) % 1000);
      const e = timestepEmbedding(gpu, gpu.upload([N], t, 'test', 'u32'), D, poisoned(gpu, [N, D]));
      // f32 sin/cos of arguments up to 1000 rad: allow a few ulps of the argument
      expectClose('timestep embedding', await e.read(), timestepEmbeddingRef(t, D), 2e-4, 0);
    });
  }

  it('f32 timesteps between integers (samplers such as Euler run the model there)', async () => {
    const gpu = await getGpu();
    const t = [999, 946.4210815429688, 0.5, 52.578948974609375];
    const e = timestepEmbedding(gpu, gpu.upload([4], t), 32, poisoned(gpu, [4, 32]));
    expectClose('timestep embedding (f32 t)', await e.read(), timestepEmbeddingRef(t, 32), 2e-4, 0);
  });

  it('class embedding add and backward (labels with repeats, the null class)', async () => {
    const gpu = await getGpu();
    const [N, D, classes] = [7, 12, 11];
    const labels = [3, 10, 3, 0, 9, 10, 5];
    const table = randArray(classes * D, 61);
    const acc = randArray(N * D, 62);
    const tl = gpu.upload([N], labels, 'test', 'u32');
    const tacc = gpu.upload([N, D], acc);
    classEmbeddingAdd(gpu, tl, gpu.upload([classes, D], table), tacc);
    expectClose('class add', await tacc.read(), classAddRef(acc, labels, table, classes, D), 1e-6, 1e-6);
    const d = randArray(N * D, 63);
    const dt = classEmbeddingBackward(gpu, tl, gpu.upload([N, D], d), classes, poisoned(gpu, [classes, D]));
    expectClose('class backward', await dt.read(), classBackwardRef(d, labels, classes, D), 1e-6, 1e-6);
  });

  it('rejects a timestep tensor of the wrong rank and odd dimensions', async () => {
    const gpu = await getGpu();
    expect(() => timestepEmbedding(gpu, gpu.tensor([2, 2]), 32)).toThrow(/timestep_embedding: t must have rank 1/);
    expect(() => timestepEmbedding(gpu, gpu.tensor([4], 'x', 'u32'), 31)).toThrow(/timestep_embedding: dimension must be an even integer/);
  });
});
