// groupnorm.wgsl — GroupNorm (+ SiLU) forward: y and the per-group stats (mean, rstd) backward needs.
// Layout and the tree/serial split: groupnorm_shared.wgsl.
// include: groupnorm_params.wgsl
// include: groupnorm_shared.wgsl

@group(0) @binding(1) var<storage, read> x: array<f32>;         // [N, C, S]
@group(0) @binding(2) var<storage, read> gamma: array<f32>;     // [C]
@group(0) @binding(3) var<storage, read> beta: array<f32>;      // [C]
@group(0) @binding(4) var<storage, read_write> y: array<f32>;   // [N, C, S]
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;  // [N·G, 2]: mean, rstd

// One workgroup per (n, g): two passes (mean, then centred variance) for accuracy, then the output.
@compute @workgroup_size(64)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) nwg: vec3u) {
  let ng = wid.x + wid.y * nwg.x;
  if (ng >= p.N * p.G) { return; }
  let cg = p.C / p.G;
  let count = cg * p.S;
  let base = ng * count;  // = (n·C + g·Cg)·S
  let g = ng % p.G;
  let st = group_stats_tree(ng, lid);
  let mean = st.x;
  let rstd = st.y;
  for (var i = lid; i < count; i += 64u) {
    let c = g * cg + i / p.S;
    let z = (x[base + i] - mean) * rstd * gamma[c] + beta[c];
    y[base + i] = select(z, z * sigmoid(z), p.silu != 0u);
  }
  if (lid == 0u) {
    stats[2u * ng] = mean;
    stats[2u * ng + 1u] = rstd;
  }
}

// ---- "serial" variant: one invocation per group, summing in a plain loop. No workgroup memory or
// barriers: software adapters run a workgroup's invocations as coroutines and pay dearly for barriers;
// real GPUs prefer the tree kernel above.

@compute @workgroup_size(64)
fn forward_serial(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let ng = linear_index(gid, nwg, 64u);
  if (ng >= p.N * p.G) { return; }
  let cg = p.C / p.G;
  let base = ng * cg * p.S;
  let g = ng % p.G;
  let st = group_stats_serial(ng);
  let mean = st.x;
  let rstd = st.y;
  for (var cl = 0u; cl < cg; cl++) {
    let c = g * cg + cl;
    let scale = rstd * gamma[c];
    let shift = beta[c] - mean * scale;
    let off = base + cl * p.S;
    for (var s = 0u; s < p.S; s++) {
      let z = x[off + s] * scale + shift;
      y[off + s] = select(z, z * sigmoid(z), p.silu != 0u);
    }
  }
  stats[2u * ng] = mean;
  stats[2u * ng + 1u] = rstd;
}
