// groupnorm_half.wgsl — GroupNorm (+ SiLU) forward writing its output as f16 "half rows" (the input layout of
// conv2d_half_shared.wgsl: one zero column left, zeros right, two values per u32) for the f16 sampling path:
// the normalisation itself is f32, as in groupnorm.wgsl; only the stored result is rounded to f16.
// include: groupnorm_params.wgsl
// include: groupnorm_shared.wgsl

@group(0) @binding(1) var<storage, read> x: array<f32>;          // [N, C, H, W]
@group(0) @binding(2) var<storage, read> gamma: array<f32>;      // [C]
@group(0) @binding(3) var<storage, read> beta: array<f32>;       // [C]
@group(0) @binding(4) var<storage, read_write> yh: array<u32>;   // [N, C, H, Wh] half rows
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;  // [N·G, 2]: mean, rstd

// SiLU (when asked) of the affine-normalised value v·scale + shift.
fn act(v: f32, scale: f32, shift: f32) -> f32 {
  let z = v * scale + shift;
  return select(z, z * sigmoid(z), p.silu != 0u);
}

// Half row `r` of group ng (channel r / H of the group, image row r % H): word k holds input columns 2k − 1
// and 2k, so word 0 is (0, column 0) and columns past W are zero. One row per call keeps the index math
// out of the per-word loop.
fn half_row(ng: u32, r: u32, mean: f32, rstd: f32) {
  let cg = p.C / p.G;
  let H = p.S / p.W;
  let c = (ng % p.G) * cg + r / H;
  let scale = rstd * gamma[c];
  let shift = beta[c] - mean * scale;
  let src = ng * cg * p.S + r * p.W;
  let dst = (ng * cg * H + r) * p.Wh;
  var prev = 0.0;  // column 2k − 1 (the left zero pad for k = 0)
  for (var k = 0u; k < p.Wh; k++) {
    let j = 2u * k;
    var cur = 0.0;
    var next = 0.0;
    if (j < p.W) { cur = act(x[src + j], scale, shift); }
    if (j + 1u < p.W) { next = act(x[src + j + 1u], scale, shift); }
    yh[dst + k] = pack_half2(vec2f(prev, cur));
    prev = next;
  }
}

// One workgroup per (n, g), as groupnorm.wgsl's forward: mean, centred variance, then the words.
@compute @workgroup_size(64)
fn forward_half(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) nwg: vec3u) {
  let ng = wid.x + wid.y * nwg.x;
  if (ng >= p.N * p.G) { return; }
  let st = group_stats_tree(ng, lid);
  let mean = st.x;
  let rstd = st.y;
  let rows = (p.C / p.G) * (p.S / p.W);
  for (var r = lid; r < rows; r += 64u) { half_row(ng, r, mean, rstd); }
  if (lid == 0u) {
    stats[2u * ng] = mean;
    stats[2u * ng + 1u] = rstd;
  }
}

// One invocation per group, a plain loop (groupnorm.wgsl's "serial" variant: no barriers).
@compute @workgroup_size(64)
fn forward_half_serial(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let ng = linear_index(gid, nwg, 64u);
  if (ng >= p.N * p.G) { return; }
  let st = group_stats_serial(ng);
  let mean = st.x;
  let rstd = st.y;
  let rows = (p.C / p.G) * (p.S / p.W);
  for (var r = 0u; r < rows; r++) { half_row(ng, r, mean, rstd); }
  stats[2u * ng] = mean;
  stats[2u * ng + 1u] = rstd;
}
