// loss.wgsl — mean squared error between prediction and tgt, and its gradient; optionally weighted per
// sample by a table indexed by the sample's timestep (min-SNR-γ loss weighting: w = weights[t[i / S]]).
// Forward is a two-stage sum: `mse_partial` writes one partial per workgroup of 256, `mse_final` sums the
// partials in one workgroup and stores the mean at losses[slot], slot = state[0] mod capacity, so a
// training loop keeps a ring of per-step losses on the GPU and reads it only every N steps.

struct Mse {
  n: u32,          // elements
  parts: u32,      // number of partials (workgroups of mse_partial)
  capacity: u32,   // length of the losses ring
  grad_scale: f32, // backward: dpred = grad_scale · 2 (pred − tgt) / n
  S: u32,          // weighted entries: elements per sample
}

@group(0) @binding(0) var<uniform> p: Mse;
@group(0) @binding(1) var<storage, read> pred: array<f32>;
@group(0) @binding(2) var<storage, read> tgt: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;

var<workgroup> part: array<f32, 256>;

fn tree(lid: u32) -> f32 {
  for (var step = 128u; step > 0u; step >>= 1u) {
    workgroupBarrier();
    if (lid < step) { part[lid] += part[lid + step]; }
  }
  workgroupBarrier();
  return part[0];
}

// Workgroup w sums elements w·256·k + lid for all k with stride parts·256.
@compute @workgroup_size(256)
fn mse_partial(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var i = wid.x * 256u + lid; i < p.n; i += p.parts * 256u) {
    let d = pred[i] - tgt[i];
    acc += d * d;
  }
  part[lid] = acc;
  let s = tree(lid);
  if (lid == 0u) { partial[wid.x] = s; }
}

@group(0) @binding(1) var<storage, read> partial_in: array<f32>;
@group(0) @binding(2) var<storage, read> state: array<u32>;
@group(0) @binding(3) var<storage, read_write> losses: array<f32>;

@compute @workgroup_size(256)
fn mse_final(@builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var i = lid; i < p.parts; i += 256u) { acc += partial_in[i]; }
  part[lid] = acc;
  let s = tree(lid);
  if (lid == 0u) { losses[state[0] % p.capacity] = s / f32(p.n); }
}

@group(0) @binding(3) var<storage, read_write> dpred: array<f32>;

@compute @workgroup_size(64)
fn mse_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i < p.n) { dpred[i] = p.grad_scale * 2.0 * (pred[i] - tgt[i]) / f32(p.n); }
}

// ---- Per-sample weighted MSE: loss = Σ_i w_i (pred_i − tgt_i)² / n, w_i = weights[t[i / S]].
@group(0) @binding(4) var<storage, read> t: array<u32>;        // [N] timestep of each sample
@group(0) @binding(5) var<storage, read> weights: array<f32>;  // [T] weight of each timestep

fn weight_of(i: u32) -> f32 { return weights[t[i / p.S]]; }

@compute @workgroup_size(256)
fn mse_weighted_partial(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var i = wid.x * 256u + lid; i < p.n; i += p.parts * 256u) {
    let d = pred[i] - tgt[i];
    acc += weight_of(i) * d * d;
  }
  part[lid] = acc;
  let s = tree(lid);
  if (lid == 0u) { partial[wid.x] = s; }
}

@compute @workgroup_size(64)
fn mse_weighted_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i < p.n) { dpred[i] = p.grad_scale * 2.0 * weight_of(i) * (pred[i] - tgt[i]) / f32(p.n); }
}
