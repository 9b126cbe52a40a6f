// Plain, unoptimised twin of src/eval/swd.ts for small cases: full 5×5 kernel instead of separable taps,
// nested arrays, and an explicit sort per projection. It consumes the seeded random stream in the same
// order (per level: set A's patch corners, set B's, then per repeat the directions' normals).
import { mulberry32 } from '../../src/runtime/mulberry.ts';

type Img = number[][];
const K1 = [1, 4, 6, 4, 1];

function at(img: Img, y: number, x: number): number {
  const n = img.length;
  const m = (i: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
  return img[m(y)][m(x)];
}

function blur2d(img: Img, gain = 1): Img {
  const n = img.length;
  return img.map((row, y) => row.map((_, x) => {
    let s = 0;
    for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) s += (K1[dy + 2] * K1[dx + 2] / 256) * at(img, y + dy, x + dx);
    return (gain * s);
  })).slice(0, n);
}

export function pyramidRef(img: Img, minSize: number): Img[] {
  const gauss = [img];
  while (gauss[gauss.length - 1].length > minSize) {
    const g = gauss[gauss.length - 1];
    const b = blur2d(g);
    const h = Math.ceil(g.length / 2);
    gauss.push(Array.from({ length: h }, (_, y) => Array.from({ length: h }, (_, x) => b[2 * y][2 * x])));
  }
  const out: Img[] = [];
  for (let k = 0; k + 1 < gauss.length; k++) {
    const s = gauss[k].length;
    const up: Img = Array.from({ length: s }, (_, y) => Array.from({ length: s }, (_, x) => (y % 2 === 0 && x % 2 === 0 ? gauss[k + 1][y / 2][x / 2] : 0)));
    const sm = blur2d(up, 4);
    out.push(gauss[k].map((row, y) => row.map((v, x) => v - sm[y][x])));
  }
  out.push(gauss[gauss.length - 1]);
  return out;
}

function descriptors(levels: Img[], patches: number, rand: () => number): number[][] {
  const desc: number[][] = [];
  for (const img of levels) {
    const span = img.length - 6;
    for (let p = 0; p < patches; p++) {
      const y0 = Math.floor(rand() * span);
      const x0 = Math.floor(rand() * span);
      const d: number[] = [];
      for (let y = 0; y < 7; y++) for (let x = 0; x < 7; x++) d.push(img[y0 + y][x0 + x]);
      desc.push(d);
    }
  }
  const all = desc.flat();
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length) || 1;
  return desc.map((d) => d.map((v) => (v - mean) / std));
}

export function swdRef(a: Img[], b: Img[], o: { patches: number; repeats: number; directions: number; minSize: number; seed: number }): number[] {
  const pa = a.map((img) => pyramidRef(img, o.minSize));
  const pb = b.map((img) => pyramidRef(img, o.minSize));
  return pa[0].map((_, k) => {
    const rand = mulberry32(o.seed * 1000 + k);
    const da = descriptors(pa.map((p) => p[k]), o.patches, rand);
    const db = descriptors(pb.map((p) => p[k]), o.patches, rand);
    let total = 0;
    for (let r = 0; r < o.repeats; r++) {
      const dirs: number[][] = [];
      for (let j = 0; j < o.directions; j++) {
        const v = Array.from({ length: 49 }, () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()));
        const norm = Math.hypot(...v);
        dirs.push(v.map((x) => x / norm));
      }
      let s = 0;
      for (const u of dirs) {
        const proj = (ds: number[][]) => ds.map((d) => d.reduce((acc, v, i) => acc + v * u[i], 0)).sort((x, y) => x - y);
        const A = proj(da);
        const B = proj(db);
        s += A.reduce((acc, v, i) => acc + Math.abs(v - B[i]), 0) / A.length;
      }
      total += s / o.directions;
    }
    return (total / o.repeats) * 1e3;
  });
}
