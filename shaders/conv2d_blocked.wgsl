// conv2d_blocked.wgsl — register-blocked conv2d for the two shapes a UNet runs most: 3×3 and 1×1 at
// stride 1. Every accumulator and input value is a named variable: software adapters (SwiftShader) keep
// those in SIMD registers but spill dynamically indexed private arrays to memory (measured 4× slower).
// Weights are first packed so that 4 consecutive output channels are one vec4 (`pack`, `pack_flip`).
//   forward_k3s1 / forward_k1: one invocation = 4 output channels × 4 neighbouring output columns
//   (forward_k3s1_c8: 8 output channels, the 'blocked8' variant; forward_k3s2: 3×3 at stride 2;
//   backward_input_k3s2: its input gradient at pad 1).
//   With weights from pack_flip, the same kernels compute the stride-1 input gradient:
//   dx[ci] = Σ_co W[co, ci, K−1−ky, K−1−kx] ⋆ dy[co] with padding K − 1 − pad.
//   Its weight gradient is conv2d_weight.wgsl.

struct ConvB {
  N: u32, C_in: u32, H: u32, W: u32,
  C_out: u32, OH: u32, OW: u32,
  pad: u32, has_bias: u32,
}

@group(0) @binding(0) var<uniform> p: ConvB;
@group(0) @binding(1) var<storage, read> x: array<f32>;        // [N, C_in, H, W]
@group(0) @binding(2) var<storage, read> wt4: array<vec4f>;    // packed [C_in·K·K, Co4]
@group(0) @binding(3) var<storage, read> bias: array<f32>;     // [C_out] (unread when has_bias = 0)
@group(0) @binding(4) var<storage, read_write> y: array<f32>;  // [N, C_out, OH, OW]

struct Tile { n: u32, oy: u32, cb: u32, ox0: u32, co4: u32, ok: bool }

// id = ((n·co4 + cb)·OH + oy)·xbn + xb
fn tile(id: u32) -> Tile {
  let xbn = (p.OW + 3u) / 4u;
  let co4 = (p.C_out + 3u) / 4u;
  var t: Tile;
  t.ok = id < p.N * co4 * p.OH * xbn;
  t.co4 = co4;
  t.ox0 = (id % xbn) * 4u;
  var r = id / xbn;
  t.oy = r % p.OH;
  r = r / p.OH;
  t.cb = r % co4;
  t.n = r / co4;
  return t;
}

fn bias4(cb: u32) -> vec4f {
  if (p.has_bias == 0u) { return vec4f(0.0); }
  let c0 = cb * 4u;
  let last = p.C_out - 1u;
  return vec4f(bias[min(c0, last)], bias[min(c0 + 1u, last)], bias[min(c0 + 2u, last)], bias[min(c0 + 3u, last)]);
}

fn store4(t: Tile, a0: vec4f, a1: vec4f, a2: vec4f, a3: vec4f) {
  let co0 = t.cb * 4u;
  for (var j = 0u; j < 4u; j++) {
    if (co0 + j >= p.C_out) { break; }
    let base = ((t.n * p.C_out + co0 + j) * p.OH + t.oy) * p.OW + t.ox0;
    if (t.ox0 < p.OW) { y[base] = a0[j]; }
    if (t.ox0 + 1u < p.OW) { y[base + 1u] = a1[j]; }
    if (t.ox0 + 2u < p.OW) { y[base + 2u] = a2[j]; }
    if (t.ox0 + 3u < p.OW) { y[base + 3u] = a3[j]; }
  }
}

