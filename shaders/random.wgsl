// random.wgsl — seeded, reproducible random numbers drawn on the GPU (no noise uploaded from the CPU).
// Stream: key = (seed, stream ^ state[0]·0x9E3779B9) where state[0] is a GPU-side step counter, so a
// training loop gets fresh numbers each step without writing anything from the CPU. Element i of the
// output comes from Philox block i / 4, lane i % 4, so results do not depend on the dispatch shape.

struct Rng {
  n: u32,
  seed: u32,
  stream: u32,
  range: u32,   // randint: values in [0, range)
}

@group(0) @binding(0) var<uniform> p: Rng;
@group(0) @binding(1) var<storage, read> state: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

fn rng_key() -> vec2u {
  return vec2u(p.seed, p.stream ^ (state[0] * 0x9E3779B9u));
}

// out[i] ~ N(0, 1); one invocation fills 4 consecutive elements.
@compute @workgroup_size(64)
fn randn(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let blk = linear_index(gid, nwg, 64u);
  if (blk * 4u >= p.n) { return; }
  let z = normal4(vec4u(blk, 0u, 0u, 0u), rng_key());
  for (var l = 0u; l < 4u; l++) {
    if (blk * 4u + l < p.n) { out[blk * 4u + l] = z[l]; }
  }
}

@group(0) @binding(2) var<storage, read_write> out_u: array<u32>;

// out_u[i] uniform in [0, range): the top 24 bits scaled (bias below 2^-24·range, irrelevant here).
@compute @workgroup_size(64)
fn randint(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let blk = linear_index(gid, nwg, 64u);
  if (blk * 4u >= p.n) { return; }
  let r = philox4x32(vec4u(blk, 1u, 0u, 0u), rng_key());
  for (var l = 0u; l < 4u; l++) {
    if (blk * 4u + l < p.n) {
      out_u[blk * 4u + l] = min(u32(f32(r[l] >> 8u) * (1.0 / 16777216.0) * f32(p.range)), p.range - 1u);
    }
  }
}

@group(0) @binding(1) var<storage, read_write> counter: array<u32>;

// state[0] += n: advances every stream keyed on the step counter (one invocation).
@compute @workgroup_size(1)
fn step_counter() {
  counter[0] = counter[0] + p.n;
}
