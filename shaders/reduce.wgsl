// reduce.wgsl — sums used by backward passes: per-channel sums (bias gradients) and per-row sums.
// One workgroup of 64 per output: each invocation sums a strided slice, then a tree in workgroup memory.

struct Reduce {
  A: u32,  // outer count (e.g. batch N, or rows M)
  C: u32,  // number of outputs
  S: u32,  // inner count (e.g. H·W; 1 for [M, C] matrices)
}

@group(0) @binding(0) var<uniform> p: Reduce;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

var<workgroup> part: array<f32, 64>;

fn tree_sum(lid: u32) -> f32 {
  for (var step = 32u; step > 0u; step >>= 1u) {
    workgroupBarrier();
    if (lid < step) { part[lid] += part[lid + step]; }
  }
  workgroupBarrier();
  return part[0];
}

// dst[c] = Σ_a Σ_s src[a, c, s]   (src viewed as [A, C, S]); workgroup index = c
@compute @workgroup_size(64)
fn sum_channels(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32,
                @builtin(num_workgroups) nwg: vec3u) {
  let c = wid.x + wid.y * nwg.x;
  let total = p.A * p.S;
  var acc = 0.0;
  if (c < p.C) {
    for (var i = lid; i < total; i += 64u) {
      let a = i / p.S;
      let s = i % p.S;
      acc += src[(a * p.C + c) * p.S + s];
    }
  }
  part[lid] = acc;
  let sum = tree_sum(lid);
  if (lid == 0u && c < p.C) { dst[c] = sum; }
}

// dst[r] = Σ_s src[r, s]   (src viewed as [C rows, S]); workgroup index = r
@compute @workgroup_size(64)
fn sum_rows(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32,
            @builtin(num_workgroups) nwg: vec3u) {
  let r = wid.x + wid.y * nwg.x;
  var acc = 0.0;
  if (r < p.C) {
    for (var s = lid; s < p.S; s += 64u) { acc += src[r * p.S + s]; }
  }
  part[lid] = acc;
  let sum = tree_sum(lid);
  if (lid == 0u && r < p.C) { dst[r] = sum; }
}

// dst[c] = Σ_a src[a·C + c]  (src viewed as [A, C]); one invocation per output, for short reductions over A
// (the per-sample partials of the blocked conv weight gradient).
@compute @workgroup_size(64)
fn sum_outer(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let c = linear_index(gid, nwg, 64u);
  if (c >= p.C) { return; }
  var acc = 0.0;
  for (var a = 0u; a < p.A; a++) { acc += src[a * p.C + c]; }
  dst[c] = acc;
}

// "serial" variants of the two sums above: one invocation per output, no barriers (see groupnorm.wgsl).
@compute @workgroup_size(64)
fn sum_channels_serial(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let c = linear_index(gid, nwg, 64u);
  if (c >= p.C) { return; }
  var acc = 0.0;
  for (var a = 0u; a < p.A; a++) {
    let off = (a * p.C + c) * p.S;
    for (var s = 0u; s < p.S; s++) { acc += src[off + s]; }
  }
  dst[c] = acc;
}

@compute @workgroup_size(64)
fn sum_rows_serial(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = linear_index(gid, nwg, 64u);
  if (r >= p.C) { return; }
  var acc = 0.0;
  for (var s = 0u; s < p.S; s++) { acc += src[r * p.S + s]; }
  dst[r] = acc;
}
