// The runtime itself: reflection-checked dispatch, caches that stop growing after warm-up, the grid
// folding for large problems, limits, WebGPU errors surfaced with the kernel name, timestamp profiling.
import { describe, expect, it } from 'vitest';
import { Gpu } from '../src/runtime/gpu.ts';
import { SHADER_DIR, nodeShaderSource } from '../src/platform/node.ts';
import { browserShaderSource } from '../src/platform/browser.ts';
import { kernelSource, sourceLocation, type WgslFiles } from '../src/runtime/wgsl-source.ts';
import { convShapeClass } from '../src/runtime/policy.ts';
import { convChoices } from '../src/tune/autotune.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { conv2dBackward, conv2dForward } from '../src/ops/conv2d.ts';
import { groupNormForward } from '../src/ops/groupnorm.ts';
import { linearForward } from '../src/ops/linear.ts';
import { accumulate, fill } from '../src/ops/elementwise.ts';
import { StepPacer, nextEstimate } from '../src/runtime/pacer.ts';
import { poisoned, randArray, useGpu } from './helpers.ts';

const getGpu = useGpu();

/** Shader files from a table, for kernelSource. */
function inMemory(table: Record<string, string>): WgslFiles {
  return { read: (name) => table[name], where: 'in memory' };
}

describe('runtime', () => {
  it('reports the adapter', async () => {
    const gpu = await getGpu();
    expect(typeof gpu.adapterInfo.vendor).toBe('string');
    expect(gpu.limits.maxComputeWorkgroupsPerDimension).toBeGreaterThan(0);
  });

  it('checks bindings and params against the reflected shader before encoding', async () => {
    const gpu = await getGpu();
    const k = gpu.kernel('elementwise', 'axpby');
    expect(gpu.kernel('elementwise', 'axpby')).toBe(k); // pipeline cached
    const a = gpu.tensor([4]);
    const before = gpu.dispatchCount;
    // The same mistakes fail `tsc` first (the kernel's Params and bindings are typed from the WGSL,
    // src/runtime/shaders.gen.ts); the run-time checks catch what reaches them untyped.
    // @ts-expect-error binding b is missing
    expect(() => gpu.run(k, { params: { n: 4, alpha: 1, beta: 1 }, bind: { a, out: a }, workgroups: [1] })).toThrow(
      /kernel elementwise.axpby: bindings do not match the shader \(expected a, b, out; got a, out; missing b\)/,
    );
    // @ts-expect-error binding c does not exist
    expect(() => gpu.run(k, { params: { n: 4, alpha: 1, beta: 1 }, bind: { a, b: a, out: a, c: a }, workgroups: [1] })).toThrow(/unknown c/);
    // @ts-expect-error parameter beta is missing
    expect(() => gpu.run(k, { params: { n: 4, alpha: 1 }, bind: { a, b: a, out: gpu.tensor([4]) }, workgroups: [1] })).toThrow(
      /kernel elementwise.axpby: missing parameter "beta" \(expected fields: n, alpha, beta\)/,
    );
    // @ts-expect-error parameter gamma does not exist
    expect(() => gpu.run(k, { params: { n: 4, alpha: 1, beta: 1, gamma: 2 }, bind: { a, b: a, out: gpu.tensor([4]) }, workgroups: [1] })).toThrow(/unknown parameter\(s\) gamma/);
    expect(() => gpu.run(k, { params: { n: -1, alpha: 1, beta: 1 }, bind: { a, b: a, out: gpu.tensor([4]) }, workgroups: [1] })).toThrow(/"n" = -1 does not fit u32/);
    expect(() => gpu.run(k, { params: { n: 4, alpha: 1, beta: 1 }, bind: { a, b: a, out: a }, workgroups: [1] })).toThrow(/bound both read-only and writable/);
    expect(() => gpu.kernel('elementwise', 'nope')).toThrow(/no compute entry point "nope"/);
    expect(() => gpu.kernel('elementwise', 'fill', { WG: 3 })).toThrow(/unknown override "WG"/);
    expect(gpu.dispatchCount).toBe(before);
  });

  it('repeated work allocates nothing and creates no bind groups after warm-up', async () => {
    const gpu = await getGpu();
    const x = gpu.upload([2, 4, 9, 9], randArray(648, 1));
    const w = gpu.upload([8, 4, 3, 3], randArray(288, 2));
    const b = gpu.upload([8], randArray(8, 3));
    const y = gpu.tensor([2, 8, 9, 9]);
    const step = () => {
      const t = gpu.tensor([2, 8, 9, 9]);
      conv2dForward(gpu, x, w, b, {}, y);
      conv2dForward(gpu, x, w, b, {}, t);
      t.release();
    };
    step();
    await gpu.sync();
    const warm = gpu.cacheStats();
    for (let i = 0; i < 5; i++) step();
    await gpu.sync();
    expect(gpu.cacheStats()).toEqual(warm);
  });

  it('texel panels: bound only to texture slots, checked like buffers, pooled so repeated work creates none', async () => {
    const gpu = await getGpu();
    const k = gpu.kernel('matmul_texture', 'pack_a');
    const a = gpu.tensor([4, 4]);
    const panel = gpu.texels(100, 'test');
    expect(panel.rows).toBe(1);
    const params = { batch: 1, M: 4, N: 4, K: 4, a_bs: 16, a_rs: 4, a_cs: 1, b_bs: 16, b_rs: 4, b_cs: 1, has_bias: 0, accumulate: 0 };
    const before = gpu.dispatchCount;
    const tiles = gpu.kernel('matmul_texture', 'tiles');
    expect(() => gpu.run(tiles, { params, bind: { ta: a, tb: panel, bias: a, c: gpu.tensor([4, 4]) }, workgroups: [1] })).toThrow(
      /kernel matmul_texture.tiles: binding ta is a texture and needs a TexelPanel \(gpu.texels\), got a buffer/,
    );
    expect(() => gpu.run(k, { params, bind: { a: panel, ta_out: a }, workgroups: [1] })).toThrow(/binding a is a storage buffer, got TexelPanel\[100 texels\]/);
    expect(() => gpu.copyToTexels(gpu.tensor([100]), panel)).toThrow(/copyToTexels: .* holds fewer than the 16384 floats of TexelPanel\[100 texels\]/);
    expect(() => gpu.run(tiles, { params, bind: { ta: panel, tb: panel, bias: a, c: gpu.tensor([4, 4]) }, workgroups: [1] })).not.toThrow();
    expect(() => gpu.texels(gpu.textures.maxTexels() + 1, 'big op')).toThrow(/big op: \d+ texels do not fit one 4096-wide texture/);
    expect(() => gpu.texels(0, 'zero op')).toThrow(/zero op: a texel panel needs a positive whole number of texels, got 0/);
    expect(gpu.dispatchCount).toBe(before + 1);
    panel.release();
    await gpu.sync();

    // The texture designs (where the adapter has 8-lane subgroups; elsewhere their fallbacks) reuse their
    // pooled panels: after one round, more rounds create no texture, buffer or bind group.
    const x = gpu.upload([2, 4, 14, 14], randArray(2 * 4 * 196, 1));
    const w = gpu.upload([8, 4, 3, 3], randArray(288, 2));
    const bias = gpu.upload([8], randArray(8, 3));
    const y = gpu.tensor([2, 8, 14, 14]);
    const grads = { dx: gpu.tensor([2, 4, 14, 14]), dw: gpu.tensor([8, 4, 3, 3]), db: gpu.tensor([8]) };
    const lx = gpu.upload([40, 24], randArray(960, 4));
    const lw = gpu.upload([70, 24], randArray(1680, 5));
    const lb = gpu.upload([70], randArray(70, 6));
    const ly = gpu.tensor([40, 70]);
    const round = () => gpu.policy.using({ conv: { forward: 'texture', backwardInput: 'texture', backwardWeight: 'texture' }, matmul: 'texture', matmulSmall: 'texture' }, () => {
      conv2dForward(gpu, x, w, bias, {}, y);
      conv2dBackward(gpu, y, x, w, {}, grads);
      linearForward(gpu, lx, lw, lb, ly);
    });
    await round();
    await gpu.sync();
    const warm = gpu.cacheStats();
    if (gpu.hasSubgroups8) expect(warm.texturesCreated).toBeGreaterThan(0); // the texture designs ran
    for (let i = 0; i < 3; i++) await round();
    await gpu.sync();
    expect(gpu.cacheStats()).toEqual(warm);
  });

  it('shaderDigest changes with any measured source, so a stale autotune choice is not reused', async () => {
    const gpu = await getGpu();
    const files: Record<string, string> = { a: 'fn a() {}', b: 'fn b() {}' };
    const other = new Gpu(gpu.device, gpu.adapterInfo, (f) => files[f]);
    const before = other.shaderDigest(['a', 'b']);
    expect(before).toMatch(/^[0-9a-f]{8}$/);
    expect(other.shaderDigest(['a', 'b'])).toBe(before);
    files.b = 'fn b() { }';
    expect(other.shaderDigest(['a', 'b'])).not.toBe(before);
    expect(gpu.shaderDigest(['conv2d_colanes'])).not.toBe(gpu.shaderDigest(['conv2d_texture']));
  });

  it('folds grids larger than maxComputeWorkgroupsPerDimension into 2-D and writes every element', async () => {
    const gpu = await getGpu();
    const n = gpu.limits.maxComputeWorkgroupsPerDimension * 64 + 1000;
    expect(gpu.grid(n, 64)[1]).toBe(2);
    const t = fill(gpu, poisoned(gpu, [n]), 2.5);
    const v = await t.read();
    expect(v[0]).toBe(2.5);
    expect(v[n - 1]).toBe(2.5);
    expect(v.every((e) => e === 2.5)).toBe(true);
    t.release();
  });

  it('an op that fails halfway returns the pooled buffers it took', async () => {
    const gpu = await getGpu();
    const x = gpu.upload([1, 3, 5, 5], randArray(75, 7));
    const w = gpu.upload([4, 3, 3, 3], randArray(108, 8));
    const dy = gpu.upload([1, 4, 5, 5], randArray(100, 9));
    // dw and db are taken from the pool, then the wrongly shaped dx is refused.
    const badDx = gpu.upload([1, 3, 4, 4], randArray(48, 1));
    const failing = () => conv2dBackward(gpu, dy, x, w, {}, { dx: badDx });
    expect(failing).toThrow(/conv2d_backward: dx must have shape \[1, 3, 5, 5\], got \[1, 3, 4, 4\]/);
    const created = gpu.cacheStats().buffersCreated;
    for (let i = 0; i < 5; i++) expect(failing).toThrow(/dx must have shape/);
    // Without the scope, each try would leave dw and db taken and create two more buffers.
    expect(gpu.cacheStats().buffersCreated).toBe(created);
  });

  it('an output that aliases an input is refused before anything is recorded', async () => {
    const gpu = await getGpu();
    const x = gpu.upload([2, 4, 3, 3], randArray(72, 10));
    const gamma = gpu.upload([4], randArray(4, 11));
    const beta = gpu.upload([4], randArray(4, 12));
    const w = gpu.upload([4, 4, 3, 3], randArray(144, 13));
    const dy = gpu.upload([2, 4, 3, 3], randArray(72, 14));
    const before = gpu.dispatchCount;
    expect(() => groupNormForward(gpu, x, gamma, beta, { groups: 2 }, { y: x })).toThrow(/groupnorm_forward: output y shares GPU memory with input x/);
    // dx is computed first; the aliased dw must be refused before dx's kernel is recorded.
    expect(() => conv2dBackward(gpu, dy, x, w, {}, { dw: w })).toThrow(/conv2d_backward: output dw shares GPU memory with input w/);
    const a = gpu.upload([2, 4], randArray(8, 15));
    expect(() => linearForward(gpu, a, gpu.upload([4, 4], randArray(16, 16)), gamma, a)).toThrow(/linear_forward: output y shares GPU memory with input x/);
    expect(gpu.dispatchCount).toBe(before);
  });

  it('the Gpu policy picks the conv design per shape class; using() restores it; the trace shows what ran', async () => {
    const gpu = await getGpu();
    const before = gpu.policy.snapshot();
    const at = (C: number, S: number) => {
      const x = gpu.upload([1, C, S, S], randArray(C * S * S, 17));
      const w = gpu.upload([C, C, 3, 3], randArray(C * C * 9, 18));
      gpu.trace = [];
      conv2dForward(gpu, x, w, gpu.upload([C], randArray(C, 19)));
      const ran = [...new Set(gpu.trace)];
      gpu.trace = null;
      return ran;
    };
    const small = convShapeClass({ K: 3, stride: 1, C_in: 4, C_out: 4, OH: 7, OW: 7 });
    await gpu.policy.using({ conv: { forward: 'blocked', backwardInput: 'blocked', backwardWeight: 'blocked' }, convByShape: { [`forward|${small}`]: 'direct' } }, () => {
      expect(at(4, 7)).toEqual(['conv2d.forward']);
      expect(at(16, 28)).toEqual(['conv2d_blocked.pack', 'conv2d_blocked.forward_k3s1']);
    });
    expect(gpu.policy.snapshot()).toEqual(before);
    expect(convShapeClass({ K: 3, stride: 1, C_in: 16, C_out: 16, OH: 28, OW: 28 })).toBe('k3s1c16p784');
    expect(convShapeClass({ K: 1, stride: 1, C_in: 16, C_out: 32, OH: 7, OW: 7 })).toBe('k1s1c32p49');
  });

  it('a conv shape of an unmeasured class runs the choice that prevailed for its kernel size and stride', async () => {
    const gpu = await getGpu();
    const x = gpu.upload([1, 4, 5, 5], randArray(100, 23));
    const w = gpu.upload([3, 4, 1, 1], randArray(12, 24));
    await gpu.policy.using({ conv: { forward: 'blocked', backwardInput: 'blocked', backwardWeight: 'blocked' }, convByShape: { 'forward|k1s1': 'direct' } }, () => {
      gpu.trace = [];
      conv2dForward(gpu, x, w, gpu.upload([3], [1, 2, 3]), { pad: 0 });
      expect([...new Set(gpu.trace)]).toEqual(['conv2d.forward']); // k1s1's choice, not the direction's 'blocked'
      gpu.trace = null;
    });
  });

  it('convChoices: a kernel group keeps its prevailing design per class unless another is over 15% faster', () => {
    const ms: Record<string, number> = {};
    const set = (cls: string, t: Record<string, number>) => { for (const [v, x] of Object.entries(t)) ms[`conv.forward.${cls}.${v}`] = x; };
    set('k3s1c16p784', { colanes: 4, blocked: 7 }); // colanes wins
    set('k3s1c32p784', { colanes: 8, blocked: 9 }); // colanes wins
    set('k3s1c16p196', { colanes: 1.1, blocked: 1.0 }); // blocked by 10%: a near-tie, colanes kept
    set('k3s1c64p49', { colanes: 2, blocked: 1.5 }); // blocked by 33%: blocked
    set('k1s1c16p196', { colanes: 0.5, blocked: 0.4 }); // its own group: blocked prevails there
    const c = convChoices(ms, ['k3s1c16p784', 'k3s1c32p784', 'k3s1c16p196', 'k3s1c64p49', 'k1s1c16p196']);
    expect(c['forward|k3s1']).toBe('colanes');
    expect(c['forward|k3s1c16p196']).toBe('colanes');
    expect(c['forward|k3s1c64p49']).toBe('blocked');
    expect(c['forward|k1s1']).toBe('blocked');
    expect(c['forward|k1s1c16p196']).toBe('blocked');
    // A tie in classes won goes to the smaller total: colanes 1 + 3 = 4 ms against blocked 2 + 2.5 = 4.5.
    const tie: Record<string, number> = {
      'conv.forward.k3s2c8p196.colanes': 1, 'conv.forward.k3s2c8p196.blocked': 2,
      'conv.forward.k3s2c16p49.colanes': 3, 'conv.forward.k3s2c16p49.blocked': 2.5,
    };
    expect(convChoices(tie, ['k3s2c16p49', 'k3s2c8p196'])['forward|k3s2']).toBe('colanes');
  });

  it('StepPacer keeps two steps in flight, waits for the older, and drain leaves none: every step lands, in order', async () => {
    const gpu = await getGpu();
    const pacer = new StepPacer();
    const acc = gpu.upload([1024], new Float32Array(1024));
    const one = gpu.upload([1024], new Float32Array(1024).fill(1));
    const doneAt: number[] = [];
    for (let i = 0; i < 7; i++) {
      for (let j = 0; j < 20; j++) accumulate(gpu, acc, one); // a "step": 20 dispatches
      await pacer.step(gpu);
      doneAt.push(pacer.doneAt);
    }
    await pacer.drain();
    doneAt.push(pacer.doneAt);
    expect([...(await acc.read()).slice(0, 3)]).toEqual([140, 140, 140]);
    for (let i = 1; i < doneAt.length; i++) expect(doneAt[i]).toBeGreaterThanOrEqual(doneAt[i - 1]);
    await pacer.drain(); // nothing in flight: returns at once
    pacer.destroy();
  });

  it('StepPacer: an estimate too high comes down to the step time, also when a done fence takes a few ms to come back', () => {
    // The loop sleeps through its estimate, then waits: past the step's end the wait is only the fence's
    // return latency (measured 2–5 ms beside a 1.2 s step); before it, the rest of the step plus that.
    for (const [step, latency] of [[1200, 4], [1200, 1], [300, 1], [40, 2]]) {
      let state = { ms: 1.75 * step, overslept: false }; // a first estimate timed while the wait spun
      for (let i = 0; i < 25; i++) {
        const slept = state.ms;
        const waited = slept >= step ? latency : step - slept + latency;
        state = nextEstimate(state.ms, state.overslept, waited, Math.max(slept, step) + latency);
      }
      expect(state.ms, `step ${step} ms, fence latency ${latency} ms`).toBeGreaterThan(0.8 * step);
      expect(state.ms, `step ${step} ms, fence latency ${latency} ms`).toBeLessThan(1.1 * step);
    }
    expect(nextEstimate(0, false, 250, 250)).toEqual({ ms: 250, overslept: false }); // the first wait sets it
  });

  it('refuses tensors over the device limits with the op name', async () => {
    const gpu = await getGpu();
    expect(() => gpu.tensor([1 << 20, 1 << 12], 'conv2d_forward')).toThrow(/conv2d_forward: tensor \[1048576, 4096\] needs \d+ bytes, over the device limit/);
    expect(() => gpu.tensor([3, 0], 'concat')).toThrow(/concat: invalid shape \[3, 0\]/);
  });

  it('surfaces shader compilation errors with the kernel name', async () => {
    const base = await getGpu();
    const broken = `@group(0) @binding(0) var<storage, read_write> out: array<f32>;
      @compute @workgroup_size(1) fn main() { out[0] = undefined_thing; }`;
    const gpu = new Gpu(base.device, base.adapterInfo, (f) => (f === 'broken' ? broken : nodeShaderSource(f)));
    gpu.kernel('broken', 'main');
    await expect(gpu.sync()).rejects.toThrow(/kernel broken.main: pipeline creation failed/);
  });

  it('compile errors name the file and its own line, past common.wgsl and the includes', async () => {
    const base = await getGpu();
    const files = inMemory({
      'common.wgsl': readFileSync(join(SHADER_DIR, 'common.wgsl'), 'utf8'),
      'good_shared.wgsl': ['// shared', 'fn helper() -> f32 { return 1.0; }'].join('\n'),
      'bad_shared.wgsl': ['// shared', '', 'fn bad() -> f32 { return nowhere; }'].join('\n'),
      'broken.wgsl': ['// include: good_shared.wgsl', '@group(0) @binding(0) var<storage, read_write> out: array<f32>;', '', '@compute @workgroup_size(1) fn main() { out[0] = helper() + undefined_thing; }'].join('\n'),
      'caller.wgsl': ['// include: good_shared.wgsl', '// include: bad_shared.wgsl', '@group(0) @binding(0) var<storage, read_write> out: array<f32>;', '@compute @workgroup_size(1) fn main() { out[0] = helper(); }'].join('\n'),
    });
    const compile = async (file: string) => {
      const gpu = new Gpu(base.device, base.adapterInfo, (f) => kernelSource(f, files));
      gpu.kernel(file, 'main');
      return gpu.sync();
    };
    // The kernel file's own line 4 (the include line is line 1); for a file whose own code is fine, line 3 of
    // the second file it includes.
    await expect(compile('broken')).rejects.toThrow(/broken\.wgsl:4:\d+ error: .*undefined_thing/);
    await expect(compile('caller')).rejects.toThrow(/bad_shared\.wgsl:3:\d+ error: .*nowhere/);
  });

  it('joins common.wgsl, the includes and the file, with markers sourceLocation reads back', () => {
    const files = inMemory({ 'common.wgsl': 'c1\nc2\n', 's.wgsl': '// s\ns2', 't.wgsl': 't1', 'k.wgsl': '// k\n// include: s.wgsl\n\n// include: t.wgsl\nk5\nk6' });
    const src = kernelSource('k', files);
    const at = (text: string) => sourceLocation(src, 'k', src.split('\n').indexOf(text) + 1);
    expect(['c1', 'c2', '// s', 's2', 't1', 'k5', 'k6'].map(at)).toEqual(['common.wgsl:1', 'common.wgsl:2', 's.wgsl:1', 's.wgsl:2', 't.wgsl:1', 'k.wgsl:5', 'k.wgsl:6']);
    expect(src.indexOf('s2')).toBeLessThan(src.indexOf('t1')); // includes in the order named
    expect(sourceLocation('x\ny', 'f', 2)).toBe('f.wgsl:2'); // not joined: the file's own numbering
    expect(() => kernelSource('gone', files)).toThrow('shader gone.wgsl not found in memory');
    const bad = (body: string, more: Record<string, string> = {}) => () => kernelSource('k', inMemory({ 'common.wgsl': '', 'k.wgsl': body, ...more }));
    expect(bad('// include: nope.wgsl')).toThrow('k.wgsl includes nope.wgsl, which is not found in memory');
    expect(bad('// include: s.wgsl', { 's.wgsl': '// include: t.wgsl', 't.wgsl': '' })).toThrow('s.wgsl (included by k.wgsl) includes other files; includes do not nest');
    expect(bad('fn f() {}\n// include: s.wgsl', { 's.wgsl': '' })).toThrow('k.wgsl:2: "// include:" must be in the file\'s header');
  });

  it('moves a file\'s enable directives before everything joined, keeping its line numbers', () => {
    const src = kernelSource('k', inMemory({ 'common.wgsl': 'c1\n', 'k.wgsl': 'enable subgroups; // lanes\n// k\nk3' }));
    expect(src.split('\n')[0]).toBe('enable subgroups; // lanes');
    expect(src.split('\n').filter((l) => l.startsWith('enable')).length).toBe(1);
    expect(sourceLocation(src, 'k', src.split('\n').indexOf('k3') + 1)).toBe('k.wgsl:3');
  });

  it('the browser loader (Vite glob) joins the same sources as the Node one', () => {
    for (const f of readdirSync(SHADER_DIR).filter((n) => n.endsWith('.wgsl') && n !== 'common.wgsl')) {
      const file = f.slice(0, -'.wgsl'.length);
      expect(browserShaderSource(file), file).toBe(nodeShaderSource(file));
    }
    expect(() => browserShaderSource('nope')).toThrow('shader nope.wgsl not found in the bundle');
  });

  it('times kernels with timestamp queries when the adapter has them', async () => {
    const gpu = await getGpu();
    if (!gpu.hasTimestamps) return;
    gpu.profile = true;
    const x = gpu.upload([1, 4, 16, 16], randArray(1024, 4));
    conv2dForward(gpu, x, gpu.upload([4, 4, 3, 3], randArray(144, 5)), gpu.upload([4], randArray(4, 6)), { variant: 'direct' });
    const times = await gpu.kernelTimes();
    gpu.profile = false;
    const t = times.get('conv2d.forward');
    expect(t?.count).toBeGreaterThanOrEqual(1);
    expect(t!.ms).toBeGreaterThanOrEqual(0);
  });
});
