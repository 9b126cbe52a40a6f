enable subgroups;

// conv2d_colanes_weight.wgsl — weight and bias gradients of a 3×3 stride-1 conv2d in the colanes design
// (conv2d_colanes.wgsl): a workgroup is 8 invocations, one per output channel co, for one input channel ci;
// for CB input channels; each lane keeps the CB·9 taps of dW[co, ci] and walks its slice of output rows:
//   dW[co, ci, ky, kx] = Σ_{n, oy, ox} dy[n, co, oy, ox] · x[n, ci, oy + ky − pad, ox + kx − pad]
// Per pair of output rows and chunk of 8 output columns a lane loads its own 16 dy values (no value is
// loaded twice) and each input value is loaded by one lane and handed to all (subgroupShuffle): the pair
// reads 4 input rows, 10 columns each, in 5 loads per input channel, so per-lane loads — lavapipe's
// expensive operation — are 16 + 5·CB per 144·CB multiply-adds (one row at a time: 8 + 6·CB per 72·CB).
// Slot z = group·splits + split sums images group·images_per_slot … (+ images_per_slot − 1) over its row
// slice and writes its partial sums: dwp[z, co, ci, tap], and (first block only) dbp[z, co]; a sum over
// the slots follows (reduce.ts's sumOuter). Several images per slot keep the partials (written by
// per-lane stores, read again by the sum) few where the batch alone gives enough workgroups.
// Grid: (ceil(C_in / CB), ceil(C_out / 8), ceil(N / images_per_slot) · splits).
// include: conv2d_weight_slots.wgsl

struct ConvWC {
  N: u32, C_in: u32, H: u32, W: u32,
  C_out: u32, OH: u32, OW: u32,
  pad: u32, splits: u32, rows_per_split: u32, images_per_slot: u32,
}

@group(0) @binding(0) var<uniform> p: ConvWC;
@group(0) @binding(1) var<storage, read> gy: array<f32>;        // dy [N, C_out, OH, OW]
@group(0) @binding(2) var<storage, read> xin: array<f32>;       // x [N, C_in, H, W]
@group(0) @binding(3) var<storage, read_write> dwp: array<f32>; // [slots, C_out, C_in, 3, 3]
@group(0) @binding(4) var<storage, read_write> dbp: array<f32>; // [slots, C_out]

// x[n, ci] at (iy, ix), zero outside the image.
fn x_at(plane: u32, iy: i32, ix: i32) -> f32 {
  let inside = iy >= 0 && iy < i32(p.H) && ix >= 0 && ix < i32(p.W);
  let cy = u32(clamp(iy, 0, i32(p.H) - 1));
  let cx = u32(clamp(ix, 0, i32(p.W) - 1));
  return select(0.0, xin[(plane + cy) * p.W + cx], inside);
}

// Input channels per workgroup (the four accumulate calls below): the dy values a lane loads serve CB·9
// accumulators (spilled accumulators cost a stack access, far less than a per-lane load).
const CB = 4u;

// Row start of x[n, ci] (ci clamped: a block past C_in computes a valid channel and stores nothing).
fn x_plane(n: u32, ci: u32) -> u32 {
  return (n * p.C_in + min(ci, p.C_in - 1u)) * p.H;
}

// Input column c0 − pad + m (m = 0…9) of row t (0…3) of the window: lane m's value of that row for m < 8,
// else the extra value e, which lane t + 4·(m − 8) loaded.
fn xw(v: f32, e: f32, t: u32, m: u32) -> f32 {
  return select(subgroupShuffle(v, min(m, 7u)), subgroupShuffle(e, (t + 4u * (m - 8u)) & 7u), m >= 8u);
}

// Σ_j d[j] · x[row t, column c0 − pad + j + kx] over a chunk's 8 columns, as one expression.
fn dot8(d: array<f32, 8>, v: f32, e: f32, t: u32, kx: u32, acc: f32) -> f32 {
  return fma(d[7], xw(v, e, t, 7u + kx), fma(d[6], xw(v, e, t, 6u + kx), fma(d[5], xw(v, e, t, 5u + kx),
    fma(d[4], xw(v, e, t, 4u + kx), fma(d[3], xw(v, e, t, 3u + kx), fma(d[2], xw(v, e, t, 2u + kx),
    fma(d[1], xw(v, e, t, 1u + kx), fma(d[0], xw(v, e, t, kx), acc))))))));
}

