// conv2d.wgsl — 2-D convolution, NCHW activations, OIHW weights (PyTorch layout), square K×K kernel,
// stride s, zero padding `pad`. Forward, and backward to input, weight (bias gradient: reduce.wgsl).
//
// Output size: OH = (H + 2·pad − K) / s + 1 (same for W). Input pixel read by output (oy, ox) at tap
// (ky, kx): iy = oy·s + ky − pad, ix = ox·s + kx − pad; taps outside [0, H)×[0, W) read zero.

struct Conv {
  N: u32, C_in: u32, H: u32, W: u32,
  C_out: u32, OH: u32, OW: u32,
  K: u32, stride: u32, pad: u32,
}

@group(0) @binding(0) var<uniform> p: Conv;
@group(0) @binding(1) var<storage, read> x: array<f32>;        // [N, C_in, H, W]
@group(0) @binding(2) var<storage, read> w: array<f32>;        // [C_out, C_in, K, K]
@group(0) @binding(3) var<storage, read> bias: array<f32>;     // [C_out]
@group(0) @binding(4) var<storage, read_write> y: array<f32>;  // [N, C_out, OH, OW]

// Register blocking: one invocation computes 4 output channels × 4 neighbouring output columns, so each
// weight vec4 is reused 4 times and each input value 4 times without workgroup memory (no barriers).
@compute @workgroup_size(64)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let owb = (p.OW + 3u) / 4u;
  let cob = (p.C_out + 3u) / 4u;
  let id = linear_index(gid, nwg, 64u);
  if (id >= p.N * cob * p.OH * owb) { return; }
  // id = ((n·cob + cb)·OH + oy)·owb + xb
  let xb = id % owb;
  var r = id / owb;
  let oy = r % p.OH;
  r = r / p.OH;
  let cb = r % cob;
  let n = r / cob;
  let co0 = cb * 4u;
  let ox0 = xb * 4u;
  let kk = p.K * p.K;

  var bv = vec4f(0.0);
  for (var j = 0u; j < 4u; j++) {
    if (co0 + j < p.C_out) { bv[j] = bias[co0 + j]; }
  }
  var acc = array<vec4f, 4>(bv, bv, bv, bv);  // acc[col] holds 4 output channels
  let ci_stride_w = kk;
  let co_stride_w = p.C_in * kk;
  for (var ci = 0u; ci < p.C_in; ci++) {
    let xplane = (n * p.C_in + ci) * p.H * p.W;
    for (var ky = 0u; ky < p.K; ky++) {
      let iy = i32(oy * p.stride + ky) - i32(p.pad);
      if (iy < 0 || iy >= i32(p.H)) { continue; }
      let xrow = xplane + u32(iy) * p.W;
      for (var kx = 0u; kx < p.K; kx++) {
        let widx = ci * ci_stride_w + ky * p.K + kx;
        var wv = vec4f(0.0);
        for (var j = 0u; j < 4u; j++) {
          if (co0 + j < p.C_out) { wv[j] = w[(co0 + j) * co_stride_w + widx]; }
        }
        for (var c = 0u; c < 4u; c++) {
          let ix = i32((ox0 + c) * p.stride + kx) - i32(p.pad);
          if (ix >= 0 && ix < i32(p.W)) {
            acc[c] += wv * x[xrow + u32(ix)];
          }
        }
      }
    }
  }
  for (var c = 0u; c < 4u; c++) {
    let ox = ox0 + c;
    if (ox >= p.OW) { break; }
    for (var j = 0u; j < 4u; j++) {
      let co = co0 + j;
      if (co < p.C_out) { y[((n * p.C_out + co) * p.OH + oy) * p.OW + ox] = acc[c][j]; }
    }
  }
}

@group(0) @binding(1) var<storage, read> dy: array<f32>;        // [N, C_out, OH, OW]
@group(0) @binding(2) var<storage, read> wt: array<f32>;        // [C_out, C_in, K, K]
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;  // [N, C_in, H, W]

