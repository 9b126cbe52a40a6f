// conv2d_weight_slots.wgsl — what the sliced 3×3 weight-gradient kernels share (conv2d_colanes_weight.wgsl,
// conv2d_texture.wgsl): each workgroup slot writes its partial taps, summed over the slots afterwards
// (reduce.wgsl's sum_outer). store_taps writes through the binding `dwp` and reads p.C_out and p.C_in,
// which every including file declares.

// The 9 taps of dW[co, ci] summed by this lane into slot `slot` of dwp [slots, C_out, C_in, 3, 3]
// (nothing for a channel block past C_in).
fn store_taps(acc: array<f32, 9>, slot: u32, co: u32, ci: u32) {
  if (ci >= p.C_in) { return; }
  let o = ((slot * p.C_out + co) * p.C_in + ci) * 9u;
  for (var t = 0u; t < 9u; t++) { dwp[o + t] = acc[t]; }
}
