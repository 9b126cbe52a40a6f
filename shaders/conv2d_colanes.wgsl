enable subgroups;

// conv2d_colanes.wgsl — 3×3 (stride 1) and 1×1 conv2d for adapters that run invocations as SIMD lanes of a
// CPU vector (lavapipe: 8 lanes per AVX2 register). A workgroup is exactly one subgroup of 8 invocations,
// one per output channel, and computes a tile of TR × TW output pixels of one image for those 8 channels
// (colanes_k1, the 1×1 kernel at the end: two channels per lane over 8·KR pixels of the flattened batch).
// lavapipe compiles every load whose address is not provably the same for all lanes into a loop over the
// lanes with a mask test and a bounds check (~10 instructions per lane; a vec4 load is four such loops),
// and its uniformity proof does not follow workgroup_id or loop counters. So every load here brings 8
// useful values: each lane loads its own weight, and each input value is loaded by one lane and handed to
// all of them by a subgroup shuffle. Lanes are numbered by subgroup_invocation_id, so the kernels need
// subgroups of exactly 8 (Gpu.hasSubgroups8); elsewhere the 'colanes' variant falls back to 'blocked'.
// lavapipe also turns every write of a variable inside a loop into a masked blend plus a store (arrays
// live in memory; GALLIVM_DEBUG=asm shows one vblendvps per write), so colanes_k3s1 writes each
// accumulator once per input channel, its 9 taps in one expression fed by subgroup shuffles of the rows
// (2× the speed of updating it per input row with broadcast values kept in an array).
// Weights are read in their own layout [C_out, C_in, K, K] (a lane-varying load costs the same whatever its
// stride, so there is no packing pass): w_co_stride / w_ci_stride say where lane co's weight for input
// channel ci starts, and w_flip = 1 reads the taps mirrored. With the two strides swapped and the taps
// mirrored the same kernel computes the stride-1 input gradient as a forward convolution of dy.
// Grid of colanes_k3s1: (ceil(OH / TR) · ceil(OW / TW), ceil(C_out / 8), N).

struct ConvC {
  N: u32, C_in: u32, H: u32, W: u32,
  C_out: u32, OH: u32, OW: u32,
  pad: u32, has_bias: u32,
  w_co_stride: u32, w_ci_stride: u32, w_flip: u32,
}

@group(0) @binding(0) var<uniform> p: ConvC;
@group(0) @binding(1) var<storage, read> x: array<f32>;        // [N, C_in, H, W]
@group(0) @binding(2) var<storage, read> w: array<f32>;        // [C_out, C_in, K, K] (flipped: [C_in, C_out, K, K])
@group(0) @binding(3) var<storage, read> bias: array<f32>;     // [C_out] (unread when has_bias = 0)
@group(0) @binding(4) var<storage, read_write> y: array<f32>;  // [N, C_out, OH, OW]

// Tile rows × columns: 7 × 7 tiles the UNet's 28², 14² and 7² maps exactly. The 49 accumulators live in
// memory, written once per input channel. Per input channel a tile loads 9 weights and TR + 4 input rows
// (TR + 2 window rows, two for the window's last column) for 63·TR multiply-adds per lane, so taller tiles
// load less per product: 7 rows ran the 3×3 kernel 1.1–1.6× as fast as 4 at the UNet's shapes (lavapipe,
// 2026-12-03); 8 output channels more per workgroup (16, two sets of weights) lost 0.4–0.8× (spills).
const TR = 7u;
const TW = 7u;

// Lane l (its subgroup invocation id) of workgroup column cb8 owns output channel cb8·8 + l; wbase is where
// its weights start (lanes past C_out read the last channel's and store nothing).
struct Lane { co: u32, wbase: u32 }

fn lane_of(cb8: u32, l: u32) -> Lane {
  let co = cb8 * 8u + l;
  return Lane(co, min(co, p.C_out - 1u) * p.w_co_stride);
}

// This lane's weight for input channel ci, tap t (ky·3 + kx; mirrored to 8 − t when w_flip = 1).
fn lane_weight(s: Lane, ci: u32, t: u32) -> f32 {
  return w[s.wbase + ci * p.w_ci_stride + select(t, 8u - t, p.w_flip == 1u)];
}

fn lane_bias(s: Lane) -> f32 {
  if (p.has_bias == 0u) { return 0.0; }
  return bias[min(s.co, p.C_out - 1u)];
}

// Input value (row, column ix) of one plane row, zero outside [0, W): uniform address and condition.
fn x_at(row: u32, ix: i32) -> f32 {
  let inside = ix >= 0 && ix < i32(p.W);
  return select(0.0, x[row + u32(clamp(ix, 0, i32(p.W) - 1))], inside);
}

