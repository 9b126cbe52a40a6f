// gemm.wgsl — dense matrix products with vec4 loads and 4×8 register tiles (no workgroup memory, no
// barriers), the building block of the GEMM conv variant (src/ops/conv2d.ts).
//   gemm_nn: C = A·B,   A [M, K] (K multiple of 4), B [K, 4·N4]; one invocation = 4 rows × 8 columns.
//            mode 0 writes C row-major [M, N]; mode 1 treats row m as position m of image n0 + m / P
//            and writes NCHW y[(image·N + col)·P + m % P] (+ bias[col]) — the conv forward epilogue.
//   gemm_tn: C_z = A_zᵀ·B_z over the rows [z·rows_per_split, …) of A [R, 4·M4] and B [R, 4·N4]:
//            split-K partial products (the conv weight gradient reduces over every output position).

struct Gemm {
  M: u32, N: u32, K: u32,
  A4: u32,        // row length of A in vec4s
  N4: u32,        // row length of B in vec4s
  mode: u32,
  P: u32,         // positions per image (mode 1)
  n0: u32,        // first image of this chunk (mode 1)
  has_bias: u32,
  rows_per_split: u32,  // gemm_tn
  z0: u32,              // gemm_tn: index of this call's first partial in c
}

@group(0) @binding(0) var<uniform> p: Gemm;
@group(0) @binding(1) var<storage, read> a: array<vec4f>;
@group(0) @binding(2) var<storage, read> b: array<vec4f>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

// Writes 8 results of row m starting at column n0: C row-major (mode 0) or NCHW scatter (mode 1), with the
// row's base index and column stride computed once (integer division is slow on software adapters).
fn store_row(m: u32, n0: u32, lo: vec4f, hi: vec4f) {
  if (m >= p.M) { return; }
  var base = m * p.N;
  var stride = 1u;
  if (p.mode != 0u) {
    base = (p.n0 + m / p.P) * p.N * p.P + m % p.P;
    stride = p.P;
  }
  let use_bias = p.mode != 0u && p.has_bias != 0u;
  for (var q = 0u; q < 8u; q++) {
    let n = n0 + q;
    if (n >= p.N) { break; }
    var v = select(hi[q % 4u], lo[q % 4u], q < 4u);
    if (use_bias) { v += bias[n]; }
    c[base + n * stride] = v;
  }
}

@compute @workgroup_size(64)
fn gemm_nn(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let nbn = (p.N + 7u) / 8u;
  let id = linear_index(gid, nwg, 64u);
  if (id >= ((p.M + 3u) / 4u) * nbn) { return; }
  let m0 = (id / nbn) * 4u;
  let j0 = (id % nbn) * 2u;               // first vec4 column of B
  let j1 = min(j0 + 1u, p.N4 - 1u);       // clamped: its results are dropped by store()
  // Rows past M repeat the last row; their results are dropped by store().
  let r0 = min(m0, p.M - 1u) * p.A4;
  let r1 = min(m0 + 1u, p.M - 1u) * p.A4;
  let r2 = min(m0 + 2u, p.M - 1u) * p.A4;
  let r3 = min(m0 + 3u, p.M - 1u) * p.A4;
  var c00 = vec4f(0.0); var c01 = vec4f(0.0);
  var c10 = vec4f(0.0); var c11 = vec4f(0.0);
  var c20 = vec4f(0.0); var c21 = vec4f(0.0);
  var c30 = vec4f(0.0); var c31 = vec4f(0.0);
  for (var k4 = 0u; k4 < p.K / 4u; k4++) {
    let a0 = a[r0 + k4];
    let a1 = a[r1 + k4];
    let a2 = a[r2 + k4];
    let a3 = a[r3 + k4];
    let kb = k4 * 4u * p.N4;
    let b00 = b[kb + j0];
    let b01 = b[kb + j1];
    let b10 = b[kb + p.N4 + j0];
    let b11 = b[kb + p.N4 + j1];
    let b20 = b[kb + 2u * p.N4 + j0];
    let b21 = b[kb + 2u * p.N4 + j1];
    let b30 = b[kb + 3u * p.N4 + j0];
    let b31 = b[kb + 3u * p.N4 + j1];
    c00 += a0.x * b00 + a0.y * b10 + a0.z * b20 + a0.w * b30;
    c01 += a0.x * b01 + a0.y * b11 + a0.z * b21 + a0.w * b31;
    c10 += a1.x * b00 + a1.y * b10 + a1.z * b20 + a1.w * b30;
    c11 += a1.x * b01 + a1.y * b11 + a1.z * b21 + a1.w * b31;
    c20 += a2.x * b00 + a2.y * b10 + a2.z * b20 + a2.w * b30;
    c21 += a2.x * b01 + a2.y * b11 + a2.z * b21 + a2.w * b31;
    c30 += a3.x * b00 + a3.y * b10 + a3.z * b20 + a3.w * b30;
    c31 += a3.x * b01 + a3.y * b11 + a3.z * b21 + a3.w * b31;
  }
  let n0 = j0 * 4u;
  store_row(m0, n0, c00, c01);
  store_row(m0 + 1u, n0, c10, c11);
  store_row(m0 + 2u, n0, c20, c21);
  store_row(m0 + 3u, n0, c30, c31);
}

