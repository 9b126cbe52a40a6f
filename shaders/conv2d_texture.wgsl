enable subgroups;

// conv2d_texture.wgsl — weight and bias gradients of a 3×3 stride-1 conv2d for lavapipe, in the design of
// conv2d_colanes_weight.wgsl (a workgroup = one subgroup of 8 lanes = 8 output channels; input values
// reach all lanes through subgroup shuffles) with x and dy fetched from rgba32float texel panels: lavapipe
// fetches a texel with vector code (4 floats per lane at about the cost of 2–3 lane-varying scalar loads,
// which it compiles into loops over the lanes), so whole output rows (TW = 28, 14 or 7 wide, an override)
// arrive in a few fetches: one by the 8 lanes covers the TW + 2 input columns of 1 (TW = 28) or 2 rows
// (TW = 14, 7) of x, and ⌈TW / 4⌉ bring a lane its own dy row.
// pack_x lays each input row out as one window of Q = ⌈(TW + 2) / 4⌉ texels, halo rows and zero padding
// in place, so the hot loop fetches without bounds tests. (A forward kernel of this design, tiles of
// 4 × TW pixels, lost to conv2d_colanes.wgsl once colanes wrote each accumulator once per input channel,
// and was removed.)
// Needs subgroups of exactly 8 (Gpu.hasSubgroups8).
// include: conv2d_weight_slots.wgsl

const TEXEL_ROW: u32 = 4096u;   // src/runtime/texture.ts's TEXEL_ROW
const TEXEL_SHIFT = 12u;        // log2(TEXEL_ROW)
const MAX_TW: u32 = 28u;        // the widest row (its window, 30 columns, is 8 texels: one per lane)
override TW: u32 = 28u;         // window columns less the halo (≤ MAX_TW): the output row's width
override Q: u32 = (TW + 5u) / 4u;  // texels per window row: ⌈(TW + 2) / 4⌉
override RPF: u32 = 8u / Q;        // window rows per fetch: lane l holds row l / Q, texel l % Q

struct ConvT {
  N: u32, C_in: u32, H: u32, W: u32,
  C_out: u32, OH: u32, OW: u32,
  pad: u32,
  rows_p: u32,    // packed input rows per plane: OH + 2 halo rows (+ 1 when RPF = 2: the last fetch's second row)
  splits: u32,    // weight gradient: row slices per image (1 elsewhere)
  rows_per_split: u32,
  images_per_slot: u32, // weight gradient: images each slot sums (1 elsewhere)
}

@group(0) @binding(0) var<uniform> p: ConvT;
@group(0) @binding(1) var<storage, read> x: array<f32>;         // [N, C_in, H, W]
@group(0) @binding(2) var<storage, read_write> x_out: array<vec4f>;  // pack_x's texels, then copied into xt
@group(0) @binding(3) var xt: texture_2d<f32>;

fn texel_xy(t: u32) -> vec2u { return vec2u(t & (TEXEL_ROW - 1u), t >> TEXEL_SHIFT); }

// Input column c of window row ir, whose fetch (number ir / RPF) is v: lane (ir % RPF)·Q + c / 4 holds it.
fn window_value(v: vec4f, ir: u32, c: u32) -> f32 {
  return subgroupShuffle(v, (ir % RPF) * Q + c / 4u)[c % 4u];
}

// Texel t = ((n·C_in + ci)·rows_p + r)·Q + q holds input row r − pad, columns 4q + e − pad (e = 0…3) of
// plane (n, ci); zero outside the image and past the window's TW + 2 (a fetch of RPF rows reads RPF·Q
// neighbouring texels).
// Grid (⌈rows_p·Q / 64⌉, N·C_in): x is the texel within plane workgroup_id.y's run, so no index needs a
// division by a runtime value (lavapipe divides per lane with scalar div instructions).
@compute @workgroup_size(64)
fn pack_x(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let x_in = gid.x;
  if (x_in >= p.rows_p * Q) { return; }
  let q = x_in % Q;
  let r = x_in / Q;
  let plane = wid.y;
  let t = plane * p.rows_p * Q + x_in;
  let iy = i32(r) - i32(p.pad);
  var v = vec4f(0.0);
  for (var e = 0u; e < 4u; e++) {
    let col = 4u * q + e;
    let ix = i32(col) - i32(p.pad);
    if (col < TW + 2u && iy >= 0 && iy < i32(p.H) && ix >= 0 && ix < i32(p.W)) {
      v[e] = x[(plane * p.H + u32(iy)) * p.W + u32(ix)];
    }
  }
  x_out[t] = v;
}

// dW[co, ci, ky, kx] = Σ_{n, oy, ox} dy[n, co, oy, ox] · x[n, ci, oy + ky − pad, ox + kx − pad], in the
// design of conv2d_colanes_weight.wgsl (a workgroup = 8 lanes = 8 output channels co, CB_W input
// channels, a slice of output rows; each lane keeps CB_W·9 taps) with whole output rows (OW ≤ TW) read
// as texels: per row a lane fetches its own dy row (⌈TW / 4⌉ texels of pack_dy), and per input channel
// the ⌈3 / RPF⌉ fetches of pack_x's windows hold the 3 input rows the taps need.
// Slot z = group·splits + split sums images group·images_per_slot … (+ images_per_slot − 1) over its row
// slice and writes its partial sums dwp[z, co, ci, tap] and (first block) dbp[z, co]; reduce.ts's
// sumOuter adds the slots. Grid: (⌈C_in / CB_W⌉, ⌈C_out / 8⌉, ⌈N / images_per_slot⌉ · splits).

const CB_W = 4u;                // input channels per workgroup (one accumulator array each)
override QD: u32 = (TW + 3u) / 4u;  // texels per dy row: ⌈TW / 4⌉

