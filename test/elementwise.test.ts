// Elementwise ops, SiLU, channel ops (add per channel, concat/split, upsample) and reductions vs CPU twins.
import { describe, expect, it } from 'vitest';
import { add, axpby, mul, scale, siluBackward, siluForward } from '../src/ops/elementwise.ts';
import { addChannel, addChannelBackward, concat, split, upsample2x, upsample2xBackward } from '../src/ops/channels.ts';
import { sumChannels } from '../src/ops/reduce.ts';
import { axpbyRef, mulRef, siluBackwardRef, siluForwardRef, silu, sumChannelsRef } from './reference/elementwise.ts';
import { addChannelRef, concatRef, upsample2xBackwardRef, upsample2xRef } from './reference/channels.ts';
import { finiteDiff } from './reference/gradcheck.ts';
import { expectClose, poisoned, randArray, useGpu } from './helpers.ts';

const getGpu = useGpu();

describe('elementwise', () => {
  for (const n of [1, 7, 1000, 3 * 5 * 7 * 7]) {
    it(`add / axpby / scale / mul / silu, n=${n}`, async () => {
      const gpu = await getGpu();
      const a = randArray(n, 51, -4, 4);
      const b = randArray(n, 52, -4, 4);
      const ta = gpu.upload([n], a);
      const tb = gpu.upload([n], b);
      expectClose('add', await add(gpu, ta, tb, poisoned(gpu, [n])).read(), axpbyRef(a, b, 1, 1), 1e-6, 1e-6);
      expectClose('axpby', await axpby(gpu, ta, tb, 0.3, -2, poisoned(gpu, [n])).read(), axpbyRef(a, b, 0.3, -2), 1e-5, 1e-6);
      expectClose('scale', await scale(gpu, ta, -1.5, poisoned(gpu, [n])).read(), axpbyRef(a, a, -1.5, 0), 1e-6, 1e-6);
      expectClose('mul', await mul(gpu, ta, tb, poisoned(gpu, [n])).read(), mulRef(a, b), 1e-5, 1e-6);
      expectClose('silu', await siluForward(gpu, ta, poisoned(gpu, [n])).read(), siluForwardRef(a), 1e-5, 1e-5);
      expectClose('silu backward', await siluBackward(gpu, tb, ta, poisoned(gpu, [n])).read(), siluBackwardRef(b, a), 1e-5, 1e-5);
    });
  }

  it('SiLU backward twin agrees with finite differences', () => {
    const x = Float64Array.from(randArray(9, 53, -5, 5));
    const dy = randArray(9, 54);
    const ref = siluBackwardRef(dy, x);
    const idx = [0, 3, 8];
    expectClose('fd silu', finiteDiff((v) => Float64Array.from(v, silu), x, dy, idx), idx.map((i) => ref[i]), 1e-7, 1e-6);
  });

  it('rejects mismatched shapes', async () => {
    const gpu = await getGpu();
    expect(() => add(gpu, gpu.tensor([2, 3]), gpu.tensor([3, 2]))).toThrow(/add: b must have shape \[2, 3\], got \[3, 2\]/);
  });
});

describe('channel ops', () => {
  for (const [N, Ca, Cb, H, W] of [[2, 16, 8, 14, 14], [3, 5, 3, 7, 7], [1, 1, 2, 1, 3]]) {
    it(`add_channel, concat/split, upsample N${N} Ca${Ca} Cb${Cb} ${H}×${W}`, async () => {
      const gpu = await getGpu();
      const S = H * W;
      const a = randArray(N * Ca * S, 55);
      const b = randArray(N * Cb * S, 56);
      const e = randArray(N * Ca, 57);
      const ta = gpu.upload([N, Ca, H, W], a);
      const tb = gpu.upload([N, Cb, H, W], b);
      expectClose('add_channel', await addChannel(gpu, ta, gpu.upload([N, Ca], e), poisoned(gpu, [N, Ca, H, W])).read(), addChannelRef(a, e, N, Ca, S), 1e-6, 1e-6);
      const deRef = new Float64Array(N * Ca).map((_, r) => a.slice(r * S, (r + 1) * S).reduce((x, y) => x + y, 0));
      for (const style of ['tree', 'serial'] as const) {
        await gpu.policy.using({ reduce: style }, async () => {
          const de = addChannelBackward(gpu, ta, poisoned(gpu, [N, Ca]));
          expectClose(`add_channel backward (${style})`, await de.read(), deRef, 1e-4, 1e-5);
          const sc = sumChannels(gpu, ta, N, Ca, S, poisoned(gpu, [Ca]));
          expectClose(`sum_channels (${style})`, await sc.read(), sumChannelsRef(a, N, Ca, S), 1e-4, 1e-5);
        });
      }
      const cat = concat(gpu, ta, tb, poisoned(gpu, [N, Ca + Cb, H, W]));
      const catRef = concatRef(a, b, N, Ca, Cb, S);
      expectClose('concat', await cat.read(), catRef, 0, 0);
      const parts = split(gpu, cat, Ca, { da: poisoned(gpu, [N, Ca, H, W]), db: poisoned(gpu, [N, Cb, H, W]) });
      expectClose('split a', await parts.da.read(), a, 0, 0);
      expectClose('split b', await parts.db.read(), b, 0, 0);
      expectClose('upsample2x', await upsample2x(gpu, ta, poisoned(gpu, [N, Ca, 2 * H, 2 * W])).read(), upsample2xRef(a, N, Ca, H, W), 0, 0);
      const d = randArray(N * Ca * 4 * S, 58);
      const du = upsample2xBackward(gpu, gpu.upload([N, Ca, 2 * H, 2 * W], d), poisoned(gpu, [N, Ca, H, W]));
      expectClose('upsample2x backward', await du.read(), upsample2xBackwardRef(d, N, Ca, H, W), 1e-6, 1e-6);
    });
  }

  it('upsample backward twin agrees with finite differences', () => {
    const x = Float64Array.from(randArray(2 * 3 * 3, 59));
    const d = randArray(2 * 6 * 6, 60);
    const ref = upsample2xBackwardRef(d, 1, 2, 3, 3);
    expectClose('fd upsample', finiteDiff((v) => upsample2xRef(v, 1, 2, 3, 3), x, d, [0, 4, 17]), [ref[0], ref[4], ref[17]], 1e-7, 1e-6);
  });

  it('rejects mismatched maps', async () => {
    const gpu = await getGpu();
    expect(() => concat(gpu, gpu.tensor([1, 2, 4, 4]), gpu.tensor([1, 2, 4, 5]))).toThrow(/concat: a \[1, 2, 4, 4\] and b \[1, 2, 4, 5\] differ outside the channel axis/);
    expect(() => addChannel(gpu, gpu.tensor([2, 3, 4, 4]), gpu.tensor([2, 4]))).toThrow(/add_channel: e must have shape \[2, 3\], got \[2, 4\]/);
    expect(() => split(gpu, gpu.tensor([1, 4, 2, 2]), 4)).toThrow(/split: split point 4 must be inside \(0, 4\)/);
  });
});
