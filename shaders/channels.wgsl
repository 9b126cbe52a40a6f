// channels.wgsl — channel-wise layout kernels on NCHW maps: per-(n, c) bias add (time embedding into a
// residual block), channel concat and its split (UNet skip connections), nearest 2× upsample and backward.

struct Ch {
  N: u32,
  Ca: u32,   // channels of the first input (the only input for add_channel / upsample)
  Cb: u32,   // channels of the second input (concat/split), else 0
  S: u32,    // H·W of the input (for upsample: of the low-resolution map)
  W: u32,    // width of the input (upsample only)
}

@group(0) @binding(0) var<uniform> p: Ch;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// out[n, c, s] = a[n, c, s] + b[n, c]
@compute @workgroup_size(64)
fn add_channel(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i >= p.N * p.Ca * p.S) { return; }
  out[i] = a[i] + b[i / p.S];
}

// out[n] = [a[n]; b[n]] along channels: out is [N, Ca + Cb, S]
@compute @workgroup_size(64)
fn concat(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  let C = p.Ca + p.Cb;
  if (i >= p.N * C * p.S) { return; }
  let s = i % p.S;
  let c = (i / p.S) % C;
  let n = i / (p.S * C);
  if (c < p.Ca) {
    out[i] = a[(n * p.Ca + c) * p.S + s];
  } else {
    out[i] = b[(n * p.Cb + c - p.Ca) * p.S + s];
  }
}

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> da: array<f32>;
@group(0) @binding(3) var<storage, read_write> db: array<f32>;

// Backward of concat: src [N, Ca + Cb, S] → da [N, Ca, S], db [N, Cb, S]; one invocation per src element.
@compute @workgroup_size(64)
fn split(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  let C = p.Ca + p.Cb;
  if (i >= p.N * C * p.S) { return; }
  let s = i % p.S;
  let c = (i / p.S) % C;
  let n = i / (p.S * C);
  if (c < p.Ca) {
    da[(n * p.Ca + c) * p.S + s] = src[i];
  } else {
    db[(n * p.Cb + c - p.Ca) * p.S + s] = src[i];
  }
}

// out [N, C, 2H, 2W] from a [N, C, H, W]: out[.., oy, ox] = a[.., oy/2, ox/2]. Here S = H·W, W = W.
// One invocation per input value writes its 2×2 block: one load and three divisions per four outputs
// instead of per output (lavapipe runs each lane's load and integer division separately: 2× the old
// one-output-per-invocation kernel at the UNet's sizes).
@compute @workgroup_size(64)
fn upsample2x(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i >= p.N * p.Ca * p.S) { return; }
  let plane = i / p.S;
  let r = i % p.S;
  let y = r / p.W;
  let x = r % p.W;
  let OW = 2u * p.W;
  let o = plane * 4u * p.S + (2u * y) * OW + 2u * x;
  let v = a[i];
  out[o] = v;
  out[o + 1u] = v;
  out[o + OW] = v;
  out[o + OW + 1u] = v;
}

// da [N, C, H, W] = sum of the 2×2 block of dout [N, C, 2H, 2W] it was copied to (a = dout here).
@compute @workgroup_size(64)
fn upsample2x_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i >= p.N * p.Ca * p.S) { return; }
  let plane = i / p.S;
  let r = i % p.S;
  let y = r / p.W;
  let x = r % p.W;
  let OW = 2u * p.W;
  let base = plane * 4u * p.S + (2u * y) * OW + 2u * x;
  out[i] = a[base] + a[base + 1u] + a[base + OW] + a[base + OW + 1u];
}