@group(0) @binding(4) var<storage, read> gy: array<f32>;          // dy [N, C_out, OH, OW]
@group(0) @binding(5) var<storage, read_write> dwp: array<f32>;  // [slots, C_out, C_in, 3, 3]
@group(0) @binding(6) var<storage, read_write> dbp: array<f32>;  // [slots, C_out]
@group(0) @binding(7) var<storage, read_write> dy_out: array<vec4f>;  // pack_dy's texels, then copied into dyt
@group(0) @binding(8) var dyt: texture_2d<f32>;

// Texel t = (((n·⌈C_out/8⌉ + cb)·OH + oy)·QD + q)·8 + l holds dy[n, 8·cb + l, oy, 4q + e] (e = 0…3; zero
// past OW and past C_out): per row and q, the 8 lanes' texels are neighbours.
// Grid (⌈OH·QD·8 / 64⌉, N·⌈C_out/8⌉): x is the texel within run (n, cb) = workgroup_id.y; the per-lane
// indices divide by constants only (n and cb divide the workgroup's id, one scalar division per workgroup).
@compute @workgroup_size(64)
fn pack_dy(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let x_in = gid.x;
  if (x_in >= p.OH * QD * 8u) { return; }
  let blocks = (p.C_out + 7u) / 8u;
  let l = x_in % 8u;
  let q = (x_in / 8u) % QD;
  let oy = x_in / (8u * QD);
  let co = (wid.y % blocks) * 8u + l;
  let n = wid.y / blocks;
  let t = wid.y * p.OH * QD * 8u + x_in;
  var v = vec4f(0.0);
  for (var e = 0u; e < 4u; e++) {
    let ox = 4u * q + e;
    if (ox < p.OW && co < p.C_out) { v[e] = gy[((n * p.C_out + co) * p.OH + oy) * p.OW + ox]; }
  }
  dy_out[t] = v;
}

// acc[ky·3 + kx] += Σ_c d[c] · x[row oy + ky − pad, column c + kx − pad] for one input channel, whose
// window rows start at texel xw (+ this lane's offset, as pack_x lays them out).
fn accumulate_rows(acc: ptr<function, array<f32, 9>>, d: array<f32, MAX_TW>, xw: u32) {
  for (var f = 0u; f < (3u + RPF - 1u) / RPF; f++) {
    let v = textureLoad(xt, texel_xy(xw + f * RPF * Q), 0);
    for (var rr = 0u; rr < RPF; rr++) {
      let ky = f * RPF + rr;
      if (ky >= 3u) { break; }
      var xr: array<f32, MAX_TW + 2u>;
      for (var c = 0u; c < TW + 2u; c++) { xr[c] = window_value(v, ky, c); }
      for (var kx = 0u; kx < 3u; kx++) {
        var sum = (*acc)[ky * 3u + kx];
        for (var c = 0u; c < TW; c++) { sum = fma(d[c], xr[c + kx], sum); }
        (*acc)[ky * 3u + kx] = sum;
      }
    }
  }
}

@compute @workgroup_size(8)
fn texture_weight_k3s1(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) l: u32) {
  let ci0 = wid.x * CB_W;
  let co = wid.y * 8u + l;
  let n0 = (wid.z / p.splits) * p.images_per_slot;
  let n1 = min(n0 + p.images_per_slot, p.N);
  let split = wid.z % p.splits;
  let oyBegin = split * p.rows_per_split;
  let oyEnd = min(oyBegin + p.rows_per_split, p.OH);
  // Window texel of (input channel ci, packed row oy) for this lane.
  let lane_x = min(l, RPF * Q - 1u);
  let plane_step = p.rows_p * Q;
  var acc0: array<f32, 9>; var acc1: array<f32, 9>; var acc2: array<f32, 9>; var acc3: array<f32, 9>;
  var db = 0.0;
  // The slot's images one after the other, the accumulators carried across them.
  for (var n = n0; n < n1; n++) {
    let x0 = (n * p.C_in + min(ci0, p.C_in - 1u)) * plane_step + lane_x;
    // Blocks past C_in read the last channel and store nothing.
    let x1 = (n * p.C_in + min(ci0 + 1u, p.C_in - 1u)) * plane_step + lane_x;
    let x2 = (n * p.C_in + min(ci0 + 2u, p.C_in - 1u)) * plane_step + lane_x;
    let x3 = (n * p.C_in + min(ci0 + 3u, p.C_in - 1u)) * plane_step + lane_x;
    let dbase = (n * ((p.C_out + 7u) / 8u) + wid.y) * p.OH;
    for (var oy = oyBegin; oy < oyEnd; oy++) {
      var d: array<f32, MAX_TW>;
      for (var q = 0u; q < QD; q++) {
        let dv = textureLoad(dyt, texel_xy(((dbase + oy) * QD + q) * 8u + l), 0);
        for (var e = 0u; e < 4u; e++) {
          if (4u * q + e < TW) { d[4u * q + e] = dv[e]; }
        }
        db += dv.x + dv.y + dv.z + dv.w;
      }
      accumulate_rows(&acc0, d, x0 + oy * Q);
      accumulate_rows(&acc1, d, x1 + oy * Q);
      accumulate_rows(&acc2, d, x2 + oy * Q);
      accumulate_rows(&acc3, d, x3 + oy * Q);
    }
  }
  if (co >= p.C_out) { return; }
  store_taps(acc0, wid.z, co, ci0);
  store_taps(acc1, wid.z, co, ci0 + 1u);
  store_taps(acc2, wid.z, co, ci0 + 2u);
  store_taps(acc3, wid.z, co, ci0 + 3u);
  if (wid.x == 0u) { dbp[wid.z * p.C_out + co] = db; }
}
