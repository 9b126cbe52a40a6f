enable subgroups;

// groupnorm_lanes.wgsl — GroupNorm (+ SiLU) forward and backward for adapters with 8-lane subgroups
// (lavapipe); vec4 loads where S = H·W is a multiple of 4 (else backward_lanes1 below). The "serial"
// kernels (one invocation per group) read one float per lane per load, each lane from its own group:
// lavapipe compiles such a lane-varying load into a loop over the 8 lanes. Here a workgroup is one subgroup of 8 lanes on one group (n, g), the lanes
// reading consecutive vec4s (4 floats per lane and loop turn; a vec4 never straddles two channels since
// S % 4 = 0), summing with subgroupAdd, and γ, β are loaded once per channel at a uniform address.
// Backward fuses the affine gradients into the input gradient's first pass: it already has dz and x̂ of
// every value, so it writes per-(n, c) sums Σ dz·x̂ and Σ dz to `partial` ([2, N, C]), and a small kernel
// adds them over n — instead of a separate pass that reads x and dy again.
// Grid: one workgroup per group (n, g) (gpu.grid), params_sum one invocation per channel.
// include: groupnorm_params.wgsl

@group(0) @binding(1) var<storage, read> x4: array<vec4f>;         // [N, C, S / 4]
@group(0) @binding(2) var<storage, read> gamma: array<f32>;        // [C]
@group(0) @binding(3) var<storage, read> beta: array<f32>;         // [C]
@group(0) @binding(4) var<storage, read_write> y4: array<vec4f>;   // forward: [N, C, S / 4]
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;  // [N·G, 2]: mean, rstd (backward reads)
@group(0) @binding(6) var<storage, read> dy4: array<vec4f>;        // backward: [N, C, S / 4]
@group(0) @binding(7) var<storage, read_write> dx4: array<vec4f>;  // backward: [N, C, S / 4]
@group(0) @binding(8) var<storage, read_write> partial: array<f32>;  // backward: [2, N, C]
@group(0) @binding(9) var<storage, read_write> dgamma: array<f32>; // params_sum: [C]
@group(0) @binding(10) var<storage, read_write> dbeta: array<f32>; // params_sum: [C]

fn hsum(v: vec4f) -> f32 { return v.x + v.y + v.z + v.w; }

fn silu4(z: vec4f) -> vec4f { return z / (1.0 + exp(-z)); }

fn silu_grad4(z: vec4f) -> vec4f {
  let s = 1.0 / (1.0 + exp(-z));
  return s * (1.0 + z * (1.0 - s));
}

@compute @workgroup_size(8)
fn forward_lanes(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                 @builtin(subgroup_invocation_id) l: u32) {
  let ng = wid.x + wid.y * nwg.x;
  if (ng >= p.N * p.G) { return; }
  let cg = p.C / p.G;
  let S4 = p.S / 4u;
  let count4 = cg * S4;
  let base = ng * count4;   // in vec4s: (n·C + g·Cg)·S / 4
  let g = ng % p.G;
  // Two passes for accuracy, as the other kernels: the mean, then the centred variance.
  var acc = vec4f(0.0);
  for (var i = l; i < count4; i += 8u) { acc += x4[base + i]; }
  let mean = subgroupAdd(hsum(acc)) / f32(count4 * 4u);
  acc = vec4f(0.0);
  for (var i = l; i < count4; i += 8u) { let d = x4[base + i] - mean; acc += d * d; }
  let rstd = inverseSqrt(subgroupAdd(hsum(acc)) / f32(count4 * 4u) + p.eps);
  for (var cl = 0u; cl < cg; cl++) {
    let c = g * cg + cl;
    let scale = rstd * gamma[c];
    let shift = beta[c] - mean * scale;
    let off = base + cl * S4;
    for (var i = l; i < S4; i += 8u) {
      let z = x4[off + i] * scale + shift;
      y4[off + i] = select(z, silu4(z), p.silu != 0u);
    }
  }
  if (l == 0u) {
    stats[2u * ng] = mean;
    stats[2u * ng + 1u] = rstd;
  }
}

// dz (dy, through SiLU's derivative when fused) of one vec4 whose x̂ is xh, in channel c.
fn upstream4(i: u32, xh: vec4f, gc: f32, bc: f32) -> vec4f {
  let d = dy4[i];
  return select(d, d * silu_grad4(xh * gc + bc), p.silu != 0u);
}

