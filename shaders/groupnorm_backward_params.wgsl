// groupnorm_backward_params.wgsl — GroupNorm (+ SiLU) backward to the affine parameters, dγ and dβ.
// Layout: groupnorm_shared.wgsl; the upstream gradient dz: groupnorm_backward_shared.wgsl.
// include: groupnorm_params.wgsl
// include: groupnorm_shared.wgsl
// include: groupnorm_backward_shared.wgsl

@group(0) @binding(1) var<storage, read> x: array<f32>;             // [N, C, S] forward input
@group(0) @binding(2) var<storage, read> gamma: array<f32>;         // [C]
@group(0) @binding(3) var<storage, read> beta: array<f32>;          // [C]
@group(0) @binding(4) var<storage, read> stats: array<f32>;         // [N·G, 2] from forward: mean, rstd
@group(0) @binding(5) var<storage, read> dy: array<f32>;            // [N, C, S]
@group(0) @binding(6) var<storage, read_write> dgamma: array<f32>;  // [C]
@group(0) @binding(7) var<storage, read_write> dbeta: array<f32>;   // [C]

// dγ[c] = Σ_n Σ_s dz · x̂,  dβ[c] = Σ_n Σ_s dz.  One workgroup per channel c.
@compute @workgroup_size(64)
fn backward_params(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) nwg: vec3u) {
  let c = wid.x + wid.y * nwg.x;
  if (c >= p.C) { return; }
  let cg = p.C / p.G;
  let g = c / cg;
  let total = p.N * p.S;
  var s1 = 0.0;
  var s2 = 0.0;
  for (var i = lid; i < total; i += 64u) {
    let n = i / p.S;
    let s = i % p.S;
    let ng = n * p.G + g;
    let u = upstream((n * p.C + c) * p.S + s, c, stats[2u * ng], stats[2u * ng + 1u]);
    s1 += u.x * u.y;
    s2 += u.x;
  }
  part[lid] = s1;
  part2[lid] = s2;
  let sums = tree_sum2(lid);
  if (lid == 0u) {
    dgamma[c] = sums.x;
    dbeta[c] = sums.y;
  }
}

// ---- "serial" variant: one invocation per channel, summing in a plain loop. No workgroup memory or
// barriers: software adapters run a workgroup's invocations as coroutines and pay dearly for barriers;
// real GPUs prefer the tree kernel above.

@compute @workgroup_size(64)
fn backward_params_serial(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let c = linear_index(gid, nwg, 64u);
  if (c >= p.C) { return; }
  let g = c / (p.C / p.G);
  var s1 = 0.0;
  var s2 = 0.0;
  for (var n = 0u; n < p.N; n++) {
    let ng = n * p.G + g;
    let mean = stats[2u * ng];
    let rstd = stats[2u * ng + 1u];
    let off = (n * p.C + c) * p.S;
    for (var s = 0u; s < p.S; s++) {
      let u = upstream(off + s, c, mean, rstd);
      s1 += u.x * u.y;
      s2 += u.x;
    }
  }
  dgamma[c] = s1;
  dbeta[c] = s2;
}
