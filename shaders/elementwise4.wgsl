// elementwise4.wgsl — elementwise.wgsl's hot kernels (and channels.wgsl's add_channel) four floats at a time, for tensors whose size is a
// multiple of 4 (src/ops/elementwise.ts picks them then): element i4 = linear invocation index covers
// floats 4·i4 … 4·i4 + 3, for i4 < n / 4. On lavapipe a load whose address differs across the lanes is a
// loop over the lanes; a vec4 load brings 4 floats per turn of that loop instead of one. Real GPUs also
// prefer 16-byte accesses.

struct Ew {
  n: u32,       // floats (a multiple of 4)
  alpha: f32,
  beta: f32,
  S: u32,       // add_channel4: floats per channel plane (a multiple of 4), else 0
}

@group(0) @binding(0) var<uniform> p: Ew;
@group(0) @binding(1) var<storage, read> a: array<vec4f>;
@group(0) @binding(2) var<storage, read> b: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4f>;
@group(0) @binding(4) var<storage, read> e: array<f32>;   // add_channel4: [N, C]

// out = alpha·a + beta·b
@compute @workgroup_size(64)
fn axpby4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i < p.n / 4u) { out[i] = p.alpha * a[i] + p.beta * b[i]; }
}

// out = alpha·a
@compute @workgroup_size(64)
fn scale4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i < p.n / 4u) { out[i] = p.alpha * a[i]; }
}

// out += alpha·a
@compute @workgroup_size(64)
fn accumulate4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i < p.n / 4u) { out[i] += p.alpha * a[i]; }
}

// out = a·b
@compute @workgroup_size(64)
fn mul4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i < p.n / 4u) { out[i] = a[i] * b[i]; }
}

// out[n, c, s] = a[n, c, s] + e[n, c] (the time embedding's add): a vec4 never straddles two planes (S % 4 = 0).
@compute @workgroup_size(64)
fn add_channel4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i < p.n / 4u) { out[i] = a[i] + e[(4u * i) / p.S]; }
}
