// conv2d_gemm.wgsl — layout kernels that turn conv2d into the vec4 GEMMs of gemm.wgsl (the "gemm" variant).
// Positions pos = n_local·P + oy·OW + ox (P = OH·OW) of a chunk of images starting at n0; tap index
// k = (ci·K + ky)·K + kx < CKK = C_in·K·K, padded with zeros to Kp (a multiple of 4).
//   im2col:       Xp[pos, k] = x[n0 + n_local, ci, oy·s + ky − pad, ox·s + kx − pad] (0 outside)
//   pack_wt:      Wt[k, co] = W[co, k]           ([Kp, Co4·4], B operand of the forward GEMM)
//   pack_w:       Wp[co, k] = W[co, k]           ([Co4·4, Kp], B operand of the input-gradient GEMM)
//   transpose_dy: dYt[pos, co] = dy[n0 + n_local, co, p]   ([pos, Co4·4])
//   col2im:       dx[n, ci, iy, ix] = Σ_(ky,kx) dXp[pos(oy, ox), k] over the taps that read (iy, ix)
//   dw_reduce:    dw[co, k] = Σ_z part[z, k, co]

struct Cg {
  N: u32,       // images in this chunk
  n0: u32,
  C_in: u32, H: u32, W: u32,
  C_out: u32, OH: u32, OW: u32,
  K: u32, stride: u32, pad: u32,
  Kp: u32,      // padded CKK
  Co4: u32,     // C_out rounded up to a multiple of 4, divided by 4
  splits: u32,  // dw_reduce
}

@group(0) @binding(0) var<uniform> p: Cg;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

// One invocation per output position: the divisions happen once, then the row of Kp taps is written in order.
@compute @workgroup_size(64)
fn im2col(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let pos = linear_index(gid, nwg, 64u);
  let P = p.OH * p.OW;
  if (pos >= p.N * P) { return; }
  let n = p.n0 + pos / P;
  let oy = (pos % P) / p.OW;
  let ox = pos % p.OW;
  let iy0 = i32(oy * p.stride) - i32(p.pad);
  let ix0 = i32(ox * p.stride) - i32(p.pad);
  var o = pos * p.Kp;
  for (var ci = 0u; ci < p.C_in; ci++) {
    let plane = (n * p.C_in + ci) * p.H;
    for (var ky = 0u; ky < p.K; ky++) {
      let iy = iy0 + i32(ky);
      let row_ok = iy >= 0 && iy < i32(p.H);
      let row = (plane + u32(clamp(iy, 0, i32(p.H) - 1))) * p.W;
      for (var kx = 0u; kx < p.K; kx++) {
        let ix = ix0 + i32(kx);
        dst[o] = select(0.0, src[row + u32(clamp(ix, 0, i32(p.W) - 1))], row_ok && ix >= 0 && ix < i32(p.W));
        o++;
      }
    }
  }
  for (var k = p.C_in * p.K * p.K; k < p.Kp; k++) { dst[pos * p.Kp + k] = 0.0; }
}

@compute @workgroup_size(64)
fn pack_wt(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  let cols = p.Co4 * 4u;
  if (i >= p.Kp * cols) { return; }
  let co = i % cols;
  let k = i / cols;
  let ckk = p.C_in * p.K * p.K;
  dst[i] = select(0.0, src[min(co, p.C_out - 1u) * ckk + min(k, ckk - 1u)], co < p.C_out && k < ckk);
}

@compute @workgroup_size(64)
fn pack_w(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i >= p.Co4 * 4u * p.Kp) { return; }
  let k = i % p.Kp;
  let co = i / p.Kp;
  let ckk = p.C_in * p.K * p.K;
  dst[i] = select(0.0, src[min(co, p.C_out - 1u) * ckk + min(k, ckk - 1u)], co < p.C_out && k < ckk);
}

@compute @workgroup_size(64)
fn transpose_dy(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  let cols = p.Co4 * 4u;
  let P = p.OH * p.OW;
  if (i >= p.N * P * cols) { return; }
  let co = i % cols;
  let pos = i / cols;
  let n = p.n0 + pos / P;
  dst[i] = select(0.0, src[(n * p.C_out + min(co, p.C_out - 1u)) * P + pos % P], co < p.C_out);
}

@compute @workgroup_size(64)
fn col2im(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i >= p.N * p.C_in * p.H * p.W) { return; }
  let ix = i % p.W;
  let iy = (i / p.W) % p.H;
  let ci = (i / (p.W * p.H)) % p.C_in;
  let nl = i / (p.W * p.H * p.C_in);
  let P = p.OH * p.OW;
  let s = i32(p.stride);
  var acc = 0.0;
  for (var ky = 0u; ky < p.K; ky++) {
    let ty = i32(iy + p.pad) - i32(ky);
    if (ty < 0 || ty % s != 0 || ty / s >= i32(p.OH)) { continue; }
    for (var kx = 0u; kx < p.K; kx++) {
      let tx = i32(ix + p.pad) - i32(kx);
      if (tx < 0 || tx % s != 0 || tx / s >= i32(p.OW)) { continue; }
      let pos = nl * P + u32(ty / s) * p.OW + u32(tx / s);
      acc += src[pos * p.Kp + (ci * p.K + ky) * p.K + kx];
    }
  }
  dst[((p.n0 + nl) * p.C_in + ci) * p.H * p.W + iy * p.W + ix] = acc;
}

// src = part[z, Kp, C_out]; dst = dw[C_out, CKK]
@compute @workgroup_size(64)
fn dw_reduce(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  let ckk = p.C_in * p.K * p.K;
  if (i >= p.C_out * ckk) { return; }
  let k = i % ckk;
  let co = i / ckk;
  var acc = 0.0;
  for (var z = 0u; z < p.splits; z++) { acc += src[(z * p.Kp + k) * p.C_out + co]; }
  dst[i] = acc;
}
