// CPU twin of the f16 sampling path (shaders/half_pack.wgsl, conv2d_half_*.wgsl, groupnorm_half.wgsl):
// IEEE half rounding and decoding, the half-row layout, and the convolution of f16-rounded inputs and
// weights with float64 accumulation.
import { conv2dForwardRef, type ConvShape } from './conv2d.ts';

/** The f16 value nearest v (ties to even); ±Infinity past the f16 range. */
export function toF16(v: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  const a = Math.abs(v);
  if (a >= 65520) return Math.sign(v) * Infinity;
  const e = Math.max(Math.floor(Math.log2(a)), -14); // subnormals share the exponent of 2^-14
  const ulp = 2 ** (e - 10);
  const q = a / ulp;
  let r = Math.round(q);
  if (r - q === 0.5 && r % 2 === 1) r -= 1; // Math.round rounds halves up; f16 rounds them to even
  return Math.sign(v) * r * ulp;
}

/** The spacing of f16 values around v (the most an implementation's rounding may move v). */
export function f16Ulp(v: number): number {
  const a = Math.abs(v);
  return a === 0 ? 2 ** -24 : 2 ** (Math.max(Math.floor(Math.log2(a)), -14) - 10);
}

/** The f16 in bits 0–15 of h. */
export function halfBitsToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** u32 words of two f16 (low half first) → their 2·n values. */
export function unpackHalfWords(words: Uint32Array): Float64Array {
  const out = new Float64Array(2 * words.length);
  words.forEach((w, i) => {
    out[2 * i] = halfBitsToNumber(w & 0xffff);
    out[2 * i + 1] = halfBitsToNumber(w >>> 16);
  });
  return out;
}

/** x [N, C, H, W] → the values of its half rows [N, C, H, 2·Wh] (one zero left, zeros right), unrounded. */
export function halfRowsRef(x: ArrayLike<number>, [N, C, H, W]: readonly number[]): Float64Array {
  const Wp = 2 * ((W + 3) >> 1);
  const out = new Float64Array(N * C * H * Wp);
  for (let r = 0; r < N * C * H; r++) for (let j = 0; j < W; j++) out[r * Wp + j + 1] = x[r * W + j];
  return out;
}

/** The half convolution's twin: 3×3, stride 1, pad 1 over f16-rounded x and w, bias in f32. */
export function conv2dHalfRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, s: Omit<ConvShape, 'K' | 'stride' | 'pad'>): Float64Array {
  return conv2dForwardRef(Array.from(x, toF16), Array.from(w, toF16), b, { ...s, K: 3, stride: 1, pad: 1 });
}
