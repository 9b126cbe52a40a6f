// conv2d_backward_weight.wgsl — direct 2-D convolution backward to the weight, dw from dy and x
// (conventions: conv2d_shared.wgsl).
// include: conv2d_shared.wgsl

@group(0) @binding(1) var<storage, read> dy: array<f32>;        // [N, C_out, OH, OW]
@group(0) @binding(2) var<storage, read> x: array<f32>;         // [N, C_in, H, W]
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
        let g = dy[dplane + oy * p.OW + ox];
        for (var ky = 0u; ky < p.K; ky++) {
          let iy = i32(oy * p.stride + ky) - i32(p.pad);
          if (iy < 0 || iy >= i32(p.H)) { continue; }
          for (var kx = 0u; kx < p.K; kx++) {
            let ix = i32(ox * p.stride + kx) - i32(p.pad);
            if (ix >= 0 && ix < i32(p.W)) {
              acc[ky * p.K + kx] += g * x[xplane + u32(iy) * p.W + u32(ix)];
            }
          }
        }
      }
    }
  }
  let kk = p.K * p.K;
  for (var t = 0u; t < kk; t++) { dw[id * kk + t] = acc[t]; }
}