// Tile index t → its first output row and column (tiles run along rows, ceil(OW / TW) per row of tiles).
fn tile_row(t: u32) -> u32 { return (t / ((p.OW + TW - 1u) / TW)) * TR; }
fn tile_col(t: u32) -> u32 { return (t % ((p.OW + TW - 1u) / TW)) * TW; }

fn filled(v: f32) -> array<array<f32, TW>, TR> {
  var a: array<array<f32, TW>, TR>;
  for (var r = 0u; r < TR; r++) { for (var c = 0u; c < TW; c++) { a[r][c] = v; } }
  return a;
}

fn store_tile(s: Lane, n: u32, oy0: u32, ox0: u32, acc: array<array<f32, TW>, TR>) {
  if (s.co >= p.C_out) { return; }
  let base = (n * p.C_out + s.co) * p.OH;
  for (var r = 0u; r < TR; r++) {
    let oy = oy0 + r;
    if (oy >= p.OH) { break; }
    for (var c = 0u; c < TW; c++) {
      if (ox0 + c < p.OW) { y[(base + oy) * p.OW + ox0 + c] = acc[r][c]; }
    }
  }
}

// Input row ir's column c of the tile window (c < 8: lane c's value v; c = 8: lane ir's `last` for the
// first 8 window rows, lane ir − 8's `last2` after them). ir and c are constants once the loops unroll.
fn window_at(v: f32, last: f32, last2: f32, ir: u32, c: u32) -> f32 {
  let edge = select(subgroupShuffle(last, min(ir, 7u)), subgroupShuffle(last2, ir - min(ir, 8u)), ir >= 8u);
  return select(subgroupShuffle(v, min(c, 7u)), edge, c >= 8u);
}

@compute @workgroup_size(8)
fn colanes_k3s1(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) l: u32) {
  let s = lane_of(wid.y, l);
  let oy0 = tile_row(wid.x);
  let ox0 = tile_col(wid.x);
  let n = wid.z;
  var acc = filled(lane_bias(s));
  let ix0 = i32(ox0) - i32(p.pad);
  for (var ci = 0u; ci < p.C_in; ci++) {
    let w0 = lane_weight(s, ci, 0u); let w1 = lane_weight(s, ci, 1u); let w2 = lane_weight(s, ci, 2u);
    let w3 = lane_weight(s, ci, 3u); let w4 = lane_weight(s, ci, 4u); let w5 = lane_weight(s, ci, 5u);
    let w6 = lane_weight(s, ci, 6u); let w7 = lane_weight(s, ci, 7u); let w8 = lane_weight(s, ci, 8u);
    let plane = (n * p.C_in + ci) * p.H;
    // Column ix0 + 8 of window row j is loaded by lane j (j < 8: last) or lane j − 8 (last2), once for all
    // rows.
    let jy = i32(oy0 + l) - i32(p.pad);
    let jrow = (plane + u32(clamp(jy, 0, i32(p.H) - 1))) * p.W;
    let last = select(0.0, x_at(jrow, ix0 + 8), jy >= 0 && jy < i32(p.H));
    let jy2 = i32(oy0 + 8u + l) - i32(p.pad);
    let jrow2 = (plane + u32(clamp(jy2, 0, i32(p.H) - 1))) * p.W;
    let last2 = select(0.0, x_at(jrow2, ix0 + 8), jy2 >= 0 && jy2 < i32(p.H));
    // Lane l holds column ix0 + l of input rows oy0 − pad + ir (zero outside the image).
    var v: array<f32, TR + 2u>;
    for (var ir = 0u; ir < TR + 2u; ir++) {
      let iy = i32(oy0 + ir) - i32(p.pad);
      let row = (plane + u32(clamp(iy, 0, i32(p.H) - 1))) * p.W;
      v[ir] = select(0.0, x_at(row, ix0 + i32(l)), iy >= 0 && iy < i32(p.H));
    }
    // Each accumulator is written once per input channel, all 9 taps in one expression: lavapipe blends
    // and stores every write of a variable inside the loop, so fewer writes beat shared row values.
    for (var r = 0u; r < TR; r++) {
      for (var c = 0u; c < TW; c++) {
        acc[r][c] = fma(w8, window_at(v[r + 2u], last, last2, r + 2u, c + 2u), fma(w7, window_at(v[r + 2u], last, last2, r + 2u, c + 1u),
          fma(w6, window_at(v[r + 2u], last, last2, r + 2u, c), fma(w5, window_at(v[r + 1u], last, last2, r + 1u, c + 2u),
          fma(w4, window_at(v[r + 1u], last, last2, r + 1u, c + 1u), fma(w3, window_at(v[r + 1u], last, last2, r + 1u, c),
          fma(w2, window_at(v[r], last, last2, r, c + 2u), fma(w1, window_at(v[r], last, last2, r, c + 1u),
          fma(w0, window_at(v[r], last, last2, r, c), acc[r][c])))))))));
      }
    }
  }
  store_tile(s, n, oy0, ox0, acc);
}

