// Fused self-attention in the op table (test/ops/table.ts): forward (o and the saved log-sum-exp) and
// backward (dqkv) for every design, with the twin's gradients against finite differences.
import { attentionBackward, attentionForward, type AttentionVariant } from '../../src/ops/attention.ts';
import { attentionBackwardRef, attentionForwardRef } from '../reference/attention.ts';
import { seeded, type OpCase, type OpSpec } from './spec.ts';

interface AttnCase { N: number; C: number; H: number; W: number; heads: number }
const ATTN_VARIANTS: readonly AttentionVariant[] = ['row', 'rows4', 'lanes8'];
const att = (N: number, C: number, H: number, W: number, heads: number): AttnCase => ({ N, C, H, W, heads });
const ATTN_CASES: OpCase<AttnCase>[] = [
  { label: '7×7 bottleneck of the small preset', s: att(2, 64, 7, 7, 1), tags: ['test'] },
  { label: '14×14, 2 heads', s: att(1, 32, 14, 14, 2), tags: ['test'] },
  { label: 'odd: head dim 3, batch 3', s: att(3, 6, 3, 3, 2), tags: ['test'] },
  { label: 'head dim 8, 20 positions (a partial block of 8 rows), batch 3', s: att(3, 16, 4, 5, 2), tags: ['test'] },
  { label: 'odd: 5 channels, 7 positions', s: att(1, 5, 7, 1, 1), tags: ['test'] },
  { label: 'smoke', s: att(1, 4, 3, 3, 1), tags: ['smoke'] },
  { label: 'tiny bottleneck', s: att(16, 32, 7, 7, 1), tags: ['unet'] },
  { label: 'small bottleneck', s: att(16, 64, 7, 7, 2), tags: ['unet'] },
];
const attRef = (s: AttnCase) => ({ N: s.N, C: s.C, L: s.H * s.W, heads: s.heads });
const attInputs = (s: AttnCase) => ({ qkv: seeded([s.N, 3 * s.C, s.H, s.W], 41, -1.5, 1.5), dout: seeded([s.N, s.C, s.H, s.W], 42) });
const attDims = (s: AttnCase) => ({ N: s.N, C: s.C, H: s.H, W: s.W, heads: s.heads });
const attFlops = (s: AttnCase) => 4 * s.N * (s.H * s.W) ** 2 * s.C;

export const attentionForwardSpec: OpSpec<AttnCase> = {
  name: 'attention', direction: 'forward', variants: ATTN_VARIANTS, cases: ATTN_CASES, dims: attDims,
  inputs: (s) => ({ qkv: attInputs(s).qkv }),
  outputs: (s) => ({ o: [s.N, s.C, s.H, s.W], lse: [s.N, s.heads, s.H * s.W] }),
  setup: (gpu, s, t, o, variant) => ({ run: () => attentionForward(gpu, t.qkv, s.heads, { o: o.o, lse: o.lse }, variant as AttentionVariant) }),
  ref: (s, x) => ({ o: attentionForwardRef(x.qkv, attRef(s)) }),
  tol: { o: [1e-5, 1e-4] },
  flops: attFlops, bytes: (s) => 16 * s.N * s.C * s.H * s.W,
};

export const attentionBackwardSpec: OpSpec<AttnCase> = {
  name: 'attention', direction: 'backward', variants: ATTN_VARIANTS, cases: ATTN_CASES, dims: attDims,
  inputs: attInputs,
  outputs: (s) => ({ dqkv: [s.N, 3 * s.C, s.H, s.W] }),
  setup: (gpu, s, t, o, variant) => {
    const f = attentionForward(gpu, t.qkv, s.heads, {}, variant as AttentionVariant);
    const delta = gpu.tensor([s.N, s.heads, s.H * s.W]);
    return { run: () => attentionBackward(gpu, t.dout, t.qkv, f, s.heads, { dqkv: o.dqkv, delta }, variant as AttentionVariant), scratch: [f.o, f.lse, delta] };
  },
  ref: (s, x) => ({ dqkv: attentionBackwardRef(x.dout, x.qkv, attRef(s)) }),
  tol: { dqkv: [1e-5, 1e-3] },
  fd: {
    s: att(1, 4, 5, 1, 2),
    forward: (s, x) => attentionForwardRef(x.qkv, attRef(s)),
    upstream: 'dout',
    grads: [{ input: 'qkv', output: 'dqkv', idx: [0, 9, 21, 33, 47, 59] }],
  },
  flops: (s) => 2.5 * attFlops(s), bytes: (s) => 32 * s.N * s.C * s.H * s.W,
};
