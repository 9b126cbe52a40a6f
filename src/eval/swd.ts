// Laplacian-pyramid sliced Wasserstein distance (Karras et al. 2018, "Progressive Growing of GANs"),
// for single-channel images:
//   Gaussian pyramid: G₀ = image, G_{k+1} = every second pixel of blur(G_k), with the 5×5 binomial
//   kernel [1,4,6,4,1]ᵀ[1,4,6,4,1]/256 and mirror padding (x[−1] = x[1]); halving stops once a level is
//   ≤ 16 px (28 → 14 for MNIST). Laplacian level k = G_k − blur(zero-insert upsample of G_{k+1})·4; the
//   coarsest level is G itself.
//   Per level: `patches` random 7×7 patches per image (centres in [3, W−4]); each set's descriptors are
//   normalised by their own mean and standard deviation; then `repeats` × `directions` random unit
//   vectors; both sets projected, each projection sorted, mean |A − B|; repeats averaged; ×10³.
import { mulberry32 } from '../runtime/mulberry.ts';

export interface SwdOptions {
  patches: number;    // per image per level
  repeats: number;
  directions: number; // per repeat
  minSize: number;    // stop halving once a level is this small or smaller
  seed: number;
}

export const SWD_DEFAULTS: SwdOptions = { patches: 128, repeats: 4, directions: 128, minSize: 16, seed: 7 };

const PATCH = 7;
const TAPS = [1, 4, 6, 4, 1].map((v) => v / 16);

/** Mirror (reflect without repeating the edge) index into [0, n). */
function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}

/** Separable 5-tap binomial blur of `count` H×W images, scaled by `gain`. */
function blur(src: Float32Array, count: number, H: number, W: number, gain = 1): Float32Array {
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  for (let n = 0; n < count; n++) {
    const o = n * H * W;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        let s = 0;
        for (let k = -2; k <= 2; k++) s += TAPS[k + 2] * src[o + y * W + mirror(x + k, W)];
        tmp[o + y * W + x] = s;
      }
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        let s = 0;
        for (let k = -2; k <= 2; k++) s += TAPS[k + 2] * tmp[o + mirror(y + k, H) * W + x];
        out[o + y * W + x] = gain * s;
      }
  }
  return out;
}

/** Blurs `count` square images `passes` times with the pyramid's binomial kernel (the "blurred" baseline). */
export function blurImages(images: Float32Array, count: number, size: number, passes = 1): Float32Array {
  let out = images;
  for (let i = 0; i < passes; i++) out = blur(out, count, size, size);
  return out;
}

export interface PyramidLevel {
  size: number;
  data: Float32Array; // [count, size, size]
}

/** Laplacian pyramid of `count` square images, finest level first. */
export function laplacianPyramid(images: Float32Array, count: number, size: number, minSize = SWD_DEFAULTS.minSize): PyramidLevel[] {
  const gauss: PyramidLevel[] = [{ size, data: images }];
  while (gauss[gauss.length - 1].size > minSize && gauss[gauss.length - 1].size >= 2) {
    const { size: s, data } = gauss[gauss.length - 1];
    const b = blur(data, count, s, s);
    const h = Math.ceil(s / 2);
    const down = new Float32Array(count * h * h);
    for (let n = 0; n < count; n++)
      for (let y = 0; y < h; y++) for (let x = 0; x < h; x++) down[(n * h + y) * h + x] = b[(n * s + 2 * y) * s + 2 * x];
    gauss.push({ size: h, data: down });
  }
  const levels: PyramidLevel[] = [];
  for (let k = 0; k < gauss.length - 1; k++) {
    const { size: s, data } = gauss[k];
    const { size: h, data: coarse } = gauss[k + 1];
    const up = new Float32Array(count * s * s);
    for (let n = 0; n < count; n++)
      for (let y = 0; y < h; y++) for (let x = 0; x < h; x++) up[(n * s + 2 * y) * s + 2 * x] = coarse[(n * h + y) * h + x];
    const smooth = blur(up, count, s, s, 4);
    levels.push({ size: s, data: Float32Array.from(data, (v, i) => v - smooth[i]) });
  }
  levels.push(gauss[gauss.length - 1]);
  return levels;
}

