// Sinusoidal timestep embedding (u32 and f32 timesteps) and class embedding (lookup-add, backward): GPU vs
// CPU twin and the backward twin against finite differences from the op table (test/ops/embedding.ts);
// here only bad input refused.
import { describe, expect, it } from 'vitest';
import { timestepEmbedding } from '../src/ops/embedding.ts';
import { useGpu } from './helpers.ts';
import { checkOp, checkTwinGradients } from './ops/check.ts';
import { classEmbeddingBackwardSpec, classEmbeddingForwardSpec, timestepEmbeddingSpec } from './ops/embedding.ts';

const getGpu = useGpu();

describe('embedding', () => {
  for (const spec of [timestepEmbeddingSpec, classEmbeddingForwardSpec, classEmbeddingBackwardSpec]) {
    checkOp(spec, getGpu);
    checkTwinGradients(spec);
  }

  it('rejects a timestep tensor of the wrong rank and odd dimensions', async () => {
    const gpu = await getGpu();
    expect(() => timestepEmbedding(gpu, gpu.tensor([2, 2]), 32)).toThrow(/timestep_embedding: t must have rank 1/);
    expect(() => timestepEmbedding(gpu, gpu.tensor([4], 'x', 'u32'), 31)).toThrow(/timestep_embedding: dimension must be an even integer/);
  });
});
