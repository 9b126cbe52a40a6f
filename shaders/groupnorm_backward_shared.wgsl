// groupnorm_backward_shared.wgsl — the upstream gradient both GroupNorm backward kernels start from;
// included (after groupnorm_shared.wgsl) by groupnorm_backward_input.wgsl and groupnorm_backward_params.wgsl,
// which both declare the bindings it reads: x, gamma, beta and dy.

// dz = dy (· silu'(z) when fused); dx̂ = dz·γ; dx = rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)) over the group.
fn upstream(idx: u32, c: u32, mean: f32, rstd: f32) -> vec2f {  // returns (dz, x̂)
  let xh = (x[idx] - mean) * rstd;
  var dz = dy[idx];
  if (p.silu != 0u) { dz *= silu_grad(xh * gamma[c] + beta[c]); }
  return vec2f(dz, xh);
}
