enable subgroups;

// conv2d_half_t7x7.wgsl — conv2d_half_shared.wgsl's kernel with a tile of 7 rows × 7 columns per 8 lanes: a
// whole 7×7 map per workgroup (rows of at most 7 columns, one tile per row starting at column 0). Taller
// tiles load less per product (weights once per 7 rows instead of 4), as in conv2d_colanes.wgsl.
// include: conv2d_half_shared.wgsl

const TR = 7u;
const TW = 7u;
const P = 5u;  // words per row window: padded columns ox0 … ox0 + TW + 1

@compute @workgroup_size(8)
fn half_k3s1(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) l: u32) {
  half_tile(wid, l);
}
