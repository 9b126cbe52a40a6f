// groupnorm_params.wgsl — the GroupNorm kernels' parameters; included first by every groupnorm*.wgsl file
// (groupnorm_shared.wgsl's reducers read them, groupnorm_lanes.wgsl uses them without those reducers).
// Layout: [N, C, S] with S = H·W, G groups of Cg = C / G channels; silu = 1 fuses SiLU on the output.

struct GN {
  N: u32, C: u32, S: u32, G: u32,
  eps: f32,
  silu: u32,
  W: u32, Wh: u32,  // last dimension and its half-row width (groupnorm_half.wgsl only; S = H·W)
}

@group(0) @binding(0) var<uniform> p: GN;
