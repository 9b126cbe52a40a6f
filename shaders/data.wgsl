// data.wgsl — batches drawn on the GPU from a dataset that lives on the GPU: rows gathered by index, and
// class labels gathered with label dropout (a label replaced by the "null" class with probability p_drop,
// for classifier-free guidance training). The dropout coin comes from Philox keyed like random.wgsl.

struct Gather {
  N: u32,          // rows to gather
  D: u32,          // elements per row
  seed: u32,
  stream: u32,
  null_class: u32,
  p_drop: f32,
}

@group(0) @binding(0) var<uniform> p: Gather;
@group(0) @binding(1) var<storage, read> data: array<f32>;     // [rows, D]
@group(0) @binding(2) var<storage, read> idx: array<u32>;      // [N]
@group(0) @binding(3) var<storage, read_write> out: array<f32>; // [N, D]

@compute @workgroup_size(64)
fn gather_rows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i >= p.N * p.D) { return; }
  out[i] = data[idx[i / p.D] * p.D + i % p.D];
}

@group(0) @binding(1) var<storage, read> labels: array<u32>;      // [rows]
@group(0) @binding(3) var<storage, read> state: array<u32>;       // GPU step counter
@group(0) @binding(4) var<storage, read_write> out_l: array<u32>; // [N]

@compute @workgroup_size(64)
fn gather_labels(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i >= p.N) { return; }
  let r = philox4x32(vec4u(i, 3u, 0u, 0u), vec2u(p.seed, p.stream ^ (state[0] * 0x9E3779B9u)));
  let coin = f32(r.x >> 8u) * (1.0 / 16777216.0);
  out_l[i] = select(labels[idx[i]], p.null_class, coin < p.p_drop);
}
