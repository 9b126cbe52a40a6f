// conv2d_weight.wgsl — weight and bias gradients read straight from NCHW dy and x (no layout pass). The
// reduction over (image, position) is split by image and, for small problems, by ranges of units within
// an image (output rows for 3×3; positions or vec4s of positions for 1×1) into partials
// dwp [N·splits, C_out, C_in, K·K] and dbp [N·splits, C_out], summed afterwards (reduce.wgsl sum_outer).
// Accumulators are named registers (see conv2d_blocked.wgsl for why). Every invocation also sums its 4
// output channels of dy; those of the first input-channel block store that as the bias-gradient partial,
// so db costs no extra pass.
//   weight_k3s1: 3×3 stride 1, invocation (n, 4 output channels, ci); a 3×3 window of x slides along each row
//                (3 new loads per output column).
//   weight_k3s2: 3×3 stride 2, the same; the window advances 2 columns, so its last column becomes the next
//                first one (6 new loads per output column).
//   weight_k1:   1×1 stride 1 pad 0, invocation (n, 4 output channels, 4 input channels): per position
//                4 dy and 4 x loads feed 16 products.
//   weight_k1v4: weight_k1 when the plane size P is a multiple of 4: 4 consecutive positions per vec4 load
//                of each channel's plane, 16 vec4 products per 8 loads, reduced by dot() at the end.

struct ConvW {
  N: u32, C_in: u32, H: u32, W: u32,
  C_out: u32, OH: u32, OW: u32,
  stride: u32, pad: u32,
  splits: u32, units_per_split: u32,
}

@group(0) @binding(0) var<uniform> p: ConvW;
@group(0) @binding(1) var<storage, read> gy: array<f32>;        // dy [N, C_out, OH, OW]
@group(0) @binding(1) var<storage, read> gy4: array<vec4f>;     // the same, 4 positions per element
@group(0) @binding(2) var<storage, read> xin: array<f32>;       // x [N, C_in, H, W]
@group(0) @binding(2) var<storage, read> xin4: array<vec4f>;    // the same, 4 positions per element
@group(0) @binding(3) var<storage, read_write> dwp: array<f32>; // [N·splits, C_out, C_in, K·K]
@group(0) @binding(4) var<storage, read_write> dbp: array<f32>; // [N·splits, C_out]

// Invocation id = ((n·splits + sp)·co4 + cb)·cin_blocks + cib; it reduces units [u0, u1) of image n into
// partial slot n·splits + sp.
struct WBlock { n: u32, slot: u32, u0: u32, u1: u32, cb: u32, cib: u32, ok: bool }

fn wblock(id: u32, cin_blocks: u32, units: u32) -> WBlock {
  let co4 = (p.C_out + 3u) / 4u;
  var t: WBlock;
  t.ok = id < p.N * p.splits * co4 * cin_blocks;
  t.cib = id % cin_blocks;
  t.cb = (id / cin_blocks) % co4;
  t.slot = id / (cin_blocks * co4);
  t.n = t.slot / p.splits;
  t.u0 = (t.slot % p.splits) * p.units_per_split;
  t.u1 = min(units, t.u0 + p.units_per_split);
  return t;
}

// Offsets of the planes dy[n, co0 + j], clamped to the last channel: lanes past C_out compute on a real
// channel and are never stored.
fn gy_planes(t: WBlock) -> vec4u {
  let last = p.C_out - 1u;
  let co0 = t.cb * 4u;
  let P = p.OH * p.OW;
  let b = t.n * p.C_out;
  return vec4u(b + min(co0, last), b + min(co0 + 1u, last), b + min(co0 + 2u, last), b + min(co0 + 3u, last)) * P;
}

fn store_dw(t: WBlock, ci: u32, tap: u32, kk: u32, v: vec4f) {
  if (ci >= p.C_in) { return; }
  let co0 = t.cb * 4u;
  let step = p.C_in * kk;
  let base = ((t.slot * p.C_out + co0) * p.C_in + ci) * kk + tap;
  if (co0 < p.C_out) { dwp[base] = v.x; }
  if (co0 + 1u < p.C_out) { dwp[base + step] = v.y; }
  if (co0 + 2u < p.C_out) { dwp[base + 2u * step] = v.z; }
  if (co0 + 3u < p.C_out) { dwp[base + 3u * step] = v.w; }
}

