// How a bench record's shape reads: every entry of `shape` gets a dimension letter (N, C, H, W, O, k, s …),
// and each kernel has a one-line legend saying what the letters mean. Records keep shapes as bare number
// arrays (the JSON stays compact and old results stay readable); naming happens only when printing.
import type { BenchRecord } from './suite.ts';

/**
 * Names of each record's shape entries, by kernel, in the order the suite writes them (the op table's
 * dims); older result files wrote some kernels with fewer entries, and those layouts still read.
 */
const SHAPE_DIMS: Record<string, string[][]> = {
  conv2d: [['N', 'C', 'H', 'W', 'O', 'k', 's', 'p'], ['N', 'C', 'H', 'W', 'O', 'k', 's']],
  conv2d_half: [['N', 'C', 'H', 'W', 'O', 'k']],
  groupnorm_silu: [['N', 'C', 'H', 'W', 'G']],
  linear: [['M', 'K', 'N']],
  attention: [['N', 'C', 'H', 'W', 'heads'], ['N', 'C', 'L', 'heads']],
  adamw: [['n']],
  silu: [['n']], axpby: [['n']], add: [['n']], scale: [['n']], mul: [['n']],
  concat: [['N', 'Ca', 'Cb', 'H', 'W']], upsample2x: [['N', 'C', 'H', 'W']], add_channel: [['N', 'C', 'H', 'W']],
  sum_channels: [['A', 'C', 'S']], sum_rows: [['R', 'S']], maxpool2: [['N', 'C', 'H', 'W']], cross_entropy: [['rows', 'K']],
  timestep_embedding: [['N', 'D']], class_embedding: [['N', 'D', 'classes']], mse: [['N', 'S']], mse_weighted: [['N', 'S']],
  train_step: [['N', 'C', 'H', 'W']],
  ddim50_sampling: [['N', 'C', 'H', 'W']],
};

/** What the letters mean, per kernel. */
const DIM_LEGEND: Record<string, string> = {
  conv2d: 'N batch, C input channels, H×W input size, O output channels, k kernel size (k×k), s stride, p padding',
  conv2d_half: 'N batch, C input channels, H×W input size, O output channels, k kernel size (3×3, stride 1, padding 1)',
  groupnorm_silu: 'N batch, C channels, H×W plane, G groups',
  linear: 'M rows (batch × positions), K input features, N output features',
  attention: 'N batch, C channels, H×W positions (older runs: L = H·W), heads',
  adamw: 'n parameters in one flat buffer',
  silu: 'n elements', axpby: 'n elements', add: 'n elements', scale: 'n elements', mul: 'n elements',
  concat: 'N batch, Ca and Cb channels of the two maps, H×W plane',
  upsample2x: 'N batch, C channels, H×W input plane (the output is 2H×2W)',
  add_channel: 'N batch, C channels, H×W plane',
  sum_channels: 'A outer (batch), C channels (one sum each), S plane',
  sum_rows: 'R rows (one sum each), S row length',
  maxpool2: 'N batch, C channels, H×W input plane',
  cross_entropy: 'rows (batch), K classes',
  timestep_embedding: 'N timesteps, D embedding width',
  class_embedding: 'N labels, D embedding width, classes in the table',
  mse: 'N samples of S elements', mse_weighted: 'N samples of S elements, one weight per sample',
  train_step: 'N batch, C image channels, H×W image size',
  ddim50_sampling: 'N images, C image channels, H×W image size',
};

/** "N2 C8 H28 W28 O16 k3 s1": the shape with its dimensions named; unknown kernels fall back to 2×8×…. */
export function shapeLabel(r: Pick<BenchRecord, 'name' | 'shape'>): string {
  const dims = SHAPE_DIMS[r.name]?.find((d) => d.length === r.shape.length);
  return dims ? r.shape.map((v, i) => `${dims[i]}${v}`).join(' ') : r.shape.join('×');
}

/** The legend line for a kernel's shape letters, or '' when the kernel has none. */
export function shapeLegend(name: string): string {
  return DIM_LEGEND[name] ?? '';
}
