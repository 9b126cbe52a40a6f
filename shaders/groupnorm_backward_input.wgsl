// groupnorm_backward_input.wgsl — GroupNorm (+ SiLU) backward to the input, dx, from the forward's stats.
// Layout: groupnorm_shared.wgsl; the upstream gradient dz: groupnorm_backward_shared.wgsl.
// include: groupnorm_params.wgsl
// include: groupnorm_shared.wgsl
// include: groupnorm_backward_shared.wgsl

@group(0) @binding(1) var<storage, read> x: array<f32>;         // [N, C, S] forward input
@group(0) @binding(2) var<storage, read> gamma: array<f32>;     // [C]
@group(0) @binding(3) var<storage, read> beta: array<f32>;      // [C]
@group(0) @binding(4) var<storage, read> stats: array<f32>;     // [N·G, 2] from forward: mean, rstd
@group(0) @binding(5) var<storage, read> dy: array<f32>;        // [N, C, S]
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;  // [N, C, S]

@compute @workgroup_size(64)
fn backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) nwg: vec3u) {
  let ng = wid.x + wid.y * nwg.x;
  if (ng >= p.N * p.G) { return; }
  let cg = p.C / p.G;
  let count = cg * p.S;
  let base = ng * count;
  let g = ng % p.G;
  let mean = stats[2u * ng];
  let rstd = stats[2u * ng + 1u];
  var s1 = 0.0;
  var s2 = 0.0;
  for (var i = lid; i < count; i += 64u) {
    let c = g * cg + i / p.S;
    let u = upstream(base + i, c, mean, rstd);
    let dxh = u.x * gamma[c];
    s1 += dxh;
    s2 += dxh * u.y;
  }
  part[lid] = s1;
  part2[lid] = s2;
  let sums = tree_sum2(lid) / f32(count);
  for (var i = lid; i < count; i += 64u) {
    let c = g * cg + i / p.S;
    let u = upstream(base + i, c, mean, rstd);
    dx[base + i] = rstd * (u.x * gamma[c] - sums.x - u.y * sums.y);
  }
}

// ---- "serial" variant: one invocation per group, summing in a plain loop. No workgroup memory or
// barriers: software adapters run a workgroup's invocations as coroutines and pay dearly for barriers;
// real GPUs prefer the tree kernel above.

@compute @workgroup_size(64)
fn backward_input_serial(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let ng = linear_index(gid, nwg, 64u);
  if (ng >= p.N * p.G) { return; }
  let cg = p.C / p.G;
  let count = cg * p.S;
  let base = ng * count;
  let g = ng % p.G;
  let mean = stats[2u * ng];
  let rstd = stats[2u * ng + 1u];
  var s1 = 0.0;
  var s2 = 0.0;
  for (var cl = 0u; cl < cg; cl++) {
    let c = g * cg + cl;
    let off = base + cl * p.S;
    for (var s = 0u; s < p.S; s++) {
      let u = upstream(off + s, c, mean, rstd);
      let dxh = u.x * gamma[c];
      s1 += dxh;
      s2 += dxh * u.y;
    }
  }
  s1 /= f32(count);
  s2 /= f32(count);
  for (var cl = 0u; cl < cg; cl++) {
    let c = g * cg + cl;
    let off = base + cl * p.S;
    for (var s = 0u; s < p.S; s++) {
      let u = upstream(off + s, c, mean, rstd);
      dx[off + s] = rstd * (u.x * gamma[c] - s1 - u.y * s2);
    }
  }
}
