// The whole UNet on a tiny config: gradients of parameters from every layer kind against central finite
// differences of the GPU forward (f32, so tolerances are loose), and the input side untouched by backward.
import { describe, expect, it } from 'vitest';
import { UNet } from '../src/model/unet.ts';
import { PRESETS } from '../src/model/config.ts';
import type { Gpu } from '../src/runtime/gpu.ts';
import { expectClose, randArray, useGpu } from './helpers.ts';

const getGpu = useGpu();

/**
 * Random weights everywhere (the default zero-initialised output conv would hide every upstream gradient),
 * GroupNorm scales near 1, written into the given set.
 */
function randomWeights(gpu: Gpu, model: UNet, set: 'params' | 'ema', seed: number): Float32Array {
  const ps = model.params;
  const init = randArray(ps.total, seed, -0.5, 0.5);
  for (const s of ps.specs) if (s.init === 'ones') for (let i = 0; i < s.size; i++) init[s.offset + i] = 1 + 0.3 * init[s.offset + i];
  gpu.write(ps.flat(set), init);
  return init;
}

describe('unet', () => {
  it('parameter gradients match finite differences of the forward pass', async () => {
    const gpu = await getGpu();
    const cfg = PRESETS.test;
    const model = new UNet(gpu, cfg);
    const ps = model.params;
    const init = randomWeights(gpu, model, 'params', 7);
    const B = 3;
    const pass = model.pass(B, true);
    const S = cfg.imageSize;
    gpu.write(pass.x, randArray(B * S * S, 8));
    gpu.write(pass.t, [5, 500, 999]);
    gpu.write(pass.labels!, [0, 2, cfg.classes]);
    const wOut = randArray(B * S * S, 9);
    const lossOf = async () => {
      pass.graph.forward();
      const y = await pass.out.read();
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i] * wOut[i];
      return s;
    };
    await lossOf();
    gpu.write(pass.graph.grad(pass.out), wOut);
    pass.graph.backward();
    const grads = await ps.flat('grads').read();

    const pick = ['conv_in.weight', 'down.0.res.0.conv1.weight', 'down.0.res.0.norm1.weight', 'down.0.res.0.temb.weight', 'down.1.res.0.skip.weight',
      'mid.attn.qkv.weight', 'mid.attn.norm.bias', 'up.1.res.0.conv2.bias', 'up.1.upsample.weight', 'time.linear1.weight', 'class_embedding.weight', 'conv_out.weight', 'norm_out.weight'];
    const got: number[] = [];
    const fd: number[] = [];
    const h = 1e-2;
    const params = Float32Array.from(init);
    for (const name of pick) {
      const spec = ps.specs.find((s) => s.name === name);
      expect(spec, name).toBeDefined();
      // class embedding: the rows of labels used (0, 2 and the null class 3)
      const idx = name === 'class_embedding.weight' ? spec!.offset + 2 * cfg.timeEmbedDim + 1 : spec!.offset + (spec!.size > 1 ? 1 : 0);
      const old = params[idx];
      params[idx] = old + h;
      gpu.write(ps.flat('params'), params);
      const up = await lossOf();
      params[idx] = old - h;
      gpu.write(ps.flat('params'), params);
      const down = await lossOf();
      params[idx] = old;
      got.push(grads[idx]);
      fd.push((up - down) / (2 * h));
    }
    gpu.write(ps.flat('params'), params);
    if (process.env.SHOW) console.log(pick.map((n, i) => `${n}: ${got[i].toFixed(5)} vs ${fd[i].toFixed(5)}`).join("\n"));
    const scale = Math.max(...fd.map(Math.abs));
    expectClose(`unet gradients [${pick.join(', ')}]`, got, fd, 0.02 * scale, 0.05);
  });

  it('copy commands (policy.copy: concat, split, gradient copies) give exactly the kernels\' gradients', async () => {
    const gpu = await getGpu();
    const cfg = PRESETS.test;
    const model = new UNet(gpu, cfg);
    randomWeights(gpu, model, 'params', 11);
    const B = 2;
    const pass = model.pass(B, true);
    const S = cfg.imageSize;
    gpu.write(pass.x, randArray(B * S * S, 12));
    gpu.write(pass.t, [7, 700]);
    gpu.write(pass.labels!, [1, cfg.classes]);
    const dOut = randArray(B * S * S, 13);
    const gradsUnder = (copy: 'kernel' | 'copies') => gpu.policy.using({ copy }, async () => {
      pass.graph.forward();
      gpu.write(pass.graph.grad(pass.out), dOut);
      pass.graph.backward();
      return { y: await pass.out.read(), g: await model.params.flat('grads').read() };
    });
    const k = await gradsUnder('kernel');
    const c = await gradsUnder('copies');
    expectClose('unet output, copies vs kernel', c.y, k.y, 0, 0);
    expectClose('unet gradients, copies vs kernel', c.g, k.g, 0, 0);
  });

  it('an f16 pass (half-row activations into the 3×3 convs) agrees with the f32 pass within f16 rounding', async () => {
    const gpu = await getGpu();
    for (const cfg of [PRESETS.test, { ...PRESETS.tiny, channels: [8, 12], attentionLevels: [1] }]) {
      const model = new UNet(gpu, cfg);
      randomWeights(gpu, model, 'ema', 17);
      const B = 3;
      const S = cfg.imageSize;
      const x = randArray(B * S * S, 18);
      const outs: Float32Array[] = [];
      const traces: string[][] = [];
      for (const precision of ['f32', 'f16'] as const) {
        const pass = model.pass(B, false, 'ema', precision);
        gpu.write(pass.x, x);
        gpu.write(pass.t, [5, 500, 999]);
        gpu.write(pass.labels!, [0, 2, cfg.classes]);
        gpu.trace = [];
        pass.graph.forward();
        traces.push([...gpu.trace]);
        gpu.trace = null;
        outs.push(await pass.out.read());
      }
      if (gpu.hasSubgroups8) {
        expect(traces[1]).toContain('groupnorm_half.' + (gpu.policy.reduce === 'serial' ? 'forward_half_serial' : 'forward_half'));
        expect(traces[1].some((k) => k.startsWith('conv2d_half_'))).toBe(true);
        // f16 keeps ~11 bits: each conv input and weight is within 2^-11 of its f32 value, and the errors of a
        // dozen layers add up. Measured (lavapipe): 0.14 % and 0.07 % of the output's scale at most; the bar is
        // 0.5 % (an edge column or a tap read wrong moves outputs by tens of percent).
        const scale = Math.max(...outs[0].map(Math.abs));
        if (process.env.SHOW) console.log(`f16 vs f32: max |diff| ${Math.max(...outs[0].map((v, i) => Math.abs(v - outs[1][i])))} of scale ${scale}`);
        expectClose(`unet ${cfg.channels} f16 vs f32`, outs[1], outs[0], 0.005 * scale, 0);
        expect(outs[1].some((v, i) => v !== outs[0][i]), 'the f16 pass really rounds').toBe(true);
      } else {
        // Without the half kernels an f16 pass is the f32 pass.
        expect(traces[1]).toEqual(traces[0]);
        expect(Array.from(outs[1])).toEqual(Array.from(outs[0]));
      }
      model.destroy();
    }
  });

  it('rejects invalid configs before touching the GPU', async () => {
    const gpu = await getGpu();
    expect(() => new UNet(gpu, { ...PRESETS.test, groups: 5 })).toThrow(/unet config: channels 6 not divisible by groups 5/);
    expect(() => new UNet(gpu, { ...PRESETS.test, imageSize: 7 })).toThrow(/imageSize 7 must be divisible by 2/);
  });
});