fn store_db(t: WBlock, v: vec4f) {
  if (t.cib != 0u) { return; }
  let co0 = t.cb * 4u;
  let base = t.slot * p.C_out + co0;
  if (co0 < p.C_out) { dbp[base] = v.x; }
  if (co0 + 1u < p.C_out) { dbp[base + 1u] = v.y; }
  if (co0 + 2u < p.C_out) { dbp[base + 2u] = v.z; }
  if (co0 + 3u < p.C_out) { dbp[base + 3u] = v.w; }
}

// x value at (row base, column col) of a plane, 0 outside.
fn x_at(row: u32, row_ok: bool, col: i32) -> f32 {
  let ok = row_ok && col >= 0 && col < i32(p.W);
  return select(0.0, xin[row + u32(clamp(col, 0, i32(p.W) - 1))], ok);
}

// dy at position q of the 4 planes gy_planes gave: one value per output channel.
fn dy_at(gp: vec4u, q: u32) -> vec4f {
  return vec4f(gy[gp.x + q], gy[gp.y + q], gy[gp.z + q], gy[gp.w + q]);
}

// Input rows y0, y0 + 1, y0 + 2 of a plane: base offsets (clamped into the plane) and whether each exists.
struct Rows3 { row0: u32, row1: u32, row2: u32, ok0: bool, ok1: bool, ok2: bool }

fn rows3(plane: u32, y0: i32) -> Rows3 {
  let hi = i32(p.H);
  var r: Rows3;
  r.ok0 = y0 >= 0 && y0 < hi;
  r.ok1 = y0 + 1 >= 0 && y0 + 1 < hi;
  r.ok2 = y0 + 2 >= 0 && y0 + 2 < hi;
  r.row0 = plane + u32(clamp(y0, 0, hi - 1)) * p.W;
  r.row1 = plane + u32(clamp(y0 + 1, 0, hi - 1)) * p.W;
  r.row2 = plane + u32(clamp(y0 + 2, 0, hi - 1)) * p.W;
  return r;
}

// Stores the nine taps (ky, kx) = s<ky><kx> of input channel ci.
fn store_dw9(t: WBlock, ci: u32, s00: vec4f, s01: vec4f, s02: vec4f, s10: vec4f, s11: vec4f, s12: vec4f,
             s20: vec4f, s21: vec4f, s22: vec4f) {
  store_dw(t, ci, 0u, 9u, s00); store_dw(t, ci, 1u, 9u, s01); store_dw(t, ci, 2u, 9u, s02);
  store_dw(t, ci, 3u, 9u, s10); store_dw(t, ci, 4u, 9u, s11); store_dw(t, ci, 5u, 9u, s12);
  store_dw(t, ci, 6u, 9u, s20); store_dw(t, ci, 7u, 9u, s21); store_dw(t, ci, 8u, 9u, s22);
}

