// conv2d_shared.wgsl — the Params struct and uniform of the direct convolution kernels; included by
// conv2d.wgsl (forward), conv2d_backward_input.wgsl and conv2d_backward_weight.wgsl (the bias gradient is
// reduce.wgsl's). 2-D convolution, NCHW activations, OIHW weights (PyTorch layout), square K×K kernel,
// stride s, zero padding `pad`.
//
// Output size: OH = (H + 2·pad − K) / s + 1 (same for W). Input pixel read by output (oy, ox) at tap
// (ky, kx): iy = oy·s + ky − pad, ix = ox·s + kx − pad; taps outside [0, H)×[0, W) read zero.

struct Conv {
  N: u32, C_in: u32, H: u32, W: u32,
  C_out: u32, OH: u32, OW: u32,
  K: u32, stride: u32, pad: u32,
}

@group(0) @binding(0) var<uniform> p: Conv;
