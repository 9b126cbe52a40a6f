// The TypeScript view of the shaders (src/runtime/shaders.gen.ts: each kernel's Params fields and storage
// bindings, reflected from the WGSL) must match the shaders as they are: regenerate with `npm run gen:shaders`.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { GENERATED, shaderTypesSource } from '../scripts/gen-shader-types.ts';

describe('shader types', () => {
  it('src/runtime/shaders.gen.ts is up to date with shaders/*.wgsl', () => {
    const want = shaderTypesSource();
    expect(readFileSync(GENERATED, 'utf8'), 'stale: run npm run gen:shaders').toBe(want);
    // One line per entry point, each with its bindings.
    expect(want).toMatch(/'conv2d_blocked\.forward_k3s1': \{ params: 'N' \| 'C_in' .*; bind: 'x' \| 'wt4' \| 'bias' \| 'y' \}/);
  });
});