// Two output rows oy, oy + 1 (dy d0, d1) of one input channel: acc[ky·3 + kx] += Σ_j d0[j]·x[oy + ky − pad,
// c0 − pad + j + kx] + Σ_j d1[j]·x[oy + 1 + ky − pad, …]. The 4 input rows they read are one load each
// (lane l: column c0 − pad + l), their columns 8 and 9 one more (lane t: row t's column 8; lane 4 + t: its
// column 9), and every tap is written once, its 16 products in one expression: lavapipe compiles each
// lane-varying load into a loop over the lanes and each write inside a loop into a blend and a store.
fn accumulate2(acc: ptr<function, array<f32, 9>>, d0: array<f32, 8>, d1: array<f32, 8>, xplane: u32, iy0: i32, ix: i32, l: u32) {
  let v0 = x_at(xplane, iy0, ix);
  let v1 = x_at(xplane, iy0 + 1, ix);
  let v2 = x_at(xplane, iy0 + 2, ix);
  let v3 = x_at(xplane, iy0 + 3, ix);
  let e = x_at(xplane, iy0 + i32(l & 3u), ix - i32(l) + 8 + i32(l >> 2u));
  for (var kx = 0u; kx < 3u; kx++) {
    (*acc)[kx] = dot8(d1, v1, e, 1u, kx, dot8(d0, v0, e, 0u, kx, (*acc)[kx]));
    (*acc)[3u + kx] = dot8(d1, v2, e, 2u, kx, dot8(d0, v1, e, 1u, kx, (*acc)[3u + kx]));
    (*acc)[6u + kx] = dot8(d1, v3, e, 3u, kx, dot8(d0, v2, e, 2u, kx, (*acc)[6u + kx]));
  }
}

@compute @workgroup_size(8)
fn colanes_weight_k3s1(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) l: u32) {
  let ci0 = wid.x * CB;
  let co = wid.y * 8u + l;
  let coc = min(co, p.C_out - 1u); // lanes past C_out read a valid channel and store nothing
  let n0 = (wid.z / p.splits) * p.images_per_slot;
  let n1 = min(n0 + p.images_per_slot, p.N);
  let split = wid.z % p.splits;
  let oyBegin = split * p.rows_per_split;
  let oyEnd = min(oyBegin + p.rows_per_split, p.OH);
  var acc0: array<f32, 9>; var acc1: array<f32, 9>; var acc2: array<f32, 9>; var acc3: array<f32, 9>;
  var db = 0.0;
  // The slot's images one after the other, the accumulators carried across them.
  for (var n = n0; n < n1; n++) {
    let dplane = (n * p.C_out + coc) * p.OH;
    // Two output rows per turn (the second zero past the slice's end).
    for (var oy = oyBegin; oy < oyEnd; oy += 2u) {
      let drow0 = (dplane + oy) * p.OW;
      let has1 = oy + 1u < oyEnd;
      let drow1 = (dplane + min(oy + 1u, p.OH - 1u)) * p.OW;
      for (var c0 = 0u; c0 < p.OW; c0 += 8u) {
        // This lane's dy at columns c0 … c0 + 7 of both rows (zero past the row's end).
        var d0: array<f32, 8>;
        var d1: array<f32, 8>;
        for (var j = 0u; j < 8u; j++) {
          let col = min(c0 + j, p.OW - 1u);
          d0[j] = select(0.0, gy[drow0 + col], c0 + j < p.OW);
          d1[j] = select(0.0, gy[drow1 + col], c0 + j < p.OW && has1);
        }
        db += (((d0[0] + d0[1]) + (d0[2] + d0[3])) + ((d0[4] + d0[5]) + (d0[6] + d0[7])))
          + (((d1[0] + d1[1]) + (d1[2] + d1[3])) + ((d1[4] + d1[5]) + (d1[6] + d1[7])));
        // Input rows oy − pad … oy − pad + 3; lane l holds column c0 − pad + l.
        let iy0 = i32(oy) - i32(p.pad);
        let ix = i32(c0) - i32(p.pad) + i32(l);
        // One call per input channel of the block, each with its own accumulator array: constant indices
        // keep them out of per-lane scratch memory.
        accumulate2(&acc0, d0, d1, x_plane(n, ci0), iy0, ix, l);
        accumulate2(&acc1, d0, d1, x_plane(n, ci0 + 1u), iy0, ix, l);
        accumulate2(&acc2, d0, d1, x_plane(n, ci0 + 2u), iy0, ix, l);
        accumulate2(&acc3, d0, d1, x_plane(n, ci0 + 3u), iy0, ix, l);
      }
    }
  }
  if (co >= p.C_out) { return; }
  store_taps(acc0, wid.z, co, ci0);
  store_taps(acc1, wid.z, co, ci0 + 1u);
  store_taps(acc2, wid.z, co, ci0 + 2u);
  store_taps(acc3, wid.z, co, ci0 + 3u);
  if (wid.x == 0u) { dbp[wid.z * p.C_out + co] = db; }
}
