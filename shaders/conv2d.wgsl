// conv2d.wgsl — direct 2-D convolution forward, y = conv(x, w) + bias, any K ≤ 3, stride and pad
// (conventions: conv2d_shared.wgsl).
// include: conv2d_shared.wgsl

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
