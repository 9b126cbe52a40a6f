// CPU twin of the Philox4x32-10 generator in shaders/common.wgsl and of random.wgsl / q_sample's draws.
function mulHiLo(a: number, b: number): [number, number] {
  const p = BigInt(a >>> 0) * BigInt(b >>> 0);
  return [Number(p >> 32n) >>> 0, Number(p & 0xffffffffn) >>> 0];
}

export function philox4x32(counter: [number, number, number, number], key: [number, number]): number[] {
  let [c0, c1, c2, c3] = counter.map((v) => v >>> 0);
  let [k0, k1] = key.map((v) => v >>> 0);
  for (let r = 0; r < 10; r++) {
    const [hi0, lo0] = mulHiLo(0xd2511f53, c0);
    const [hi1, lo1] = mulHiLo(0xcd9e8d57, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
    k0 = (k0 + 0x9e3779b9) >>> 0;
    k1 = (k1 + 0xbb67ae85) >>> 0;
  }
  return [c0, c1, c2, c3];
}

const u01 = (u: number) => ((u >>> 8) + 1) / 16777216;

export function normal4(counter: [number, number, number, number], key: [number, number]): number[] {
  const r = philox4x32(counter, key);
  const r1 = Math.sqrt(-2 * Math.log(u01(r[0])));
  const r2 = Math.sqrt(-2 * Math.log(u01(r[2])));
  const a1 = 2 * Math.PI * u01(r[1]);
  const a2 = 2 * Math.PI * u01(r[3]);
  return [r1 * Math.cos(a1), r1 * Math.sin(a1), r2 * Math.cos(a2), r2 * Math.sin(a2)];
}

export const streamKey = (seed: number, stream: number, counter: number): [number, number] => [
  seed >>> 0,
  (stream ^ Math.imul(counter, 0x9e3779b9)) >>> 0,
];

/** n normals as randn(seed, stream) with the GPU step counter at `counter`. `lane1` = 0 (randn, q_sample). */
export function randnRef(n: number, key: [number, number], lane1 = 0): Float64Array {
  const out = new Float64Array(n);
  for (let blk = 0; blk * 4 < n; blk++) {
    const z = normal4([blk, lane1, 0, 0], key);
    for (let l = 0; l < 4 && blk * 4 + l < n; l++) out[blk * 4 + l] = z[l];
  }
  return out;
}

export function randintRef(n: number, range: number, key: [number, number]): Uint32Array {
  const out = new Uint32Array(n);
  for (let blk = 0; blk * 4 < n; blk++) {
    const r = philox4x32([blk, 1, 0, 0], key);
    for (let l = 0; l < 4 && blk * 4 + l < n; l++) out[blk * 4 + l] = Math.min(Math.floor(((r[l] >>> 8) / 16777216) * range), range - 1);
  }
  return out;
}
