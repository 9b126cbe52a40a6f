enable subgroups;

// conv2d_half_t4x7.wgsl — conv2d_half_shared.wgsl's kernel with a tile of 4 rows × 7 columns per 8 lanes: for
// rows of at most 7 columns (one tile per row, starting at column 0), where a 14-column tile would idle half its
// accumulators.
// include: conv2d_half_shared.wgsl

const TR = 4u;
const TW = 7u;
const P = 5u;  // words per row window: padded columns ox0 … ox0 + TW + 1

@compute @workgroup_size(8)
fn half_k3s1(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) l: u32) {
  half_tile(wid, l);
}