/**
 * `patches` random 7×7 patches per image, normalised over the whole set, stored dimension-major:
 * out[k·m + i] is element k (of 49) of descriptor i, m = count·patches (so projections run as long axpys).
 */
export function patchDescriptors(level: PyramidLevel, count: number, patches: number, rand: () => number): Float32Array {
  const { size: W, data } = level;
  if (W < PATCH) throw new Error(`swd: level of ${W} px is smaller than a ${PATCH}×${PATCH} patch`);
  const span = W - PATCH + 1; // centres 3 … W−4, i.e. top-left corners 0 … W−7
  const m = count * patches;
  const out = new Float32Array(m * PATCH * PATCH);
  for (let n = 0; n < count; n++)
    for (let p = 0; p < patches; p++) {
      const y0 = Math.floor(rand() * span);
      const x0 = Math.floor(rand() * span);
      const i = n * patches + p;
      for (let y = 0; y < PATCH; y++)
        for (let x = 0; x < PATCH; x++) out[(y * PATCH + x) * m + i] = data[(n * W + y0 + y) * W + x0 + x];
    }
  let mean = 0;
  for (const v of out) mean += v;
  mean /= out.length;
  let varSum = 0;
  for (const v of out) varSum += (v - mean) ** 2;
  const std = Math.sqrt(varSum / out.length) || 1;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] - mean) / std;
  return out;
}

/** Random unit vectors [count, dim]. */
function directions(count: number, dim: number, rand: () => number): Float32Array {
  const out = new Float32Array(count * dim);
  for (let j = 0; j < count; j++) {
    let norm = 0;
    for (let k = 0; k < dim; k++) {
      // Box–Muller normal, so the directions are uniform on the sphere.
      const v = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      out[j * dim + k] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    for (let k = 0; k < dim; k++) out[j * dim + k] /= norm;
  }
  return out;
}

/** Sorts floats ascending by LSD radix sort on order-preserving u32 keys (3 passes of 11 bits). */
export function radixSortFloats(a: Float32Array, scratch?: { keys: Uint32Array; tmp: Uint32Array }): void {
  const n = a.length;
  const bits = new Uint32Array(a.buffer, a.byteOffset, n);
  const keys = scratch?.keys.subarray(0, n) ?? new Uint32Array(n);
  const tmp = scratch?.tmp.subarray(0, n) ?? new Uint32Array(n);
  const counts = new Uint32Array(2048);
  // Negative floats: flip all bits (larger magnitude sorts first); positive: set the sign bit.
  for (let i = 0; i < n; i++) {
    const b = bits[i];
    keys[i] = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
  }
  let src = keys;
  let dst = tmp;
  for (let shift = 0; shift < 32; shift += 11) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(src[i] >>> shift) & 2047]++;
    let sum = 0;
    for (let d = 0; d < 2048; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const v = src[i];
      dst[counts[(v >>> shift) & 2047]++] = v;
    }
    [src, dst] = [dst, src];
  }
  for (let i = 0; i < n; i++) {
    const k = src[i];
    bits[i] = k & 0x80000000 ? (k & 0x7fffffff) >>> 0 : ~k >>> 0;
  }
}

/** Projections of dimension-major descriptors (m of them) on dirs [nd, dim], each column sorted: [nd, m]. */
function sortedProjections(desc: Float32Array, m: number, dirs: Float32Array, nd: number, dim: number): Float32Array {
  const out = new Float32Array(nd * m);
  const scratch = { keys: new Uint32Array(m), tmp: new Uint32Array(m) };
  for (let j = 0; j < nd; j++) {
    const col = out.subarray(j * m, (j + 1) * m);
    for (let k = 0; k < dim; k++) {
      const w = dirs[j * dim + k];
      const src = desc.subarray(k * m, (k + 1) * m);
      for (let i = 0; i < m; i++) col[i] += w * src[i];
    }
    radixSortFloats(col, scratch);
  }
  return out;
}