// dx = rstd · (dz·γ − mean(dz·γ) − x̂ · mean(dz·γ·x̂)) over the group; also the per-(n, c) partial sums.
@compute @workgroup_size(8)
fn backward_lanes(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                  @builtin(subgroup_invocation_id) l: u32) {
  let ng = wid.x + wid.y * nwg.x;
  if (ng >= p.N * p.G) { return; }
  let cg = p.C / p.G;
  let S4 = p.S / 4u;
  let base = ng * cg * S4;
  let n = ng / p.G;
  let g = ng % p.G;
  let mean = stats[2u * ng];
  let rstd = stats[2u * ng + 1u];
  var s1 = 0.0;   // Σ dz·γ over the group
  var s2 = 0.0;   // Σ dz·γ·x̂
  for (var cl = 0u; cl < cg; cl++) {
    let c = g * cg + cl;
    let gc = gamma[c];
    let bc = beta[c];
    let off = base + cl * S4;
    var sdz = vec4f(0.0);
    var sdzx = vec4f(0.0);
    for (var i = l; i < S4; i += 8u) {
      let xh = (x4[off + i] - mean) * rstd;
      let dz = upstream4(off + i, xh, gc, bc);
      sdz += dz;
      sdzx += dz * xh;
    }
    let cdz = subgroupAdd(hsum(sdz));
    let cdzx = subgroupAdd(hsum(sdzx));
    s1 += gc * cdz;
    s2 += gc * cdzx;
    if (l == 0u) {
      partial[n * p.C + c] = cdzx;                // → dγ[c]
      partial[(p.N + n) * p.C + c] = cdz;         // → dβ[c]
    }
  }
  let count = f32(cg * p.S);
  let m1 = s1 / count;
  let m2 = s2 / count;
  for (var cl = 0u; cl < cg; cl++) {
    let c = g * cg + cl;
    let gc = gamma[c];
    let bc = beta[c];
    let off = base + cl * S4;
    for (var i = l; i < S4; i += 8u) {
      let xh = (x4[off + i] - mean) * rstd;
      let dz = upstream4(off + i, xh, gc, bc);
      dx4[off + i] = rstd * (dz * gc - m1 - xh * m2);
    }
  }
}

// ---- backward one float per lane, for H·W not a multiple of 4 (the UNets' 7×7 maps): still a subgroup per
// group, consecutive lanes on consecutive floats, γ and β once per channel, dγ/dβ fused (1.9× the serial
// kernels at 7×7). Forward has no such twin: one float per lane it lost to the serial kernel (0.85×).

@group(0) @binding(11) var<storage, read> x1: array<f32>;          // [N, C, S]
@group(0) @binding(13) var<storage, read> dy1: array<f32>;         // backward: [N, C, S]
@group(0) @binding(14) var<storage, read_write> dx1: array<f32>;   // backward: [N, C, S]

// upstream4 one float at a time.
fn upstream1(i: u32, xh: f32, gc: f32, bc: f32) -> f32 {
  let d = dy1[i];
  return select(d, d * silu_grad(xh * gc + bc), p.silu != 0u);
}

@compute @workgroup_size(8)
fn backward_lanes1(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                   @builtin(subgroup_invocation_id) l: u32) {
  let ng = wid.x + wid.y * nwg.x;
  if (ng >= p.N * p.G) { return; }
  let cg = p.C / p.G;
  let base = ng * cg * p.S;
  let n = ng / p.G;
  let g = ng % p.G;
  let mean = stats[2u * ng];
  let rstd = stats[2u * ng + 1u];
  var s1 = 0.0;
  var s2 = 0.0;
  for (var cl = 0u; cl < cg; cl++) {
    let c = g * cg + cl;
    let gc = gamma[c];
    let bc = beta[c];
    let off = base + cl * p.S;
    var sdz = 0.0;
    var sdzx = 0.0;
    for (var i = l; i < p.S; i += 8u) {
      let xh = (x1[off + i] - mean) * rstd;
      let dz = upstream1(off + i, xh, gc, bc);
      sdz += dz;
      sdzx += dz * xh;
    }
    let cdz = subgroupAdd(sdz);
    let cdzx = subgroupAdd(sdzx);
    s1 += gc * cdz;
    s2 += gc * cdzx;
    if (l == 0u) {
      partial[n * p.C + c] = cdzx;
      partial[(p.N + n) * p.C + c] = cdz;
    }
  }
  let m1 = s1 / f32(cg * p.S);
  let m2 = s2 / f32(cg * p.S);
  for (var cl = 0u; cl < cg; cl++) {
    let c = g * cg + cl;
    let gc = gamma[c];
    let bc = beta[c];
    let off = base + cl * p.S;
    for (var i = l; i < p.S; i += 8u) {
      let xh = (x1[off + i] - mean) * rstd;
      let dz = upstream1(off + i, xh, gc, bc);
      dx1[off + i] = rstd * (dz * gc - m1 - xh * m2);
    }
  }
}

// dγ[c] = Σ_n partial[0, n, c], dβ[c] = Σ_n partial[1, n, c]: one invocation per channel.
@compute @workgroup_size(64)
fn params_sum(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let c = linear_index(gid, nwg, 64u);
  if (c >= p.C) { return; }
  var sg = 0.0;
  var sb = 0.0;
  for (var n = 0u; n < p.N; n++) {
    sg += partial[n * p.C + c];
    sb += partial[(p.N + n) * p.C + c];
  }
  dgamma[c] = sg;
  dbeta[c] = sb;
}