// 1×1: four input channels per turn of the loop, so each accumulator is written once per four products
// (a write inside a loop is a blend and a store on lavapipe). Channels past C_in weigh zero.
fn k1_weight(s: Lane, ci: u32) -> f32 {
  return select(0.0, lane_weight(s, min(ci, p.C_in - 1u), 0u), ci < p.C_in);
}

// 1×1 over flattened pixels: a 1×1 convolution has no spatial window, so the tile is KR groups of 8
// consecutive pixels q = n·P + position (P = H·W; a group may run across images) and 16 output channels
// (lane l owns cb16·16 + l and cb16·16 + 8 + l): per four input channels 8 weight loads and 4·KR input loads
// feed 4·16·KR products per lane (the 7×7 pixel tile of the 3×3 kernel, which this replaced on
// 2026-12-03: 7·4 + 4 loads for 4·49; 1.6–2.5× at the UNet's 1×1 shapes on lavapipe). Grid: the
// ceil(N·H·W / (8·KR)) pixel blocks folded over x and z (block wid.z·num_workgroups.x + wid.x; blocks past
// the end store nothing), ceil(C_out / 16) in y.
const KR = 4u;

// Offset of flattened pixel q's value in input channel 0 (n·C_in·P + position); q past the end clamps.
fn k1_x_offset(q: u32) -> u32 {
  let P = p.H * p.W;
  let qc = min(q, p.N * P - 1u);
  return (qc / P) * p.C_in * P + qc % P;
}

@compute @workgroup_size(8)
fn colanes_k1(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(subgroup_invocation_id) l: u32) {
  let s0 = lane_of(2u * wid.y, l);
  let s1 = lane_of(2u * wid.y + 1u, l);
  let P = p.H * p.W;
  let q0 = (wid.z * nwg.x + wid.x) * 8u * KR;
  var xo: array<u32, KR>;
  for (var r = 0u; r < KR; r++) { xo[r] = k1_x_offset(q0 + 8u * r + l); }
  var acc0: array<f32, 8u * KR>;
  var acc1: array<f32, 8u * KR>;
  let b0 = lane_bias(s0);
  let b1 = lane_bias(s1);
  for (var k = 0u; k < 8u * KR; k++) { acc0[k] = b0; acc1[k] = b1; }
  for (var ci = 0u; ci < p.C_in; ci += 4u) {
    let wa0 = k1_weight(s0, ci); let wb0 = k1_weight(s0, ci + 1u); let wc0 = k1_weight(s0, ci + 2u); let wd0 = k1_weight(s0, ci + 3u);
    let wa1 = k1_weight(s1, ci); let wb1 = k1_weight(s1, ci + 1u); let wc1 = k1_weight(s1, ci + 2u); let wd1 = k1_weight(s1, ci + 3u);
    // Channels past C_in read zeros (their weights are zero too; Inf·0 would be NaN).
    let cb = min(ci + 1u, p.C_in - 1u) * P;
    let cc = min(ci + 2u, p.C_in - 1u) * P;
    let cd = min(ci + 3u, p.C_in - 1u) * P;
    for (var r = 0u; r < KR; r++) {
      let va = x[xo[r] + ci * P];
      let vb = select(0.0, x[xo[r] + cb], ci + 1u < p.C_in);
      let vc = select(0.0, x[xo[r] + cc], ci + 2u < p.C_in);
      let vd = select(0.0, x[xo[r] + cd], ci + 3u < p.C_in);
      for (var j = 0u; j < 8u; j++) {
        let xa = subgroupShuffle(va, j); let xb = subgroupShuffle(vb, j);
        let xc = subgroupShuffle(vc, j); let xd = subgroupShuffle(vd, j);
        acc0[8u * r + j] = fma(wd0, xd, fma(wc0, xc, fma(wb0, xb, fma(wa0, xa, acc0[8u * r + j]))));
        acc1[8u * r + j] = fma(wd1, xd, fma(wc1, xc, fma(wb1, xb, fma(wa1, xa, acc1[8u * r + j]))));
      }
    }
  }
  // Pixel q0 + k is image n, position pos: stepped along instead of divided per pixel.
  var n = q0 / P;
  var pos = q0 % P;
  for (var k = 0u; k < 8u * KR; k++) {
    if (n >= p.N) { break; }
    if (s0.co < p.C_out) { y[(n * p.C_out + s0.co) * P + pos] = acc0[k]; }
    if (s1.co < p.C_out) { y[(n * p.C_out + s1.co) * P + pos] = acc1[k]; }
    pos += 1u;
    if (pos == P) { pos = 0u; n += 1u; }
  }
}