@compute @workgroup_size(64)
fn weight_k3s1(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = wblock(linear_index(gid, nwg, 64u), p.C_in, p.OH);
  if (!t.ok) { return; }
  let ci = t.cib;
  let plane = (t.n * p.C_in + ci) * p.H * p.W;
  let gp = gy_planes(t);
  let pad = i32(p.pad);
  var s00 = vec4f(0.0); var s01 = vec4f(0.0); var s02 = vec4f(0.0);
  var s10 = vec4f(0.0); var s11 = vec4f(0.0); var s12 = vec4f(0.0);
  var s20 = vec4f(0.0); var s21 = vec4f(0.0); var s22 = vec4f(0.0);
  var gs = vec4f(0.0);
  for (var oy = t.u0; oy < t.u1; oy++) {
    // Input rows oy − pad + 0, 1, 2.
    let r = rows3(plane, i32(oy) - pad);
    // Window columns (ox − pad + 0, 1, 2) = (a, b, c); the first two before the loop.
    var a0 = x_at(r.row0, r.ok0, -pad); var b0 = x_at(r.row0, r.ok0, 1 - pad);
    var a1 = x_at(r.row1, r.ok1, -pad); var b1 = x_at(r.row1, r.ok1, 1 - pad);
    var a2 = x_at(r.row2, r.ok2, -pad); var b2 = x_at(r.row2, r.ok2, 1 - pad);
    let q = oy * p.OW;
    for (var ox = 0u; ox < p.OW; ox++) {
      let cx = i32(ox) + 2 - pad;
      let c0 = x_at(r.row0, r.ok0, cx);
      let c1 = x_at(r.row1, r.ok1, cx);
      let c2 = x_at(r.row2, r.ok2, cx);
      let g = dy_at(gp, q + ox);
      gs += g;
      s00 += g * a0; s01 += g * b0; s02 += g * c0;
      s10 += g * a1; s11 += g * b1; s12 += g * c1;
      s20 += g * a2; s21 += g * b2; s22 += g * c2;
      a0 = b0; b0 = c0;
      a1 = b1; b1 = c1;
      a2 = b2; b2 = c2;
    }
  }
  store_dw9(t, ci, s00, s01, s02, s10, s11, s12, s20, s21, s22);
  store_db(t, gs);
}

@compute @workgroup_size(64)
fn weight_k3s2(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = wblock(linear_index(gid, nwg, 64u), p.C_in, p.OH);
  if (!t.ok) { return; }
  let ci = t.cib;
  let plane = (t.n * p.C_in + ci) * p.H * p.W;
  let gp = gy_planes(t);
  let pad = i32(p.pad);
  var s00 = vec4f(0.0); var s01 = vec4f(0.0); var s02 = vec4f(0.0);
  var s10 = vec4f(0.0); var s11 = vec4f(0.0); var s12 = vec4f(0.0);
  var s20 = vec4f(0.0); var s21 = vec4f(0.0); var s22 = vec4f(0.0);
  var gs = vec4f(0.0);
  for (var oy = t.u0; oy < t.u1; oy++) {
    // Input rows 2·oy − pad + 0, 1, 2.
    let r = rows3(plane, 2 * i32(oy) - pad);
    // Window columns (2·ox − pad + 0, 1, 2) = (a, b, c); c of one step is a of the next.
    var a0 = x_at(r.row0, r.ok0, -pad);
    var a1 = x_at(r.row1, r.ok1, -pad);
    var a2 = x_at(r.row2, r.ok2, -pad);
    let q = oy * p.OW;
    for (var ox = 0u; ox < p.OW; ox++) {
      let bx = 2 * i32(ox) + 1 - pad;
      let b0 = x_at(r.row0, r.ok0, bx); let c0 = x_at(r.row0, r.ok0, bx + 1);
      let b1 = x_at(r.row1, r.ok1, bx); let c1 = x_at(r.row1, r.ok1, bx + 1);
      let b2 = x_at(r.row2, r.ok2, bx); let c2 = x_at(r.row2, r.ok2, bx + 1);
      let g = dy_at(gp, q + ox);
      gs += g;
      s00 += g * a0; s01 += g * b0; s02 += g * c0;
      s10 += g * a1; s11 += g * b1; s12 += g * c1;
      s20 += g * a2; s21 += g * b2; s22 += g * c2;
      a0 = c0; a1 = c1; a2 = c2;
    }
  }
  store_dw9(t, ci, s00, s01, s02, s10, s11, s12, s20, s21, s22);
  store_db(t, gs);
}

// Offsets of the planes x[n, ci0 + i] (clamped to the last channel; stores skip channels past C_in).
fn x_planes(t: WBlock) -> vec4u {
  let last = p.C_in - 1u;
  let c0 = t.cib * 4u;
  let b = t.n * p.C_in;
  return vec4u(b + min(c0, last), b + min(c0 + 1u, last), b + min(c0 + 2u, last), b + min(c0 + 3u, last)) * (p.H * p.W);
}

