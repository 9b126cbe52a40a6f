// elementwise.wgsl — flat elementwise kernels: fill, axpby (add / scale / subtract), accumulate, multiply, SiLU and
// its backward. Every kernel handles element i = linear invocation index, for i < n.

struct Ew {
  n: u32,
  alpha: f32,
  beta: f32,
}

@group(0) @binding(0) var<uniform> p: Ew;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// out = alpha (used to poison buffers in tests and to zero them)
@compute @workgroup_size(64)
fn fill(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i < p.n) { out[i] = p.alpha; }
}

// out = alpha·a + beta·b   (add: 1, 1; subtract: 1, −1)
@compute @workgroup_size(64)
fn axpby(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i < p.n) { out[i] = p.alpha * a[i] + p.beta * b[i]; }
}

// out = alpha·a
@compute @workgroup_size(64)
fn scale(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i < p.n) { out[i] = p.alpha * a[i]; }
}

// out += alpha·a (gradient accumulation where an activation feeds several consumers)
@compute @workgroup_size(64)
fn accumulate(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i < p.n) { out[i] += p.alpha * a[i]; }
}

// out = a·b
@compute @workgroup_size(64)
fn mul(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i < p.n) { out[i] = a[i] * b[i]; }
}

// out = a·σ(a)
@compute @workgroup_size(64)
fn silu_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i < p.n) { let z = a[i]; out[i] = z * sigmoid(z); }
}

// out = dy · silu'(x), with a = x (the forward input), b = dy
@compute @workgroup_size(64)
fn silu_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i < p.n) { out[i] = b[i] * silu_grad(a[i]); }
}