@compute @workgroup_size(64)
fn forward_k3s1(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = tile(linear_index(gid, nwg, 64u));
  if (!t.ok) { return; }
  let b = bias4(t.cb);
  var a0 = b; var a1 = b; var a2 = b; var a3 = b;
  // The six input columns ox0 − pad … ox0 − pad + 5 feed the 4 outputs; out-of-range ones read as 0.
  let ix = i32(t.ox0) - i32(p.pad);
  let wi = i32(p.W);
  let ok0 = ix >= 0 && ix < wi;
  let ok1 = ix + 1 >= 0 && ix + 1 < wi;
  let ok2 = ix + 2 >= 0 && ix + 2 < wi;
  let ok3 = ix + 3 >= 0 && ix + 3 < wi;
  let ok4 = ix + 4 >= 0 && ix + 4 < wi;
  let ok5 = ix + 5 >= 0 && ix + 5 < wi;
  let c0 = u32(clamp(ix, 0, wi - 1)); let c1 = u32(clamp(ix + 1, 0, wi - 1)); let c2 = u32(clamp(ix + 2, 0, wi - 1));
  let c3 = u32(clamp(ix + 3, 0, wi - 1)); let c4 = u32(clamp(ix + 4, 0, wi - 1)); let c5 = u32(clamp(ix + 5, 0, wi - 1));
  for (var ci = 0u; ci < p.C_in; ci++) {
    let plane = (t.n * p.C_in + ci) * p.H;
    for (var ky = 0u; ky < 3u; ky++) {
      let iy = i32(t.oy + ky) - i32(p.pad);
      if (iy < 0 || iy >= i32(p.H)) { continue; }
      let row = (plane + u32(iy)) * p.W;
      let x0 = select(0.0, x[row + c0], ok0);
      let x1 = select(0.0, x[row + c1], ok1);
      let x2 = select(0.0, x[row + c2], ok2);
      let x3 = select(0.0, x[row + c3], ok3);
      let x4 = select(0.0, x[row + c4], ok4);
      let x5 = select(0.0, x[row + c5], ok5);
      let k = (ci * 3u + ky) * 3u;
      let w0 = wt4[k * t.co4 + t.cb];
      let w1 = wt4[(k + 1u) * t.co4 + t.cb];
      let w2 = wt4[(k + 2u) * t.co4 + t.cb];
      a0 += w0 * x0 + w1 * x1 + w2 * x2;
      a1 += w0 * x1 + w1 * x2 + w2 * x3;
      a2 += w0 * x2 + w1 * x3 + w2 * x4;
      a3 += w0 * x3 + w1 * x4 + w2 * x5;
    }
  }
  store4(t, a0, a1, a2, a3);
}

// The same 3×3 convolution with 8 output channels per invocation (two vec4 blocks cb8·2 and cb8·2 + 1):
// every input value loaded feeds twice the multiply-adds, which pays where loads dominate (many input
// channels). id = ((n·co8 + cb8)·OH + oy)·xbn + xb. A second block past C_out reads a clamped weight column
// and is not stored.
@compute @workgroup_size(64)
fn forward_k3s1_c8(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_index(gid, nwg, 64u);
  let xbn = (p.OW + 3u) / 4u;
  let co4 = (p.C_out + 3u) / 4u;
  let co8 = (p.C_out + 7u) / 8u;
  if (id >= p.N * co8 * p.OH * xbn) { return; }
  var t: Tile;
  t.ok = true;
  t.co4 = co4;
  t.ox0 = (id % xbn) * 4u;
  var r = id / xbn;
  t.oy = r % p.OH;
  r = r / p.OH;
  let cb8 = r % co8;
  t.n = r / co8;
  let cbA = cb8 * 2u;
  let cbB = min(cbA + 1u, co4 - 1u);
  let bA = bias4(cbA);
  let bB = bias4(cbA + 1u);
  var a0 = bA; var a1 = bA; var a2 = bA; var a3 = bA;
  var b0 = bB; var b1 = bB; var b2 = bB; var b3 = bB;
  let ix = i32(t.ox0) - i32(p.pad);
  let wi = i32(p.W);
  let ok0 = ix >= 0 && ix < wi;
  let ok1 = ix + 1 >= 0 && ix + 1 < wi;
  let ok2 = ix + 2 >= 0 && ix + 2 < wi;
  let ok3 = ix + 3 >= 0 && ix + 3 < wi;
  let ok4 = ix + 4 >= 0 && ix + 4 < wi;
  let ok5 = ix + 5 >= 0 && ix + 5 < wi;
  let c0 = u32(clamp(ix, 0, wi - 1)); let c1 = u32(clamp(ix + 1, 0, wi - 1)); let c2 = u32(clamp(ix + 2, 0, wi - 1));
  let c3 = u32(clamp(ix + 3, 0, wi - 1)); let c4 = u32(clamp(ix + 4, 0, wi - 1)); let c5 = u32(clamp(ix + 5, 0, wi - 1));
  for (var ci = 0u; ci < p.C_in; ci++) {
    let plane = (t.n * p.C_in + ci) * p.H;
    for (var ky = 0u; ky < 3u; ky++) {
      let iy = i32(t.oy + ky) - i32(p.pad);
      if (iy < 0 || iy >= i32(p.H)) { continue; }
      let row = (plane + u32(iy)) * p.W;
      let x0 = select(0.0, x[row + c0], ok0);
      let x1 = select(0.0, x[row + c1], ok1);
      let x2 = select(0.0, x[row + c2], ok2);
      let x3 = select(0.0, x[row + c3], ok3);
      let x4 = select(0.0, x[row + c4], ok4);
      let x5 = select(0.0, x[row + c5], ok5);
      let k = (ci * 3u + ky) * 3u;
      let wa0 = wt4[k * co4 + cbA];
      let wa1 = wt4[(k + 1u) * co4 + cbA];
      let wa2 = wt4[(k + 2u) * co4 + cbA];
      let wb0 = wt4[k * co4 + cbB];
      let wb1 = wt4[(k + 1u) * co4 + cbB];
      let wb2 = wt4[(k + 2u) * co4 + cbB];
      a0 += wa0 * x0 + wa1 * x1 + wa2 * x2;
      a1 += wa0 * x1 + wa1 * x2 + wa2 * x3;
      a2 += wa0 * x2 + wa1 * x3 + wa2 * x4;
      a3 += wa0 * x3 + wa1 * x4 + wa2 * x5;
      b0 += wb0 * x0 + wb1 * x1 + wb2 * x2;
      b1 += wb0 * x1 + wb1 * x2 + wb2 * x3;
      b2 += wb0 * x2 + wb1 * x3 + wb2 * x4;
      b3 += wb0 * x3 + wb1 * x4 + wb2 * x5;
    }
  }
  t.cb = cbA;
  store4(t, a0, a1, a2, a3);
  t.cb = cbA + 1u;
  store4(t, b0, b1, b2, b3);
}

