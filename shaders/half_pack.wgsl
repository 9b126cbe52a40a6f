// half_pack.wgsl — f32 tensors into the f16-pair layouts of the f16 sampling path (conv2d_half_shared.wgsl
// describes both): images into "half rows" (one zero column left, zeros right, two values per u32), the
// same for a 2× nearest upsampling (the UNet's upsample before its conv, so that conv reads half rows too),
// 3×3 weights into lane-blocked f16 pairs. pack2x16float is core WGSL: no shader-f16 needed.

struct HalfPack {
  count: u32,  // pack_weights3: output words; pack_rows, upsample_rows: output half rows
  C: u32, H: u32, W: u32, Wh: u32,  // pack_rows: x [·, C, H, W] → [·, C, H, Wh]; upsample_rows: → [·, C, 2H, Wh]
  C_in: u32, C_out: u32,            // pack_weights3: w [C_out, C_in, 3, 3]
}

@group(0) @binding(0) var<uniform> p: HalfPack;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

// Input column j of the row starting at `row`, zero outside [0, W).
fn col(row: u32, j: i32) -> f32 {
  if (j < 0 || j >= i32(p.W)) { return 0.0; }
  return src[row + u32(j)];
}

// The Wh words of the half row at word `out` from the source row starting at `row`: word k holds columns
// 2k − 1 and 2k, which are source columns 2k − 1 and 2k, or with `up` (2× nearest upsampling) k − 1 and k.
fn write_row(row: u32, out: u32, up: bool) {
  for (var k = 0; k < i32(p.Wh); k++) {
    let j = select(2 * k, k, up);
    dst[out + u32(k)] = pack_half2(vec2f(col(row, j - 1), col(row, j)));
  }
}

// One invocation per half row (count = rows): a word per invocation needed i / Wh and i % Wh, which
// lavapipe computes with eight scalar divisions per 8 lanes — that was most of the pack's time.
@compute @workgroup_size(64)
fn pack_rows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = linear_index(gid, nwg, 64u);
  if (r >= p.count) { return; }
  write_row(r * p.W, r * p.Wh, false);
}

// Half row R of the upsampled [·, C, 2H] rows reads source row R / 2 of its image plane (nearest neighbour).
@compute @workgroup_size(64)
fn upsample_rows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let R = linear_index(gid, nwg, 64u);
  if (R >= p.count) { return; }
  let row = ((R / (2u * p.H)) * p.H + (R % (2u * p.H)) / 2u) * p.W;
  write_row(row, R * p.Wh, true);
}

// Word i = (block, ci, j, lane): taps 2j and 2j + 1 of W[8·block + lane, ci]; zero past tap 8 or C_out.
@compute @workgroup_size(64)
fn pack_weights3(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i >= p.count) { return; }
  let lane = i % 8u;
  let j = (i / 8u) % 5u;
  let ci = (i / 40u) % p.C_in;
  let co = (i / (40u * p.C_in)) * 8u + lane;
  var v = vec2f(0.0);
  if (co < p.C_out) {
    let base = (co * p.C_in + ci) * 9u;
    v.x = src[base + 2u * j];
    if (j < 4u) { v.y = src[base + 2u * j + 1u]; }
  }
  dst[i] = pack_half2(v);
}