@compute @workgroup_size(64)
fn weight_k1(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = wblock(linear_index(gid, nwg, 64u), (p.C_in + 3u) / 4u, p.OH * p.OW);
  if (!t.ok) { return; }
  let gp = gy_planes(t);
  let xp = x_planes(t);
  var s0 = vec4f(0.0); var s1 = vec4f(0.0); var s2 = vec4f(0.0); var s3 = vec4f(0.0);
  var gs = vec4f(0.0);
  for (var q = t.u0; q < t.u1; q++) {
    let g = dy_at(gp, q);
    gs += g;
    s0 += g * xin[xp.x + q]; s1 += g * xin[xp.y + q]; s2 += g * xin[xp.z + q]; s3 += g * xin[xp.w + q];
  }
  let ci0 = t.cib * 4u;
  store_dw(t, ci0, 0u, 1u, s0); store_dw(t, ci0 + 1u, 0u, 1u, s1);
  store_dw(t, ci0 + 2u, 0u, 1u, s2); store_dw(t, ci0 + 3u, 0u, 1u, s3);
  store_db(t, gs);
}

@compute @workgroup_size(64)
fn weight_k1v4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = wblock(linear_index(gid, nwg, 64u), (p.C_in + 3u) / 4u, p.OH * p.OW / 4u);
  if (!t.ok) { return; }
  // Plane offsets in vec4 units (P is a multiple of 4, so every plane starts on a vec4).
  let gp = gy_planes(t) / 4u;
  let xp = x_planes(t) / 4u;
  // a<j><i>: output channel co0 + j against input channel ci0 + i, 4 positions per lane.
  var a00 = vec4f(0.0); var a01 = vec4f(0.0); var a02 = vec4f(0.0); var a03 = vec4f(0.0);
  var a10 = vec4f(0.0); var a11 = vec4f(0.0); var a12 = vec4f(0.0); var a13 = vec4f(0.0);
  var a20 = vec4f(0.0); var a21 = vec4f(0.0); var a22 = vec4f(0.0); var a23 = vec4f(0.0);
  var a30 = vec4f(0.0); var a31 = vec4f(0.0); var a32 = vec4f(0.0); var a33 = vec4f(0.0);
  var gs0 = vec4f(0.0); var gs1 = vec4f(0.0); var gs2 = vec4f(0.0); var gs3 = vec4f(0.0);
  for (var q = t.u0; q < t.u1; q++) {
    let g0 = gy4[gp.x + q]; let g1 = gy4[gp.y + q]; let g2 = gy4[gp.z + q]; let g3 = gy4[gp.w + q];
    let x0 = xin4[xp.x + q]; let x1 = xin4[xp.y + q]; let x2 = xin4[xp.z + q]; let x3 = xin4[xp.w + q];
    a00 += g0 * x0; a01 += g0 * x1; a02 += g0 * x2; a03 += g0 * x3;
    a10 += g1 * x0; a11 += g1 * x1; a12 += g1 * x2; a13 += g1 * x3;
    a20 += g2 * x0; a21 += g2 * x1; a22 += g2 * x2; a23 += g2 * x3;
    a30 += g3 * x0; a31 += g3 * x1; a32 += g3 * x2; a33 += g3 * x3;
    gs0 += g0; gs1 += g1; gs2 += g2; gs3 += g3;
  }
  let one = vec4f(1.0);
  let ci0 = t.cib * 4u;
  store_dw(t, ci0, 0u, 1u, vec4f(dot(a00, one), dot(a10, one), dot(a20, one), dot(a30, one)));
  store_dw(t, ci0 + 1u, 0u, 1u, vec4f(dot(a01, one), dot(a11, one), dot(a21, one), dot(a31, one)));
  store_dw(t, ci0 + 2u, 0u, 1u, vec4f(dot(a02, one), dot(a12, one), dot(a22, one), dot(a32, one)));
  store_dw(t, ci0 + 3u, 0u, 1u, vec4f(dot(a03, one), dot(a13, one), dot(a23, one), dot(a33, one)));
  store_db(t, vec4f(dot(gs0, one), dot(gs1, one), dot(gs2, one), dot(gs3, one)));
}