// 3×3 at stride 2 (the UNet's downsampling convolutions): outputs ox0 … ox0 + 3 read input columns
// 2·ox0 − pad … 2·ox0 − pad + 8, nine named loads per input row shared by 4 outputs × 4 channels.
@compute @workgroup_size(64)
fn forward_k3s2(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = tile(linear_index(gid, nwg, 64u));
  if (!t.ok) { return; }
  let b = bias4(t.cb);
  var a0 = b; var a1 = b; var a2 = b; var a3 = b;
  let ix = 2 * i32(t.ox0) - i32(p.pad);
  let wi = i32(p.W);
  let ok0 = ix >= 0 && ix < wi; let ok1 = ix + 1 >= 0 && ix + 1 < wi; let ok2 = ix + 2 >= 0 && ix + 2 < wi;
  let ok3 = ix + 3 >= 0 && ix + 3 < wi; let ok4 = ix + 4 >= 0 && ix + 4 < wi; let ok5 = ix + 5 >= 0 && ix + 5 < wi;
  let ok6 = ix + 6 >= 0 && ix + 6 < wi; let ok7 = ix + 7 >= 0 && ix + 7 < wi; let ok8 = ix + 8 >= 0 && ix + 8 < wi;
  let c0 = u32(clamp(ix, 0, wi - 1)); let c1 = u32(clamp(ix + 1, 0, wi - 1)); let c2 = u32(clamp(ix + 2, 0, wi - 1));
  let c3 = u32(clamp(ix + 3, 0, wi - 1)); let c4 = u32(clamp(ix + 4, 0, wi - 1)); let c5 = u32(clamp(ix + 5, 0, wi - 1));
  let c6 = u32(clamp(ix + 6, 0, wi - 1)); let c7 = u32(clamp(ix + 7, 0, wi - 1)); let c8 = u32(clamp(ix + 8, 0, wi - 1));
  for (var ci = 0u; ci < p.C_in; ci++) {
    let plane = (t.n * p.C_in + ci) * p.H;
    for (var ky = 0u; ky < 3u; ky++) {
      let iy = i32(2u * t.oy + ky) - i32(p.pad);
      if (iy < 0 || iy >= i32(p.H)) { continue; }
      let row = (plane + u32(iy)) * p.W;
      let x0 = select(0.0, x[row + c0], ok0);
      let x1 = select(0.0, x[row + c1], ok1);
      let x2 = select(0.0, x[row + c2], ok2);
      let x3 = select(0.0, x[row + c3], ok3);
      let x4 = select(0.0, x[row + c4], ok4);
      let x5 = select(0.0, x[row + c5], ok5);
      let x6 = select(0.0, x[row + c6], ok6);
      let x7 = select(0.0, x[row + c7], ok7);
      let x8 = select(0.0, x[row + c8], ok8);
      let k = (ci * 3u + ky) * 3u;
      let w0 = wt4[k * t.co4 + t.cb];
      let w1 = wt4[(k + 1u) * t.co4 + t.cb];
      let w2 = wt4[(k + 2u) * t.co4 + t.cb];
      a0 += w0 * x0 + w1 * x1 + w2 * x2;
      a1 += w0 * x2 + w1 * x3 + w2 * x4;
      a2 += w0 * x4 + w1 * x5 + w2 * x6;
      a3 += w0 * x6 + w1 * x7 + w2 * x8;
    }
  }
  store4(t, a0, a1, a2, a3);
}

