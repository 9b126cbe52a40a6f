// The same UNet as src/model/unet.ts, written with TensorFlow.js ops (NHWC), trained with tf.grad-based
// `optimizer.minimize` and Adam: the peer for the whole-training-step benchmark, on whichever tfjs backend is
// active (the page runs it on WebGPU and on WASM). Same layer structure and shapes; random data (timing does
// not depend on it).
import * as tf from '@tensorflow/tfjs-core';
import type { UNetConfig } from '../src/model/config.ts';

export function tfjsTrainStep(cfg: UNetConfig, B: number): { step: () => Promise<void>; dispose: () => void } {
  const vars = new Map<string, tf.Variable>();
  const param = (name: string, shape: number[], init: 'normal' | 'ones' | 'zeros' = 'normal') => {
    let v = vars.get(name);
    if (!v) {
      const t = init === 'ones' ? tf.ones(shape) : init === 'zeros' ? tf.zeros(shape) : tf.mul(tf.randomNormal(shape), 0.05);
      v = tf.variable(t, true, name);
      vars.set(name, v);
    }
    return v;
  };
  const conv = (name: string, h: tf.Tensor4D, cout: number, k: number, stride = 1) => {
    const cin = h.shape[3];
    return tf.add(tf.conv2d(h, param(`${name}.w`, [k, k, cin, cout]) as tf.Tensor4D, stride, 'same'), param(`${name}.b`, [cout])) as tf.Tensor4D;
  };
  const norm = (name: string, h: tf.Tensor4D, silu: boolean) => {
    const [N, H, W, C] = h.shape;
    const g = tf.reshape(h, [N, H, W, cfg.groups, C / cfg.groups]);
    const { mean, variance } = tf.moments(g, [1, 2, 4], true);
    const xh = tf.reshape(tf.div(tf.sub(g, mean), tf.sqrt(tf.add(variance, 1e-5))), [N, H, W, C]);
    const z = tf.add(tf.mul(xh, param(`${name}.g`, [C], 'ones')), param(`${name}.b`, [C], 'zeros')) as tf.Tensor4D;
    return silu ? (tf.mul(z, tf.sigmoid(z)) as tf.Tensor4D) : z;
  };
  const dense = (name: string, x: tf.Tensor2D, nout: number) =>
    tf.add(tf.matMul(x, param(`${name}.w`, [x.shape[1], nout])), param(`${name}.b`, [nout])) as tf.Tensor2D;
  const silu = <T extends tf.Tensor>(x: T) => tf.mul(x, tf.sigmoid(x)) as T;
  const res = (name: string, x: tf.Tensor4D, cout: number, emb: tf.Tensor2D) => {
    let h = conv(`${name}.c1`, norm(`${name}.n1`, x, true), cout, 3);
    h = tf.add(h, tf.reshape(dense(`${name}.t`, emb, cout), [B, 1, 1, cout])) as tf.Tensor4D;
    h = conv(`${name}.c2`, norm(`${name}.n2`, h, true), cout, 3);
    const skip = x.shape[3] === cout ? x : conv(`${name}.s`, x, cout, 1);
    return tf.add(h, skip) as tf.Tensor4D;
  };
  const attention = (name: string, x: tf.Tensor4D) => {
    const [N, H, W, C] = x.shape;
    const L = H * W;
    const D = C / cfg.heads;
    // Kept at rank ≤ 4: tfjs's WebGPU slice/transpose shaders fail on rank-5 tensors.
    const qkv = tf.reshape(conv(`${name}.qkv`, norm(`${name}.n`, x, false), 3 * C, 1), [N, L, 3, C]);
    const part = (i: number) => tf.reshape(tf.transpose(tf.reshape(tf.slice(qkv, [0, 0, i, 0], [N, L, 1, C]), [N, L, cfg.heads, D]), [0, 2, 1, 3]), [N * cfg.heads, L, D]);
    const p = tf.softmax(tf.mul(tf.matMul(part(0), part(1), false, true), 1 / Math.sqrt(D)));
    const o = tf.reshape(tf.transpose(tf.reshape(tf.matMul(p, part(2)), [N, cfg.heads, L, D]), [0, 2, 1, 3]), [N, H, W, C]) as tf.Tensor4D;
    return tf.add(x, conv(`${name}.proj`, o, C, 1)) as tf.Tensor4D;
  };

  const S = cfg.imageSize;
  const x = tf.randomNormal([B, S, S, cfg.inChannels]) as tf.Tensor4D;
  const eps = tf.randomNormal([B, S, S, cfg.inChannels]);
  const half = cfg.channels[0] / 2;
  const freqs = tf.tidy(() => tf.exp(tf.mul(tf.range(0, half), -Math.log(10000) / (half - 1))));
  const t = tf.randomUniform([B, 1], 0, 1000);
  const labels = tf.randomUniform([B], 0, cfg.classes + 1, 'int32');

  const forward = () => {
    const arg = tf.mul(t, tf.reshape(freqs, [1, half])) as tf.Tensor2D;
    let e = dense('time.2', silu(dense('time.1', tf.concat([tf.sin(arg), tf.cos(arg)], 1), cfg.timeEmbedDim)), cfg.timeEmbedDim);
    if (cfg.classes > 0) e = tf.add(e, tf.gather(param('class', [cfg.classes + 1, cfg.timeEmbedDim]), labels)) as tf.Tensor2D;
    const emb = silu(e);
    let h = conv('in', x, cfg.channels[0], 3);
    const skips: tf.Tensor4D[] = [h];
    const levels = cfg.channels.length;
    for (let l = 0; l < levels; l++) {
      for (let b = 0; b < cfg.blocksPerLevel; b++) {
        h = res(`d${l}.${b}`, h, cfg.channels[l], emb);
        if (cfg.attentionLevels.includes(l)) h = attention(`d${l}.a${b}`, h);
        skips.push(h);
      }
      if (l < levels - 1) skips.push((h = conv(`d${l}.down`, h, cfg.channels[l], 3, 2)));
    }
    const cl = cfg.channels[levels - 1];
    h = res('m.0', attention('m.a', res('m.1', h, cl, emb)), cl, emb);
    for (let l = levels - 1; l >= 0; l--) {
      for (let b = 0; b <= cfg.blocksPerLevel; b++) {
        h = res(`u${l}.${b}`, tf.concat([h, skips.pop()!], 3) as tf.Tensor4D, cfg.channels[l], emb);
        if (cfg.attentionLevels.includes(l)) h = attention(`u${l}.a${b}`, h);
      }
      if (l > 0) h = conv(`u${l}.up`, tf.image.resizeNearestNeighbor(h, [h.shape[1] * 2, h.shape[2] * 2]), cfg.channels[l], 3);
    }
    const out = conv('out', norm('nout', h, true), cfg.inChannels, 3);
    return tf.mean(tf.square(tf.sub(out, eps))) as tf.Scalar;
  };
  tf.tidy(() => void forward()); // create the variables
  const opt = tf.train.adam(1e-3);
  return {
    step: async () => {
      const loss = opt.minimize(forward, true)!;
      await loss.data();
      loss.dispose();
    },
    dispose: () => {
      tf.dispose([x, eps, freqs, t, labels, ...vars.values()]);
      opt.dispose();
    },
  };
}

/**
 * Median ms of one TensorFlow.js training step on `backend` over `steps`, after a warm-up step (shaders,
 * optimizer slots): wall clock around `minimize` + `await loss.data()` (on WASM the step computes
 * synchronously inside `minimize` and the read is a copy out of its heap). Every tensor it made is disposed.
 */
export function tfjsPeerStep(backend: 'webgpu' | 'wasm'): (cfg: UNetConfig, batch: number, steps: number) => Promise<number> {
  return async (cfg, batch, steps) => {
    if (backend === 'wasm') await (await import('./tfjs-wasm.ts')).useTfjsWasm();
    else if (!(await tf.setBackend(backend))) throw new Error(`tfjs: the ${backend} backend did not initialise`);
    const before = tf.memory().numTensors;
    const s = tfjsTrainStep(cfg, batch);
    try {
      await s.step();
      const times: number[] = [];
      for (let i = 0; i < steps; i++) {
        const t0 = performance.now();
        await s.step();
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      return times[Math.floor(times.length / 2)];
    } finally {
      s.dispose();
      const left = tf.memory().numTensors - before;
      if (left !== 0) console.warn(`tfjs ${backend} training step left ${left} tensors undisposed`);
    }
  };
}