// dx[n, ci, iy, ix] = Σ_co Σ_ky Σ_kx w[co, ci, ky, kx] · dy[n, co, oy, ox], over the (oy, ox) whose tap
// (ky, kx) lands on (iy, ix): oy·s = iy + pad − ky must be a non-negative multiple of s below OH·s.
// One invocation: 4 input channels × 4 neighbouring input columns.
@compute @workgroup_size(64)
fn backward_input(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let wb = (p.W + 3u) / 4u;
  let cib = (p.C_in + 3u) / 4u;
  let id = linear_index(gid, nwg, 64u);
  if (id >= p.N * cib * p.H * wb) { return; }
  let xb = id % wb;
  var r = id / wb;
  let iy = r % p.H;
  r = r / p.H;
  let cb = r % cib;
  let n = r / cib;
  let ci0 = cb * 4u;
  let ix0 = xb * 4u;
  let kk = p.K * p.K;
  let s = i32(p.stride);

  var acc = array<vec4f, 4>(vec4f(0.0), vec4f(0.0), vec4f(0.0), vec4f(0.0));  // acc[col] = 4 input channels
  for (var co = 0u; co < p.C_out; co++) {
    let dplane = (n * p.C_out + co) * p.OH * p.OW;
    for (var ky = 0u; ky < p.K; ky++) {
      let ty = i32(iy + p.pad) - i32(ky);
      if (ty < 0 || ty % s != 0) { continue; }
      let oy = ty / s;
      if (oy >= i32(p.OH)) { continue; }
      let drow = dplane + u32(oy) * p.OW;
      for (var kx = 0u; kx < p.K; kx++) {
        var wv = vec4f(0.0);
        for (var j = 0u; j < 4u; j++) {
          if (ci0 + j < p.C_in) { wv[j] = wt[(co * p.C_in + ci0 + j) * kk + ky * p.K + kx]; }
        }
        for (var c = 0u; c < 4u; c++) {
          let tx = i32(ix0 + c + p.pad) - i32(kx);
          if (tx < 0 || tx % s != 0) { continue; }
          let ox = tx / s;
          if (ox < i32(p.OW)) { acc[c] += wv * dy[drow + u32(ox)]; }
        }
      }
    }
  }
  for (var c = 0u; c < 4u; c++) {
    let ix = ix0 + c;
    if (ix >= p.W) { break; }
    for (var j = 0u; j < 4u; j++) {
      let ci = ci0 + j;
      if (ci < p.C_in) { dx[((n * p.C_in + ci) * p.H + iy) * p.W + ix] = acc[c][j]; }
    }
  }
}

@group(0) @binding(1) var<storage, read> dyw: array<f32>;       // [N, C_out, OH, OW]
@group(0) @binding(2) var<storage, read> xw: array<f32>;        // [N, C_in, H, W]
@group(0) @binding(3) var<storage, read_write> dw: array<f32>;  // [C_out, C_in, K, K]

// dw[co, ci, ky, kx] = Σ_n Σ_oy Σ_ox dy[n, co, oy, ox] · x[n, ci, oy·s + ky − pad, ox·s + kx − pad].
// One invocation per (co, ci) keeps all K·K ≤ 9 taps in registers, so each dy value is loaded once.
@compute @workgroup_size(64)
fn backward_weight(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_index(gid, nwg, 64u);
  if (id >= p.C_out * p.C_in) { return; }
  let ci = id % p.C_in;
  let co = id / p.C_in;
  var acc = array<f32, 9>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
  for (var n = 0u; n < p.N; n++) {
    let dplane = (n * p.C_out + co) * p.OH * p.OW;
    let xplane = (n * p.C_in + ci) * p.H * p.W;
    for (var oy = 0u; oy < p.OH; oy++) {
      for (var ox = 0u; ox < p.OW; ox++) {
        let g = dyw[dplane + oy * p.OW + ox];
        for (var ky = 0u; ky < p.K; ky++) {
          let iy = i32(oy * p.stride + ky) - i32(p.pad);
          if (iy < 0 || iy >= i32(p.H)) { continue; }
          for (var kx = 0u; kx < p.K; kx++) {
            let ix = i32(ox * p.stride + kx) - i32(p.pad);
            if (ix >= 0 && ix < i32(p.W)) {
              acc[ky * p.K + kx] += g * xw[xplane + u32(iy) * p.W + u32(ix)];
            }
          }
        }
      }
    }
  }
  let kk = p.K * p.K;
  for (var t = 0u; t < kk; t++) { dw[id * kk + t] = acc[t]; }
}
