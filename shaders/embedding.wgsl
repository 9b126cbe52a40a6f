// embedding.wgsl — sinusoidal timestep embedding and learned class embedding (lookup and its backward).
//
// Timestep embedding of dimension D (even), half = D/2, following the DDPM reference code:
//   freq_k = exp(−ln(10000) · k / (half − 1)),  e[n, k] = sin(t_n·freq_k),  e[n, half + k] = cos(t_n·freq_k).

struct Emb {
  N: u32,
  D: u32,
  classes: u32,
  t_float: u32,  // timestep: 1 = t holds f32 bits (samplers that run the model between timesteps), 0 = u32
}

@group(0) @binding(0) var<uniform> p: Emb;
@group(0) @binding(1) var<storage, read> t: array<u32>;        // [N] timesteps (u32 or f32 bits), or class labels
@group(0) @binding(2) var<storage, read_write> out: array<f32>; // [N, D]

@compute @workgroup_size(64)
fn timestep(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i >= p.N * p.D) { return; }
  let n = i / p.D;
  let d = i % p.D;
  let half = p.D / 2u;
  let k = d % half;
  let freq = exp(-9.210340371976184 * f32(k) / f32(max(half, 2u) - 1u));
  let arg = select(f32(t[n]), bitcast<f32>(t[n]), p.t_float != 0u) * freq;
  out[i] = select(cos(arg), sin(arg), d < half);
}

@group(0) @binding(2) var<storage, read> table: array<f32>;     // [classes, D]
@group(0) @binding(3) var<storage, read_write> acc: array<f32>; // [N, D]

// acc[n, :] += table[label[n], :]  (added onto the time embedding)
@compute @workgroup_size(64)
fn class_add(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i >= p.N * p.D) { return; }
  let n = i / p.D;
  let d = i % p.D;
  acc[i] += table[min(t[n], p.classes - 1u) * p.D + d];
}

@group(0) @binding(2) var<storage, read> dacc: array<f32>;        // [N, D]
@group(0) @binding(3) var<storage, read_write> dtable: array<f32>; // [classes, D]

// dtable[c, d] = Σ_{n : label[n] = c} dacc[n, d]; one invocation per table entry (no float atomics needed).
@compute @workgroup_size(64)
fn class_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i >= p.classes * p.D) { return; }
  let c = i / p.D;
  let d = i % p.D;
  var s = 0.0;
  for (var n = 0u; n < p.N; n++) {
    if (t[n] == c) { s += dacc[n * p.D + d]; }
  }
  dtable[i] = s;
}
