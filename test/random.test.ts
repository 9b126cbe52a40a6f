// GPU Philox random numbers: bit-exact integers and normals against the CPU twin, reproducibility by seed,
// independence across steps of the GPU counter, and the moments of the normal distribution.
import { describe, expect, it } from 'vitest';
import { advanceCounter, newCounter, randint, randn } from '../src/ops/random.ts';
import { philox4x32, randintRef, randnRef, streamKey } from './reference/random.ts';
import { expectClose, poisoned, useGpu } from './helpers.ts';

const getGpu = useGpu();

describe('random', () => {
  it('Philox4x32-10 matches the published known-answer vector', () => {
    // Random123 kat_vectors: philox4x32_10, counter = key = 0
    expect(philox4x32([0, 0, 0, 0], [0, 0]).map((v) => v.toString(16))).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
  });

  it('randint matches the CPU twin bit for bit', async () => {
    const gpu = await getGpu();
    const out = gpu.tensor([1001], 'test', 'u32');
    randint(gpu, out, 1000, 1234, 3);
    const got = await gpu.readU32(out);
    expect(Array.from(got)).toEqual(Array.from(randintRef(1001, 1000, streamKey(1234, 3, 0))));
  });

  it('randn matches the CPU twin, is reproducible, and changes with the GPU counter', async () => {
    const gpu = await getGpu();
    const n = 4099;
    const a = randn(gpu, poisoned(gpu, [n]), 42, 5);
    const ga = await a.read();
    // Integers are bit-exact; the normals differ only by f32 log/cos/sqrt accuracy (largest in the tails).
    expectClose('randn', ga, randnRef(n, streamKey(42, 5, 0)), 1e-3, 1e-3);
    const b = await randn(gpu, poisoned(gpu, [n]), 42, 5).read();
    expect(Array.from(b)).toEqual(Array.from(ga));
    const counter = newCounter(gpu, 0);
    advanceCounter(gpu, counter);
    const c = await randn(gpu, poisoned(gpu, [n]), 42, 5, counter).read();
    expectClose('randn step 1', c, randnRef(n, streamKey(42, 5, 1)), 1e-3, 1e-3);
    expect(c[0]).not.toBe(ga[0]);
  });

  it('randn has mean 0 and variance 1', async () => {
    const gpu = await getGpu();
    const n = 1 << 18;
    const z = await randn(gpu, gpu.tensor([n]), 7).read();
    let m = 0;
    let v = 0;
    for (const x of z) m += x;
    m /= n;
    for (const x of z) v += (x - m) ** 2;
    v /= n;
    expect(Math.abs(m)).toBeLessThan(0.01);
    expect(Math.abs(v - 1)).toBeLessThan(0.01);
  });
});
