// reduce4.wgsl — reduce.wgsl's sum_outer four outputs at a time, for C a multiple of 4 (src/ops/reduce.ts
// picks it then): dst4[c4] = Σ_a src4[a·C/4 + c4], one invocation per 4 outputs. On lavapipe a load whose
// address differs across lanes is a loop over the lanes; a vec4 load brings 4 floats per turn of it.

struct Reduce {
  A: u32,  // partials to add (e.g. the weight gradient's per-slot sums)
  C: u32,  // outputs (a multiple of 4)
  S: u32,  // unused here (1)
}

@group(0) @binding(0) var<uniform> p: Reduce;
@group(0) @binding(1) var<storage, read> src4: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> dst4: array<vec4f>;

@compute @workgroup_size(64)
fn sum_outer4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let c4 = linear_index(gid, nwg, 64u);
  let C4 = p.C / 4u;
  if (c4 >= C4) { return; }
  var acc = vec4f(0.0);
  for (var a = 0u; a < p.A; a++) { acc += src4[a * C4 + c4]; }
  dst4[c4] = acc;
}