// Input gradient of a 3×3 stride-2 pad-1 convolution, run in the transposed geometry (p.C_in, p.H, p.W =
// dy's channels and size; p.C_out, p.OH, p.OW = dx's) with weights from pack_flip. dx row iy takes dy row
// oy = (iy + 1 − ky) / 2 from each ky where that is a whole number in range: ky = 1 for even iy, ky = 0 and 2
// for odd iy. Along the row, the tile's columns ix0..ix0+3 (ix0 = 2b, even) take, per kernel row,
//   ix0: kx 1 at dy column b;  ix0+1: kx 0 at b+1, kx 2 at b;  ix0+2: kx 1 at b+1;  ix0+3: kx 0 at b+2, kx 2 at b+1
// so three dy loads per channel and kernel row feed the four columns.
@compute @workgroup_size(64)
fn backward_input_k3s2(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = tile(linear_index(gid, nwg, 64u));
  if (!t.ok) { return; }
  var a0 = vec4f(0.0); var a1 = vec4f(0.0); var a2 = vec4f(0.0); var a3 = vec4f(0.0);
  let b = t.ox0 / 2u;
  let last = p.W - 1u;
  let ok0 = b < p.W; let ok1 = b + 1u < p.W; let ok2 = b + 2u < p.W;
  let c0 = min(b, last); let c1 = min(b + 1u, last); let c2 = min(b + 2u, last);
  for (var ky = 0u; ky < 3u; ky++) {
    let r = i32(t.oy) + 1 - i32(ky);
    if (r < 0 || (r & 1) != 0 || u32(r / 2) >= p.H) { continue; }
    let oy = u32(r / 2);
    // Flipped-weight rows of this kernel row: tap 8 − (3·ky + kx).
    let tap0 = 8u - 3u * ky;
    for (var co = 0u; co < p.C_in; co++) {
      let row = ((t.n * p.C_in + co) * p.H + oy) * p.W;
      let d0 = select(0.0, x[row + c0], ok0);
      let d1 = select(0.0, x[row + c1], ok1);
      let d2 = select(0.0, x[row + c2], ok2);
      let k = co * 9u + tap0;
      let w0 = wt4[k * t.co4 + t.cb];          // kx = 0
      let w1 = wt4[(k - 1u) * t.co4 + t.cb];   // kx = 1
      let w2 = wt4[(k - 2u) * t.co4 + t.cb];   // kx = 2
      a0 += w1 * d0;
      a1 += w0 * d1 + w2 * d0;
      a2 += w1 * d1;
      a3 += w0 * d2 + w2 * d1;
    }
  }
  store4(t, a0, a1, a2, a3);
}

@compute @workgroup_size(64)
fn forward_k1(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = tile(linear_index(gid, nwg, 64u));
  if (!t.ok) { return; }
  let b = bias4(t.cb);
  var a0 = b; var a1 = b; var a2 = b; var a3 = b;
  let last = p.W - 1u;
  let c0 = t.ox0; let c1 = min(t.ox0 + 1u, last); let c2 = min(t.ox0 + 2u, last); let c3 = min(t.ox0 + 3u, last);
  for (var ci = 0u; ci < p.C_in; ci++) {
    let row = ((t.n * p.C_in + ci) * p.H + t.oy) * p.W;
    let w = wt4[ci * t.co4 + t.cb];
    a0 += w * x[row + c0];
    a1 += w * x[row + c1];
    a2 += w * x[row + c2];
    a3 += w * x[row + c3];
  }
  store4(t, a0, a1, a2, a3);
}

// ---- weight packing: src = W [C_out, C_in, K, K]; dst rows of 4·Co4 (or 4·Ci4) floats.

struct Pack { C_out: u32, C_in: u32, K: u32, cols: u32 }
@group(0) @binding(0) var<uniform> pk: Pack;
@group(0) @binding(1) var<storage, read> w_src: array<f32>;
@group(0) @binding(2) var<storage, read_write> w_dst: array<f32>;

// w_dst[(ci·KK + tap)·cols + co] = W[co, ci, tap]
@compute @workgroup_size(64)
fn pack(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  let kk = pk.K * pk.K;
  if (i >= pk.C_in * kk * pk.cols) { return; }
  let co = i % pk.cols;
  let k = i / pk.cols;
  w_dst[i] = select(0.0, w_src[min(co, pk.C_out - 1u) * pk.C_in * kk + k], co < pk.C_out);
}

// w_dst[(co·KK + tap)·cols + ci] = W[co, ci, KK − 1 − tap]   (transposed and flipped)
@compute @workgroup_size(64)
fn pack_flip(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  let kk = pk.K * pk.K;
  if (i >= pk.C_out * kk * pk.cols) { return; }
  let ci = i % pk.cols;
  let k = i / pk.cols;
  let tap = k % kk;
  let co = k / kk;
  w_dst[i] = select(0.0, w_src[(co * pk.C_in + min(ci, pk.C_in - 1u)) * kk + kk - 1u - tap], ci < pk.C_in);
}
