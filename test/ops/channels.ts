// Channel-layout ops on NCHW maps in the op table (test/ops/table.ts): concat with split as its backward,
// nearest 2× upsample forward/backward, and the per-(n, c) add of the time embedding with its backward (a row
// sum, under both reduction designs); each backward twin against finite differences of its forward twin.
import { addChannel, addChannelBackward, concat, split, upsample2x, upsample2xBackward } from '../../src/ops/channels.ts';
import type { ReduceStyle } from '../../src/ops/reduce.ts';
import type { CopyVariant } from '../../src/runtime/policy.ts';
import { addChannelRef, concatRef, splitRef, upsample2xBackwardRef, upsample2xRef } from '../reference/channels.ts';
import { sumChannelsRef } from '../reference/elementwise.ts';
import { REDUCE_STYLES } from './reduce.ts';
import { seeded, type OpCase, type OpSpec } from './spec.ts';

/** Two maps a [N, Ca, H, W] and b [N, Cb, H, W]; the single-map ops use a's shape. */
interface ChanCase { N: number; Ca: number; Cb: number; H: number; W: number }
const chan = (N: number, Ca: number, Cb: number, H: number, W: number): ChanCase => ({ N, Ca, Cb, H, W });
const CHAN_CASES: OpCase<ChanCase>[] = [
  { label: 'UNet level 1', s: chan(2, 16, 8, 14, 14), tags: ['test'] },
  { label: 'odd: 7×7, C not a multiple of 4, batch 3', s: chan(3, 5, 3, 7, 7), tags: ['test'] },
  { label: 'one channel, a 1×3 map', s: chan(1, 1, 2, 1, 3), tags: ['test'] },
  { label: 'odd: 2×2 planes (a vec4 each: elementwise4.wgsl), 5 channels, batch 3', s: chan(3, 5, 3, 2, 2), tags: ['test'] },
  { label: 'smoke', s: chan(1, 4, 3, 7, 7), tags: ['smoke'] },
  { label: 'small L1 (skip concat, upsample to 28×28)', s: chan(16, 64, 64, 14, 14), tags: ['unet'] },
];
const plane = (s: ChanCase) => s.H * s.W;
const aSize = (s: ChanCase) => s.N * s.Ca * plane(s);
const chanInputs = (s: ChanCase) => ({
  a: seeded([s.N, s.Ca, s.H, s.W], 55), b: seeded([s.N, s.Cb, s.H, s.W], 56), e: seeded([s.N, s.Ca], 57),
  dcat: seeded([s.N, s.Ca + s.Cb, s.H, s.W], 58), dup: seeded([s.N, s.Ca, 2 * s.H, 2 * s.W], 59), dy: seeded([s.N, s.Ca, s.H, s.W], 60),
});
const concatDims = (s: ChanCase) => ({ N: s.N, Ca: s.Ca, Cb: s.Cb, H: s.H, W: s.W });
const mapDims = (s: ChanCase) => ({ N: s.N, C: s.Ca, H: s.H, W: s.W });
const concatBytes = (s: ChanCase) => 8 * s.N * (s.Ca + s.Cb) * plane(s);
/** concat / split designs (gpu.policy.copy): one kernel, or 2·N copy commands. */
const COPY_VARIANTS: readonly CopyVariant[] = ['kernel', 'copies'];
const copyPolicy = (v: string) => ({ copy: v as CopyVariant });

export const concatForwardSpec: OpSpec<ChanCase> = {
  name: 'concat', direction: 'forward', variants: COPY_VARIANTS, policy: copyPolicy, cases: CHAN_CASES, dims: concatDims,
  inputs: (s) => { const { a, b } = chanInputs(s); return { a, b }; },
  outputs: (s) => ({ out: [s.N, s.Ca + s.Cb, s.H, s.W] }),
  setup: (gpu, _s, t, o) => ({ run: () => concat(gpu, t.a, t.b, o.out) }),
  ref: (s, x) => ({ out: concatRef(x.a, x.b, s.N, s.Ca, s.Cb, plane(s)) }),
  tol: { out: [0, 0] },
  flops: () => 0, bytes: concatBytes,
};

