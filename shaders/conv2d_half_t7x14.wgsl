enable subgroups;

// conv2d_half_t7x14.wgsl — conv2d_half_shared.wgsl's kernel with a tile of 7 rows × 14 columns per 8 lanes.
// include: conv2d_half_shared.wgsl

const TR = 7u;
const TW = 14u;
const P = 8u;  // words per row window: padded columns ox0 … ox0 + TW + 1

@compute @workgroup_size(8)
fn half_k3s1(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) l: u32) {
  half_tile(wid, l);
}