/**
 * Sliced Wasserstein distances (×10³) from one dimension-major descriptor set `a` to each of `bs` (all the
 * same size), over the same random directions: `a`'s sorted projections are computed once per repeat.
 */
export function slicedWassersteinMany(a: Float32Array, bs: Float32Array[], dim: number, repeats: number, nd: number, rand: () => number): number[] {
  for (const b of bs) if (a.length !== b.length) throw new Error(`swd: descriptor sets differ in size (${a.length / dim} vs ${b.length / dim})`);
  const m = a.length / dim;
  const totals = bs.map(() => 0);
  for (let r = 0; r < repeats; r++) {
    const dirs = directions(nd, dim, rand);
    const pa = sortedProjections(a, m, dirs, nd, dim);
    bs.forEach((b, j) => {
      const pb = sortedProjections(b, m, dirs, nd, dim);
      let s = 0;
      for (let i = 0; i < pa.length; i++) s += Math.abs(pa[i] - pb[i]);
      totals[j] += s / pa.length;
    });
  }
  return totals.map((t) => (t / repeats) * 1e3);
}

/** Sliced Wasserstein distance between two equal-size dimension-major descriptor sets (×10³). */
export function slicedWasserstein(a: Float32Array, b: Float32Array, dim: number, repeats: number, nd: number, rand: () => number): number {
  return slicedWassersteinMany(a, [b], dim, repeats, nd, rand)[0];
}

export interface SwdResult {
  levels: { size: number; swd: number }[];
  mean: number;
}

/** SWD between two sets of `count` square images each (values in [0, 1]). */
export function pyramidSwd(a: Float32Array, b: Float32Array, count: number, size: number, opts: Partial<SwdOptions> = {}): SwdResult {
  return pyramidSwdMany(a, [b], count, size, opts)[0];
}

/**
 * SWD from one reference set to each of several sets (e.g. samples and the real-vs-real floor), each result
 * equal to pyramidSwd(reference, other): the reference's pyramid, patches and sorted projections are
 * computed once instead of once per comparison.
 */
export function pyramidSwdMany(ref: Float32Array, others: Float32Array[], count: number, size: number, opts: Partial<SwdOptions> = {}): SwdResult[] {
  const o = { ...SWD_DEFAULTS, ...opts };
  for (const b of others) {
    if (ref.length !== count * size * size || b.length !== ref.length) {
      throw new Error(`swd: expected two sets of ${count}×${size}×${size} values, got ${ref.length} and ${b.length}`);
    }
  }
  const pr = laplacianPyramid(ref, count, size, o.minSize);
  const po = others.map((b) => laplacianPyramid(b, count, size, o.minSize));
  const perLevel = pr.map((lr, k) => {
    // Each level draws from its own seeded stream: the reference's patch corners, then the other set's, then
    // the directions. Further sets draw their patches from a copy of the stream skipped past the
    // reference's draws, so every comparison sees the draws a pairwise call would; the directions come after
    // the first other set's draws, where the stream stands in every pairwise call.
    const seed = o.seed * 1000 + k;
    const rand = mulberry32(seed);
    const dr = patchDescriptors(lr, count, o.patches, rand);
    const refDraws = 2 * count * o.patches;
    const dos = po.map((p, j) => {
      if (j === 0) return patchDescriptors(p[k], count, o.patches, rand);
      const rj = mulberry32(seed);
      for (let i = 0; i < refDraws; i++) rj();
      return patchDescriptors(p[k], count, o.patches, rj);
    });
    return slicedWassersteinMany(dr, dos, PATCH * PATCH, o.repeats, o.directions, rand);
  });
  return others.map((_, j) => {
    const levels = pr.map((l, k) => ({ size: l.size, swd: perLevel[k][j] }));
    return { levels, mean: levels.reduce((s, l) => s + l.swd, 0) / levels.length };
  });
}