export const concatBackwardSpec: OpSpec<ChanCase> = {
  name: 'concat', direction: 'backward', variants: COPY_VARIANTS, policy: copyPolicy, cases: CHAN_CASES, dims: concatDims,
  inputs: (s) => { const { a, b, dcat } = chanInputs(s); return { dcat, a, b }; }, // a, b only for the twin's forward in the fd check
  outputs: (s) => ({ da: [s.N, s.Ca, s.H, s.W], db: [s.N, s.Cb, s.H, s.W] }),
  setup: (gpu, s, t, o) => ({ run: () => split(gpu, t.dcat, s.Ca, { da: o.da, db: o.db }) }),
  ref: (s, x) => splitRef(x.dcat, s.N, s.Ca, s.Cb, plane(s)),
  tol: { da: [0, 0], db: [0, 0] },
  fd: {
    s: chan(2, 2, 3, 2, 3),
    forward: (s, x) => concatRef(x.a, x.b, s.N, s.Ca, s.Cb, plane(s)),
    upstream: 'dcat',
    grads: [{ input: 'a', output: 'da', idx: [0, 5, 23] }, { input: 'b', output: 'db', idx: [1, 17, 35] }],
  },
  flops: () => 0, bytes: concatBytes,
};

export const upsample2xForwardSpec: OpSpec<ChanCase> = {
  name: 'upsample2x', direction: 'forward', variants: ['flat'], cases: CHAN_CASES, dims: mapDims,
  inputs: (s) => ({ x: chanInputs(s).a }),
  outputs: (s) => ({ y: [s.N, s.Ca, 2 * s.H, 2 * s.W] }),
  setup: (gpu, _s, t, o) => ({ run: () => upsample2x(gpu, t.x, o.y) }),
  ref: (s, x) => ({ y: upsample2xRef(x.x, s.N, s.Ca, s.H, s.W) }),
  tol: { y: [0, 0] },
  flops: () => 0, bytes: (s) => 4 * 5 * aSize(s),
};

export const upsample2xBackwardSpec: OpSpec<ChanCase> = {
  name: 'upsample2x', direction: 'backward', variants: ['flat'], cases: CHAN_CASES, dims: mapDims,
  inputs: (s) => { const { a, dup } = chanInputs(s); return { x: a, dy: dup }; }, // x only for the twin's forward in the fd check
  outputs: (s) => ({ dx: [s.N, s.Ca, s.H, s.W] }),
  setup: (gpu, _s, t, o) => ({ run: () => upsample2xBackward(gpu, t.dy, o.dx) }),
  ref: (s, x) => ({ dx: upsample2xBackwardRef(x.dy, s.N, s.Ca, s.H, s.W) }),
  tol: { dx: [1e-6, 1e-6] },
  fd: { s: chan(1, 2, 1, 3, 3), forward: (s, x) => upsample2xRef(x.x, s.N, s.Ca, s.H, s.W), upstream: 'dy', grads: [{ input: 'x', output: 'dx', idx: [0, 4, 17] }] },
  flops: (s) => 3 * aSize(s), bytes: (s) => 4 * 5 * aSize(s),
};

export const addChannelForwardSpec: OpSpec<ChanCase> = {
  name: 'add_channel', direction: 'forward', variants: ['flat'], cases: CHAN_CASES, dims: mapDims,
  inputs: (s) => { const { a, e } = chanInputs(s); return { x: a, e }; },
  outputs: (s) => ({ y: [s.N, s.Ca, s.H, s.W] }),
  setup: (gpu, _s, t, o) => ({ run: () => addChannel(gpu, t.x, t.e, o.y) }),
  ref: (s, x) => ({ y: addChannelRef(x.x, x.e, s.N, s.Ca, plane(s)) }),
  tol: { y: [1e-6, 1e-6] },
  flops: aSize, bytes: (s) => 8 * aSize(s),
};

export const addChannelBackwardSpec: OpSpec<ChanCase> = {
  name: 'add_channel', direction: 'backward', variants: REDUCE_STYLES, cases: CHAN_CASES, dims: mapDims,
  policy: (v) => ({ reduce: v as ReduceStyle }),
  inputs: (s) => { const { a, e, dy } = chanInputs(s); return { dy, x: a, e }; }, // x, e only for the twin's forward in the fd check
  outputs: (s) => ({ de: [s.N, s.Ca] }),
  setup: (gpu, _s, t, o) => ({ run: () => addChannelBackward(gpu, t.dy, o.de) }),
  // de[n, c] = Σ_hw dy[n, c, h, w]: the rows of dy viewed as [N·C, H·W].
  ref: (s, x) => ({ de: sumChannelsRef(x.dy, 1, s.N * s.Ca, plane(s)) }),
  tol: { de: [1e-4, 1e-5] },
  fd: { s: chan(2, 3, 1, 2, 2), forward: (s, x) => addChannelRef(x.x, x.e, s.N, s.Ca, plane(s)), upstream: 'dy', grads: [{ input: 'e', output: 'de', idx: [0, 3, 5] }] },
  flops: aSize, bytes: (s) => 4 * aSize(s),
};
