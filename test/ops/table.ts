// The op table: every compared kernel family and direction as one OpSpec (test/ops/spec.ts), one file per
// family beside this one. Shapes tagged 'test' run under vitest (UNet-like at small batch, and odd ones: 7×7,
// channels not a multiple of 4, batch 1 and 3); 'smoke' / 'unet' / 'sweep' are the bench's size sets. A conv
// variant added to the registry (src/ops/conv2d.ts, its id in CONV_VARIANTS) is tested and benched at every
// shape here. Not here: random numbers (bit-exact and statistical checks in test/random.test.ts), the
// diffusion kernels (test/diffusion.test.ts, test/samplers.test.ts), EMA, fill, accumulate and sum_outer.
import type { AnyOpSpec } from './spec.ts';
import { conv2dBackwardInputSpec, conv2dBackwardWeightSpec, conv2dForwardSpec } from './conv2d.ts';
import { groupNormBackwardSpec, groupNormForwardSpec } from './groupnorm.ts';
import { linearBackwardSpec, linearForwardSpec } from './linear.ts';
import { attentionBackwardSpec, attentionForwardSpec } from './attention.ts';
import { addSpec, axpbySpec, mulSpec, scaleSpec, siluBackwardSpec, siluForwardSpec } from './elementwise.ts';
import { addChannelBackwardSpec, addChannelForwardSpec, concatBackwardSpec, concatForwardSpec, upsample2xBackwardSpec, upsample2xForwardSpec } from './channels.ts';
import { sumChannelsSpec, sumRowsSpec } from './reduce.ts';
import { maxPool2BackwardSpec, maxPool2ForwardSpec } from './pool.ts';
import { crossEntropyBackwardSpec, crossEntropyForwardSpec } from './xent.ts';
import { classEmbeddingBackwardSpec, classEmbeddingForwardSpec, timestepEmbeddingSpec } from './embedding.ts';
import { mseBackwardSpec, mseForwardSpec, mseWeightedBackwardSpec, mseWeightedForwardSpec } from './loss.ts';
import { adamwSpec } from './adamw.ts';
import { conv2dHalfForwardSpec, conv2dHalfFromF32Spec } from './half.ts';

/** Every spec, in the order the bench reports them. */
export const OP_TABLE = [
  conv2dForwardSpec, conv2dBackwardInputSpec, conv2dBackwardWeightSpec, conv2dHalfForwardSpec, conv2dHalfFromF32Spec,
  groupNormForwardSpec, groupNormBackwardSpec,
  linearForwardSpec, linearBackwardSpec,
  attentionForwardSpec, attentionBackwardSpec,
  siluForwardSpec, siluBackwardSpec, axpbySpec, addSpec, scaleSpec, mulSpec,
  concatForwardSpec, concatBackwardSpec, upsample2xForwardSpec, upsample2xBackwardSpec, addChannelForwardSpec, addChannelBackwardSpec,
  sumChannelsSpec, sumRowsSpec,
  maxPool2ForwardSpec, maxPool2BackwardSpec,
  crossEntropyForwardSpec, crossEntropyBackwardSpec,
  timestepEmbeddingSpec, classEmbeddingForwardSpec, classEmbeddingBackwardSpec,
  mseForwardSpec, mseBackwardSpec, mseWeightedForwardSpec, mseWeightedBackwardSpec,
  adamwSpec,
] as readonly AnyOpSpec[];
