// conv2d_backward_input.wgsl — direct 2-D convolution backward to the input, dx from dy and w
// (conventions: conv2d_shared.wgsl).
// include: conv2d_shared.wgsl

@group(0) @binding(1) var<storage, read> dy: array<f32>;        // [N, C_out, OH, OW]
@group(0) @binding(2) var<storage, read> w: array<f32>;         // [C_out, C_in, K, K]
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
          if (ci0 + j < p.C_in) { wv[j] = w[(co * p.C_in + ci0 + j) * kk + ky * p.K + kx]; }
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
