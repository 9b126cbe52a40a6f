// Channel-layout ops on NCHW maps: per-(n, c) add (time embedding), concat / split (skips), nearest 2× upsample.
import { shapeStr } from '../runtime/tensor.ts';
import type { Gpu } from '../runtime/gpu.ts';
import type { Tensor } from '../runtime/tensor.ts';
import type { CopyVariant } from '../runtime/policy.ts';
import { expectRank, expectShape, fail, output } from './check.ts';
import { sumRows } from './reduce.ts';

const noParams = { Cb: 0, W: 0 };

/** out[n, c, h, w] = x[n, c, h, w] + e[n, c]. Backward: dx = dout, de = addChannelBackward(dout). */
export function addChannel(gpu: Gpu, x: Tensor, e: Tensor, out?: Tensor): Tensor {
  const op = 'add_channel';
  expectRank(op, 'x', x, 4);
  const [N, C, H, W] = x.shape;
  expectShape(op, 'e', e, [N, C]);
  const y = output(op, 'out', out, x.shape, () => gpu.tensor(x.shape, op));
  if ((H * W) % 4 === 0) {
    // Four floats per invocation (elementwise4.wgsl): no vec4 straddles two channel planes.
    gpu.run(gpu.kernel('elementwise4', 'add_channel4'), { params: { n: x.size, alpha: 0, beta: 0, S: H * W }, bind: { a: x, e, out: y }, invocations: x.size / 4 });
  } else {
    gpu.run(gpu.kernel('channels', 'add_channel'), {
      params: { N, Ca: C, S: H * W, ...noParams }, bind: { a: x, b: e, out: y }, invocations: x.size,
    });
  }
  return y;
}

/** de[n, c] = Σ_hw dout[n, c, h, w] */
export function addChannelBackward(gpu: Gpu, dout: Tensor, out?: Tensor): Tensor {
  expectRank('add_channel_backward', 'dout', dout, 4);
  const [N, C, H, W] = dout.shape;
  return sumRows(gpu, dout, N * C, H * W, [N, C], out);
}

/**
 * Copies `parts` (each [N, C_i, …] with `per` elements per channel) to and from their places along the
 * channel axis of `whole` [N, ΣC_i, …] as 2·N copy commands: each image's channels of a part are one run.
 */
function copyChannelRuns(gpu: Gpu, whole: Tensor, parts: { t: Tensor; c: number }[], N: number, per: number, toWhole: boolean): void {
  const C = parts.reduce((s, p) => s + p.c, 0);
  for (let n = 0; n < N; n++) {
    let c0 = 0;
    for (const { t, c } of parts) {
      const wholeAt = whole.byteOffset + (n * C + c0) * per * 4;
      const partAt = t.byteOffset + n * c * per * 4;
      if (toWhole) gpu.copyRange(t.buffer, partAt, whole.buffer, wholeAt, c * per * 4);
      else gpu.copyRange(whole.buffer, wholeAt, t.buffer, partAt, c * per * 4);
      c0 += c;
    }
  }
}

/** [N, Ca, H, W] ⧺ [N, Cb, H, W] → [N, Ca + Cb, H, W]; `variant` overrides gpu.policy.copy. */
export function concat(gpu: Gpu, a: Tensor, b: Tensor, out?: Tensor, variant?: CopyVariant): Tensor {
  const op = 'concat';
  expectRank(op, 'a', a, 4);
  expectRank(op, 'b', b, 4);
  const [N, Ca, H, W] = a.shape;
  const [N2, Cb, H2, W2] = b.shape;
  if (N !== N2 || H !== H2 || W !== W2) fail(op, `a ${shapeStr(a.shape)} and b ${shapeStr(b.shape)} differ outside the channel axis`);
  const shape = [N, Ca + Cb, H, W];
  const y = output(op, 'out', out, shape, () => gpu.tensor(shape, op));
  if ((variant ?? gpu.policy.copy) === 'copies') {
    copyChannelRuns(gpu, y, [{ t: a, c: Ca }, { t: b, c: Cb }], N, H * W, true);
    return y;
  }
  gpu.run(gpu.kernel('channels', 'concat'), {
    params: { N, Ca, Cb, S: H * W, W: 0 }, bind: { a, b, out: y }, invocations: y.size,
  });
  return y;
}

/** Backward of concat: dout [N, Ca + Cb, H, W] → da [N, Ca, H, W], db [N, Cb, H, W]. */
export function split(gpu: Gpu, dout: Tensor, Ca: number, into: { da?: Tensor; db?: Tensor } = {}, variant?: CopyVariant): { da: Tensor; db: Tensor } {
  const op = 'split';
  expectRank(op, 'dout', dout, 4);
  const [N, C, H, W] = dout.shape;
  if (!Number.isInteger(Ca) || Ca <= 0 || Ca >= C) fail(op, `split point ${Ca} must be inside (0, ${C})`);
  const Cb = C - Ca;
  const da = output(op, 'da', into.da, [N, Ca, H, W], () => gpu.tensor([N, Ca, H, W], op));
  const db = output(op, 'db', into.db, [N, Cb, H, W], () => gpu.tensor([N, Cb, H, W], op));
  if ((variant ?? gpu.policy.copy) === 'copies') {
    copyChannelRuns(gpu, dout, [{ t: da, c: Ca }, { t: db, c: Cb }], N, H * W, false);
    return { da, db };
  }
  gpu.run(gpu.kernel('channels', 'split'), {
    params: { N, Ca, Cb, S: H * W, W: 0 }, bind: { src: dout, da, db }, invocations: dout.size,
  });
  return { da, db };
}

/** Nearest-neighbour 2× upsample: [N, C, H, W] → [N, C, 2H, 2W]. */
export function upsample2x(gpu: Gpu, x: Tensor, out?: Tensor): Tensor {
  const op = 'upsample2x';
  expectRank(op, 'x', x, 4);
  const [N, C, H, W] = x.shape;
  const shape = [N, C, 2 * H, 2 * W];
  const y = output(op, 'out', out, shape, () => gpu.tensor(shape, op));
  gpu.run(gpu.kernel('channels', 'upsample2x'), {
    params: { N, Ca: C, Cb: 0, S: H * W, W }, bind: { a: x, out: y }, invocations: x.size,
  });
  return y;
}

/** dx [N, C, H, W] = sum over each 2×2 block of dout [N, C, 2H, 2W]. */
export function upsample2xBackward(gpu: Gpu, dout: Tensor, out?: Tensor): Tensor {
  const op = 'upsample2x_backward';
  expectRank(op, 'dout', dout, 4);
  const [N, C, H2, W2] = dout.shape;
  if (H2 % 2 || W2 % 2) fail(op, `dout spatial size ${H2}×${W2} is not even`);
  const shape = [N, C, H2 / 2, W2 / 2];
  const y = output(op, 'out', out, shape, () => gpu.tensor(shape, op));
  gpu.run(gpu.kernel('channels', 'upsample2x_backward'), {
    params: { N, Ca: C, Cb: 0, S: (H2 / 2) * (W2 / 2), W: W2 / 2 }, bind: { a: dout, out: y }, invocations: y.size,
  });
  return y;
}