// Partial z of C = Aᵀ·B: A [R, 4·A4], B [R, 4·N4]; output c[z, M, N] row-major. id = (z·mbn + mb)·nbn + nb.
@compute @workgroup_size(64)
fn gemm_tn(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let nbn = (p.N + 7u) / 8u;
  let mbn = (p.M + 3u) / 4u;
  let id = linear_index(gid, nwg, 64u);
  let splits = (p.K + p.rows_per_split - 1u) / p.rows_per_split;
  if (id >= splits * mbn * nbn) { return; }
  let nb = id % nbn;
  let mb = (id / nbn) % mbn;
  let z = id / (nbn * mbn);
  let j0 = nb * 2u;
  let j1 = min(j0 + 1u, p.N4 - 1u);
  let mi = min(mb, p.A4 - 1u);
  var c00 = vec4f(0.0); var c01 = vec4f(0.0);
  var c10 = vec4f(0.0); var c11 = vec4f(0.0);
  var c20 = vec4f(0.0); var c21 = vec4f(0.0);
  var c30 = vec4f(0.0); var c31 = vec4f(0.0);
  let r_end = min((z + 1u) * p.rows_per_split, p.K);
  for (var r = z * p.rows_per_split; r < r_end; r++) {
    let av = a[r * p.A4 + mi];
    let b0 = b[r * p.N4 + j0];
    let b1 = b[r * p.N4 + j1];
    c00 += av.x * b0; c01 += av.x * b1;
    c10 += av.y * b0; c11 += av.y * b1;
    c20 += av.z * b0; c21 += av.z * b1;
    c30 += av.w * b0; c31 += av.w * b1;
  }
  let m0 = mb * 4u;
  let n0 = j0 * 4u;
  let zoff = (p.z0 + z) * p.M * p.N;
  for (var q = 0u; q < 8u; q++) {
    let n = n0 + q;
    if (n >= p.N) { break; }
    let lo = q < 4u;
    let k = q % 4u;
    if (m0 < p.M) { c[zoff + m0 * p.N + n] = select(c01[k], c00[k], lo); }
    if (m0 + 1u < p.M) { c[zoff + (m0 + 1u) * p.N + n] = select(c11[k], c10[k], lo); }
    if (m0 + 2u < p.M) { c[zoff + (m0 + 2u) * p.N + n] = select(c21[k], c20[k], lo); }
    if (m0 + 3u < p.M) { c[zoff + (m0 + 3u) * p.N + n] = select(c31[k], c30[k], lo); }
  }
}
