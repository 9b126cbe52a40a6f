// UNet configuration and presets. `tiny` trains for a while on SwiftShader; `small` is the size people use
// for MNIST on a real GPU (~1.5 M parameters).
export interface UNetConfig {
  imageSize: number;      // square input, divisible by 2^(levels − 1)
  inChannels: number;
  channels: number[];     // per resolution level, highest resolution first
  blocksPerLevel: number; // residual blocks per level on the way down (up path has one more)
  attentionLevels: number[]; // level indices that get a self-attention block after each residual block
  groups: number;         // GroupNorm groups (must divide every channel count)
  heads: number;          // attention heads
  timeEmbedDim: number;   // width of the time-embedding MLP
  classes: number;        // 0: unconditional; else class-conditional with an extra null class for CFG
}

export const PRESETS: Record<string, UNetConfig> = {
  tiny: {
    imageSize: 28, inChannels: 1, channels: [8, 16, 32], blocksPerLevel: 1, attentionLevels: [2],
    groups: 4, heads: 1, timeEmbedDim: 64, classes: 10,
  },
  small: {
    imageSize: 28, inChannels: 1, channels: [32, 64, 64], blocksPerLevel: 2, attentionLevels: [2],
    groups: 8, heads: 2, timeEmbedDim: 128, classes: 10,
  },
  // For tests: smallest shapes that still exercise every layer kind (odd channel counts included).
  test: {
    imageSize: 8, inChannels: 1, channels: [6, 12], blocksPerLevel: 1, attentionLevels: [1],
    groups: 3, heads: 2, timeEmbedDim: 8, classes: 3,
  },
};

export function validateConfig(c: UNetConfig): void {
  const bad = (m: string): never => {
    throw new Error(`unet config: ${m}`);
  };
  if (!c.channels.length) bad('channels must list at least one level');
  const div = 2 ** (c.channels.length - 1);
  if (c.imageSize % div !== 0) bad(`imageSize ${c.imageSize} must be divisible by ${div} for ${c.channels.length} levels`);
  for (const ch of c.channels) if (ch % c.groups !== 0) bad(`channels ${ch} not divisible by groups ${c.groups}`);
  for (const l of c.attentionLevels) {
    if (l < 0 || l >= c.channels.length) bad(`attention level ${l} does not exist`);
    if (c.channels[l] % c.heads !== 0) bad(`channels ${c.channels[l]} at attention level ${l} not divisible by heads ${c.heads}`);
  }
  if (c.blocksPerLevel < 1) bad('blocksPerLevel must be ≥ 1');
  if (c.timeEmbedDim % 2 !== 0 || c.timeEmbedDim < 4) bad('timeEmbedDim must be even and ≥ 4');
  if (c.channels[0] % 2 !== 0 || c.channels[0] < 4) bad('channels[0] (sinusoid width) must be even and ≥ 4');
}
