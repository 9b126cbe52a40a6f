// groupnorm.wgsl — GroupNorm over [N, C, S] (S = H·W) with G groups and per-channel affine γ, β, optionally
// fused with SiLU on its output (silu = 1): y = silu(γ·x̂ + β), x̂ = (x − mean) · rstd.
// A group (n, g) is the contiguous block of Cg·S values starting at (n·C + g·Cg)·S, Cg = C / G.
// Forward saves mean and rstd per (n, g); backward recomputes x̂ (and the SiLU input) from them.

struct GN {
  N: u32, C: u32, S: u32, G: u32,
  eps: f32,
  silu: u32,
}

@group(0) @binding(0) var<uniform> p: GN;
@group(0) @binding(1) var<storage, read> x: array<f32>;         // [N, C, S]
@group(0) @binding(2) var<storage, read> gamma: array<f32>;     // [C]
@group(0) @binding(3) var<storage, read> beta: array<f32>;      // [C]
@group(0) @binding(4) var<storage, read_write> y: array<f32>;   // [N, C, S]
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;  // [N·G, 2]: mean, rstd

var<workgroup> part: array<f32, 64>;
var<workgroup> part2: array<f32, 64>;

fn tree_sum(lid: u32) -> f32 {
  for (var step = 32u; step > 0u; step >>= 1u) {
    workgroupBarrier();
    if (lid < step) { part[lid] += part[lid + step]; }
  }
  workgroupBarrier();
  let s = part[0];
  workgroupBarrier();
  return s;
}

fn tree_sum2(lid: u32) -> vec2f {
  for (var step = 32u; step > 0u; step >>= 1u) {
    workgroupBarrier();
    if (lid < step) {
      part[lid] += part[lid + step];
      part2[lid] += part2[lid + step];
    }
  }
  workgroupBarrier();
  let s = vec2f(part[0], part2[0]);
  workgroupBarrier();
  return s;
}

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
  var acc = 0.0;
  for (var i = lid; i < count; i += 64u) { acc += x[base + i]; }
  part[lid] = acc;
  let mean = tree_sum(lid) / f32(count);
  acc = 0.0;
  for (var i = lid; i < count; i += 64u) { let d = x[base + i] - mean; acc += d * d; }
  part[lid] = acc;
  let rstd = inverseSqrt(tree_sum(lid) / f32(count) + p.eps);
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

@group(0) @binding(1) var<storage, read> xb: array<f32>;        // [N, C, S] forward input
@group(0) @binding(2) var<storage, read> gb: array<f32>;        // γ [C]
@group(0) @binding(3) var<storage, read> bb: array<f32>;        // β [C]
@group(0) @binding(4) var<storage, read> sb: array<f32>;        // stats from forward
@group(0) @binding(5) var<storage, read> dy: array<f32>;        // [N, C, S]
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;  // [N, C, S]

// dz = dy (· silu'(z) when fused); dx̂ = dz·γ; dx = rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)) over the group.
fn upstream(idx: u32, c: u32, mean: f32, rstd: f32) -> vec2f {  // returns (dz, x̂)
  let xh = (xb[idx] - mean) * rstd;
  var dz = dy[idx];
  if (p.silu != 0u) { dz *= silu_grad(xh * gb[c] + bb[c]); }
  return vec2f(dz, xh);
}

@compute @workgroup_size(64)
fn backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) nwg: vec3u) {
  let ng = wid.x + wid.y * nwg.x;
  if (ng >= p.N * p.G) { return; }
  let cg = p.C / p.G;
  let count = cg * p.S;
  let base = ng * count;
  let g = ng % p.G;
  let mean = sb[2u * ng];
  let rstd = sb[2u * ng + 1u];
  var s1 = 0.0;
  var s2 = 0.0;
  for (var i = lid; i < count; i += 64u) {
    let c = g * cg + i / p.S;
    let u = upstream(base + i, c, mean, rstd);
    let dxh = u.x * gb[c];
    s1 += dxh;
    s2 += dxh * u.y;
  }
  part[lid] = s1;
  part2[lid] = s2;
  let sums = tree_sum2(lid) / f32(count);
  for (var i = lid; i < count; i += 64u) {
    let c = g * cg + i / p.S;
    let u = upstream(base + i, c, mean, rstd);
    dx[base + i] = rstd * (u.x * gb[c] - sums.x - u.y * sums.y);
  }
}

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
    let u = upstream((n * p.C + c) * p.S + s, c, sb[2u * ng], sb[2u * ng + 1u]);
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

// ---- "serial" variant: one invocation per group (forward, backward_input) or per channel
// (backward_params), summing in a plain loop. No workgroup memory or barriers: software adapters run a
// workgroup's invocations as coroutines and pay dearly for barriers; real GPUs prefer the tree kernels above.

@compute @workgroup_size(64)
fn forward_serial(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let ng = linear_index(gid, nwg, 64u);
  if (ng >= p.N * p.G) { return; }
  let cg = p.C / p.G;
  let count = cg * p.S;
  let base = ng * count;
  let g = ng % p.G;
  var acc = 0.0;
  for (var i = 0u; i < count; i++) { acc += x[base + i]; }
  let mean = acc / f32(count);
  acc = 0.0;
  for (var i = 0u; i < count; i++) { let d = x[base + i] - mean; acc += d * d; }
  let rstd = inverseSqrt(acc / f32(count) + p.eps);
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

@compute @workgroup_size(64)
fn backward_input_serial(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let ng = linear_index(gid, nwg, 64u);
  if (ng >= p.N * p.G) { return; }
  let cg = p.C / p.G;
  let count = cg * p.S;
  let base = ng * count;
  let g = ng % p.G;
  let mean = sb[2u * ng];
  let rstd = sb[2u * ng + 1u];
  var s1 = 0.0;
  var s2 = 0.0;
  for (var cl = 0u; cl < cg; cl++) {
    let c = g * cg + cl;
    let off = base + cl * p.S;
    for (var s = 0u; s < p.S; s++) {
      let u = upstream(off + s, c, mean, rstd);
      let dxh = u.x * gb[c];
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
      dx[off + s] = rstd * (u.x * gb[c] - s1 - u.y * s2);
    }
  }
}

@compute @workgroup_size(64)
fn backward_params_serial(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let c = linear_index(gid, nwg, 64u);
  if (c >= p.C) { return; }
  let g = c / (p.C / p.G);
  var s1 = 0.0;
  var s2 = 0.0;
  for (var n = 0u; n < p.N; n++) {
    let ng = n * p.G + g;
    let mean = sb[2u * ng];
    let rstd = sb[2u * ng + 1u];
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
