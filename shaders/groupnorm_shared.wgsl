// groupnorm_shared.wgsl — what the GroupNorm kernels share; included by groupnorm.wgsl (forward),
// groupnorm_half.wgsl (forward into f16 half rows), groupnorm_backward_input.wgsl and groupnorm_backward_params.wgsl.
// GroupNorm over [N, C, S] (S = H·W) with G groups and per-channel affine γ, β, optionally fused with SiLU
// on its output (silu = 1): y = silu(γ·x̂ + β), x̂ = (x − mean) · rstd.
// A group (n, g) is the contiguous block of Cg·S values starting at (n·C + g·Cg)·S, Cg = C / G.
// Forward saves mean and rstd per (n, g); backward recomputes x̂ (and the SiLU input) from them.
// Each file has a tree kernel (one workgroup per group or channel, summing through the workgroup arrays
// below) and a "serial" one (one invocation per group or channel, a plain loop).

// The parameter struct GN and its binding p: groupnorm_params.wgsl (included first).

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

// Mean and rstd of group ng (the Cg·S values from ng·Cg·S) by two passes, mean then centred variance, for
// accuracy: a workgroup of 64 summing through `part` (tree), or one invocation alone (serial). Read
// through the binding `x`, which the forward kernels declare.
fn group_stats_tree(ng: u32, lid: u32) -> vec2f {
  let count = (p.C / p.G) * p.S;
  let base = ng * count;
  var acc = 0.0;
  for (var i = lid; i < count; i += 64u) { acc += x[base + i]; }
  part[lid] = acc;
  let mean = tree_sum(lid) / f32(count);
  acc = 0.0;
  for (var i = lid; i < count; i += 64u) { let d = x[base + i] - mean; acc += d * d; }
  part[lid] = acc;
  return vec2f(mean, inverseSqrt(tree_sum(lid) / f32(count) + p.eps));
}

fn group_stats_serial(ng: u32) -> vec2f {
  let count = (p.C / p.G) * p.S;
  let base = ng * count;
  var acc = 0.0;
  for (var i = 0u; i < count; i++) { acc += x[base + i]; }
  let mean = acc / f32(count);
  acc = 0.0;
  for (var i = 0u; i < count; i++) { let d = x[base + i] - mean; acc += d * d; }
  return vec2f(mean, inverseSqrt(acc / f32(count) + p.eps));
}
