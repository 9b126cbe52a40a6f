enable subgroups;

// matmul_texture.wgsl — the batched strided matrix product (matmul_shared.wgsl) with its operands read
// through textures, for lavapipe: it compiles a storage load whose address differs across the 8 lanes of
// an AVX2 vector into a loop over the lanes (~10 instructions per lane and value), but fetches an
// rgba32float texel with vector code (one 16-byte load per lane and a transpose): per float brought in,
// textureLoad costs several times less. So pack_a and pack_b first write A and B as k-major texel
// panels (32 rows of A, 64 columns of B, 4 floats per texel, K padded to 4; layouts below) into plain
// buffers, which Gpu.copyToTexels copies into TexelPanel textures (texel t at (t & (TEXEL_ROW − 1),
// t >> TEXEL_SHIFT): a kernel's textureStore costs ~3× a storage store there, the copy is a memcpy), and
// `tiles` reads only texels. A workgroup is one subgroup of 8 lanes and computes a 32 × 64 tile of C.
// Per k, lane l brings A rows 4l … 4l + 3 and B columns 4l … 4l + 3 and 32 + 4l … 32 + 4l + 3 (per turn
// of four k: 4 A and 8 B fetches); broadcasts hand each lane's 4 A values to all lanes: 3 fetches feed
// 2048 multiply-adds. Inside a loop lavapipe writes an array element with a masked blend and a store, so the
// loop takes four k per turn and updates each accumulator once, with the four k's products in one
// expression (two k per turn was 1.4× one at 1024³, four ~1.08× two; eight no better than four). The 64
// vec4 accumulators per lane are named variables (c0 … c63), not an array: LLVM then spills what does not
// fit in registers with plain stores and loads instead of keeping an array in memory (~1.12× at 1024³,
// 2026-12-03). Their 64 update statements and stores are written out one per line for that reason.
// Panels are zero-padded to a multiple of 4 in K.
// Needs subgroups of exactly 8 (Gpu.hasSubgroups8). Grid: (⌈N / 64⌉, ⌈M / 32⌉, batch).
// include: matmul_shared.wgsl

const TEXEL_ROW: u32 = 4096u;   // src/runtime/texture.ts's TEXEL_ROW
const TEXEL_SHIFT = 12u;        // log2(TEXEL_ROW)

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;   // [N] (bound but unread when has_bias = 0)
@group(0) @binding(4) var<storage, read_write> c: array<f32>;
@group(0) @binding(5) var<storage, read_write> ta_out: array<vec4f>;  // the A panels texel by texel, then copied
@group(0) @binding(6) var<storage, read_write> tb_out: array<vec4f>;  // into ta / tb (Gpu.copyToTexels)
@group(0) @binding(7) var ta: texture_2d<f32>;
@group(0) @binding(8) var tb: texture_2d<f32>;
@group(0) @binding(9) var<storage, read> a4: array<vec4f>;   // A again, read 4 floats at a time (pack_a4)
@group(0) @binding(10) var<storage, read> b4: array<vec4f>;  // B again (pack_b4)

// Panel layouts. A: a texel holds 4 rows at one k (A_K4 = false: texel k·8 + q of a panel = rows 4q … 4q + 3
// at k) or 4 k of one row (A_K4 = true: texel kq·32 + r = row r at k 4kq … 4kq + 3). B: 4 columns at one k
// (B_K4 = false: texel k·16 + 8h + l = columns 32h + 4l … + 3 at k) or 4 k of one column (B_K4 = true:
// texel kq·64 + c = column c at 4kq … 4kq + 3). The host picks the layout whose 4 floats are contiguous in
// memory (A_K4 where A's k stride is 1, B_K4 where B's k stride is 1), so that where strides and sizes are
// multiples of 4, pack_a4 / pack_b4 read each texel with one vec4 load instead of four scalar ones (a
// lane-varying load is a loop over the lanes on lavapipe, whatever its width). Either way a panel has 8·K2
// (A) or 16·K2 (B) texels per 32 rows or 64 columns, and `tiles` fetches the same number per turn: the
// transposes between layouts happen in registers.
override A_K4: bool = false;
override B_K4: bool = false;

fn texel_xy(t: u32) -> vec2u { return vec2u(t & (TEXEL_ROW - 1u), t >> TEXEL_SHIFT); }

// K rounded up to a multiple of 4: the panels' depth (the padding k is zero in both).
fn k_padded() -> u32 { return (p.K + 3u) & ~3u; }

// Panel run of A rows 32·ib … 32·ib + 31 of image bt: texels ((bt·⌈M/32⌉ + ib)·8·K2 + x), x < 8·K2 (0 past
// row M − 1 and past K; K2 = k_padded()). Texel x's first element (row, k) and the step (row, k) to the next
// of its 4 floats, by A_K4.
fn a_texel(ib: u32, x: u32) -> vec4u {
  if (A_K4) { return vec4u(ib * 32u + (x & 31u), (x >> 5u) * 4u, 0u, 1u); }
  return vec4u(ib * 32u + 4u * (x & 7u), x >> 3u, 1u, 0u);
}

// The same for B columns 64·jb … 64·jb + 63: (k, column) of texel x's first element and the step (k, column).
fn b_texel(jb: u32, x: u32) -> vec4u {
  if (B_K4) { return vec4u((x >> 6u) * 4u, jb * 64u + (x & 63u), 1u, 0u); }
  return vec4u(x >> 4u, jb * 64u + 32u * ((x >> 3u) & 1u) + 4u * (x & 7u), 0u, 1u);
}

// Grids (⌈8·K2 / 64⌉, ⌈M / 32⌉, batch) for A, (⌈16·K2 / 64⌉, ⌈N / 64⌉, batch) for B: x is the texel within
// panel gid.y's run, so no index needs a division by a runtime value (lavapipe divides per lane with scalar
// div instructions).
@compute @workgroup_size(64)
fn pack_a(@builtin(global_invocation_id) gid: vec3u) {
  let K2 = k_padded();
  let x = gid.x;
  if (x >= K2 * 8u) { return; }
  let bt = gid.z;
  let e0 = a_texel(gid.y, x);
  var v: vec4f;
  for (var e = 0u; e < 4u; e++) {
    let row = e0.x + e * e0.z;
    let k = e0.y + e * e0.w;
    v[e] = select(0.0, a[bt * p.a_bs + min(row, p.M - 1u) * p.a_rs + min(k, p.K - 1u) * p.a_cs], row < p.M && k < p.K);
  }
  ta_out[(bt * ((p.M + 31u) / 32u) + gid.y) * K2 * 8u + x] = v;
}

// pack_a with one vec4 load per texel: the host calls it only where the texel's 4 floats are contiguous and
// 16-byte aligned (A_K4 with a_cs = 1, or rows with a_rs = 1; the other strides and K, or M, multiples of 4),
// so a texel is wholly inside A or wholly padding.
@compute @workgroup_size(64)
fn pack_a4(@builtin(global_invocation_id) gid: vec3u) {
  let K2 = k_padded();
  let x = gid.x;
  if (x >= K2 * 8u) { return; }
  let bt = gid.z;
  let e0 = a_texel(gid.y, x);
  let inside = e0.x < p.M && e0.y < p.K;
  let v = a4[(bt * p.a_bs + min(e0.x, p.M - 1u) * p.a_rs + min(e0.y, p.K - 1u) * p.a_cs) / 4u];
  ta_out[(bt * ((p.M + 31u) / 32u) + gid.y) * K2 * 8u + x] = select(vec4f(0.0), v, inside);
}

@compute @workgroup_size(64)
fn pack_b(@builtin(global_invocation_id) gid: vec3u) {
  let K2 = k_padded();
  let x = gid.x;
  if (x >= K2 * 16u) { return; }
  let bt = gid.z;
  let e0 = b_texel(gid.y, x);
  var v: vec4f;
  for (var e = 0u; e < 4u; e++) {
    let k = e0.x + e * e0.z;
    let col = e0.y + e * e0.w;
    v[e] = select(0.0, b[bt * p.b_bs + min(k, p.K - 1u) * p.b_rs + min(col, p.N - 1u) * p.b_cs], col < p.N && k < p.K);
  }
  tb_out[(bt * ((p.N + 63u) / 64u) + gid.y) * K2 * 16u + x] = v;
}

// pack_b with one vec4 load per texel (B_K4 with b_rs = 1, or columns with b_cs = 1; as pack_a4).
@compute @workgroup_size(64)
fn pack_b4(@builtin(global_invocation_id) gid: vec3u) {
  let K2 = k_padded();
  let x = gid.x;
  if (x >= K2 * 16u) { return; }
  let bt = gid.z;
  let e0 = b_texel(gid.y, x);
  let inside = e0.x < p.K && e0.y < p.N;
  let v = b4[(bt * p.b_bs + min(e0.x, p.K - 1u) * p.b_rs + min(e0.y, p.N - 1u) * p.b_cs) / 4u];
  tb_out[(bt * ((p.N + 63u) / 64u) + gid.y) * K2 * 16u + x] = select(vec4f(0.0), v, inside);
}

@compute @workgroup_size(8)
fn tiles(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) l: u32) {
  let bt = wid.z;
  // This workgroup's panels; per k the A panel has 8 texels and the B panel 16.
  let K2 = k_padded();
  var at = ((bt * ((p.M + 31u) / 32u) + wid.y) * K2) * 8u;
  var bk = ((bt * ((p.N + 63u) / 64u) + wid.x) * K2) * 16u;
  // c<2r + h>: row r of the tile, columns 32h + 4l … 32h + 4l + 3 (named variables, not an array).
  var c0 = vec4f(0.0);
  var c1 = vec4f(0.0);
  var c2 = vec4f(0.0);
  var c3 = vec4f(0.0);
  var c4 = vec4f(0.0);
  var c5 = vec4f(0.0);
  var c6 = vec4f(0.0);
  var c7 = vec4f(0.0);
  var c8 = vec4f(0.0);
  var c9 = vec4f(0.0);
  var c10 = vec4f(0.0);
  var c11 = vec4f(0.0);
  var c12 = vec4f(0.0);
  var c13 = vec4f(0.0);
  var c14 = vec4f(0.0);
  var c15 = vec4f(0.0);
  var c16 = vec4f(0.0);
  var c17 = vec4f(0.0);
  var c18 = vec4f(0.0);
  var c19 = vec4f(0.0);
  var c20 = vec4f(0.0);
  var c21 = vec4f(0.0);
  var c22 = vec4f(0.0);
  var c23 = vec4f(0.0);
  var c24 = vec4f(0.0);
  var c25 = vec4f(0.0);
  var c26 = vec4f(0.0);
  var c27 = vec4f(0.0);
  var c28 = vec4f(0.0);
  var c29 = vec4f(0.0);
  var c30 = vec4f(0.0);
  var c31 = vec4f(0.0);
  var c32 = vec4f(0.0);
  var c33 = vec4f(0.0);
  var c34 = vec4f(0.0);
  var c35 = vec4f(0.0);
  var c36 = vec4f(0.0);
  var c37 = vec4f(0.0);
  var c38 = vec4f(0.0);
  var c39 = vec4f(0.0);
  var c40 = vec4f(0.0);
  var c41 = vec4f(0.0);
  var c42 = vec4f(0.0);
  var c43 = vec4f(0.0);
  var c44 = vec4f(0.0);
  var c45 = vec4f(0.0);
  var c46 = vec4f(0.0);
  var c47 = vec4f(0.0);
  var c48 = vec4f(0.0);
  var c49 = vec4f(0.0);
  var c50 = vec4f(0.0);
  var c51 = vec4f(0.0);
  var c52 = vec4f(0.0);
  var c53 = vec4f(0.0);
  var c54 = vec4f(0.0);
  var c55 = vec4f(0.0);
  var c56 = vec4f(0.0);
  var c57 = vec4f(0.0);
  var c58 = vec4f(0.0);
  var c59 = vec4f(0.0);
  var c60 = vec4f(0.0);
  var c61 = vec4f(0.0);
  var c62 = vec4f(0.0);
  var c63 = vec4f(0.0);
  for (var k = 0u; k < K2; k += 4u) {
    // w/v/u/t<h>: this lane's B columns 32h + 4l … + 3 at the turn's four k; a0 … a3: lane l's A rows
    // 4l … 4l + 3 at the four k. Per turn the panels advance 32 (A) and 64 (B) texels in both layouts.
    var w0: vec4f; var w1: vec4f; var v0: vec4f; var v1: vec4f; var u0: vec4f; var u1: vec4f; var t0: vec4f; var t1: vec4f;
    if (B_K4) {
      let s0 = textureLoad(tb, texel_xy(bk + 4u * l), 0); let s1 = textureLoad(tb, texel_xy(bk + 4u * l + 1u), 0);
      let s2 = textureLoad(tb, texel_xy(bk + 4u * l + 2u), 0); let s3 = textureLoad(tb, texel_xy(bk + 4u * l + 3u), 0);
      let z0 = textureLoad(tb, texel_xy(bk + 32u + 4u * l), 0); let z1 = textureLoad(tb, texel_xy(bk + 33u + 4u * l), 0);
      let z2 = textureLoad(tb, texel_xy(bk + 34u + 4u * l), 0); let z3 = textureLoad(tb, texel_xy(bk + 35u + 4u * l), 0);
      w0 = vec4f(s0.x, s1.x, s2.x, s3.x); v0 = vec4f(s0.y, s1.y, s2.y, s3.y); u0 = vec4f(s0.z, s1.z, s2.z, s3.z); t0 = vec4f(s0.w, s1.w, s2.w, s3.w);
      w1 = vec4f(z0.x, z1.x, z2.x, z3.x); v1 = vec4f(z0.y, z1.y, z2.y, z3.y); u1 = vec4f(z0.z, z1.z, z2.z, z3.z); t1 = vec4f(z0.w, z1.w, z2.w, z3.w);
    } else {
      w0 = textureLoad(tb, texel_xy(bk + l), 0); w1 = textureLoad(tb, texel_xy(bk + 8u + l), 0);
      v0 = textureLoad(tb, texel_xy(bk + 16u + l), 0); v1 = textureLoad(tb, texel_xy(bk + 24u + l), 0);
      u0 = textureLoad(tb, texel_xy(bk + 32u + l), 0); u1 = textureLoad(tb, texel_xy(bk + 40u + l), 0);
      t0 = textureLoad(tb, texel_xy(bk + 48u + l), 0); t1 = textureLoad(tb, texel_xy(bk + 56u + l), 0);
    }
    var a0: vec4f; var a1: vec4f; var a2: vec4f; var a3: vec4f;
    if (A_K4) {
      let r0 = textureLoad(ta, texel_xy(at + 4u * l), 0); let r1 = textureLoad(ta, texel_xy(at + 4u * l + 1u), 0);
      let r2 = textureLoad(ta, texel_xy(at + 4u * l + 2u), 0); let r3 = textureLoad(ta, texel_xy(at + 4u * l + 3u), 0);
      a0 = vec4f(r0.x, r1.x, r2.x, r3.x); a1 = vec4f(r0.y, r1.y, r2.y, r3.y); a2 = vec4f(r0.z, r1.z, r2.z, r3.z); a3 = vec4f(r0.w, r1.w, r2.w, r3.w);
    } else {
      a0 = textureLoad(ta, texel_xy(at + l), 0);
      a1 = textureLoad(ta, texel_xy(at + 8u + l), 0);
      a2 = textureLoad(ta, texel_xy(at + 16u + l), 0);
      a3 = textureLoad(ta, texel_xy(at + 24u + l), 0);
    }
    // x<q><a…d>: lane q's A texel (rows 4q … 4q + 3) at the four k; w/v/u/t<h>: the B texels at the four k
    // for column half h. c<8q + 2e + h> += the four products for row 4q + e.
    let x0a = subgroupShuffle(a0, 0u); let x0b = subgroupShuffle(a1, 0u); let x0c = subgroupShuffle(a2, 0u); let x0d = subgroupShuffle(a3, 0u);
    c0 = fma(vec4f(x0d.x), t0, fma(vec4f(x0c.x), u0, fma(vec4f(x0b.x), v0, fma(vec4f(x0a.x), w0, c0))));
    c1 = fma(vec4f(x0d.x), t1, fma(vec4f(x0c.x), u1, fma(vec4f(x0b.x), v1, fma(vec4f(x0a.x), w1, c1))));
    c2 = fma(vec4f(x0d.y), t0, fma(vec4f(x0c.y), u0, fma(vec4f(x0b.y), v0, fma(vec4f(x0a.y), w0, c2))));
    c3 = fma(vec4f(x0d.y), t1, fma(vec4f(x0c.y), u1, fma(vec4f(x0b.y), v1, fma(vec4f(x0a.y), w1, c3))));
    c4 = fma(vec4f(x0d.z), t0, fma(vec4f(x0c.z), u0, fma(vec4f(x0b.z), v0, fma(vec4f(x0a.z), w0, c4))));
    c5 = fma(vec4f(x0d.z), t1, fma(vec4f(x0c.z), u1, fma(vec4f(x0b.z), v1, fma(vec4f(x0a.z), w1, c5))));
    c6 = fma(vec4f(x0d.w), t0, fma(vec4f(x0c.w), u0, fma(vec4f(x0b.w), v0, fma(vec4f(x0a.w), w0, c6))));
    c7 = fma(vec4f(x0d.w), t1, fma(vec4f(x0c.w), u1, fma(vec4f(x0b.w), v1, fma(vec4f(x0a.w), w1, c7))));
    let x1a = subgroupShuffle(a0, 1u); let x1b = subgroupShuffle(a1, 1u); let x1c = subgroupShuffle(a2, 1u); let x1d = subgroupShuffle(a3, 1u);
    c8 = fma(vec4f(x1d.x), t0, fma(vec4f(x1c.x), u0, fma(vec4f(x1b.x), v0, fma(vec4f(x1a.x), w0, c8))));
    c9 = fma(vec4f(x1d.x), t1, fma(vec4f(x1c.x), u1, fma(vec4f(x1b.x), v1, fma(vec4f(x1a.x), w1, c9))));
    c10 = fma(vec4f(x1d.y), t0, fma(vec4f(x1c.y), u0, fma(vec4f(x1b.y), v0, fma(vec4f(x1a.y), w0, c10))));
    c11 = fma(vec4f(x1d.y), t1, fma(vec4f(x1c.y), u1, fma(vec4f(x1b.y), v1, fma(vec4f(x1a.y), w1, c11))));
    c12 = fma(vec4f(x1d.z), t0, fma(vec4f(x1c.z), u0, fma(vec4f(x1b.z), v0, fma(vec4f(x1a.z), w0, c12))));
    c13 = fma(vec4f(x1d.z), t1, fma(vec4f(x1c.z), u1, fma(vec4f(x1b.z), v1, fma(vec4f(x1a.z), w1, c13))));
    c14 = fma(vec4f(x1d.w), t0, fma(vec4f(x1c.w), u0, fma(vec4f(x1b.w), v0, fma(vec4f(x1a.w), w0, c14))));
    c15 = fma(vec4f(x1d.w), t1, fma(vec4f(x1c.w), u1, fma(vec4f(x1b.w), v1, fma(vec4f(x1a.w), w1, c15))));
    let x2a = subgroupShuffle(a0, 2u); let x2b = subgroupShuffle(a1, 2u); let x2c = subgroupShuffle(a2, 2u); let x2d = subgroupShuffle(a3, 2u);
    c16 = fma(vec4f(x2d.x), t0, fma(vec4f(x2c.x), u0, fma(vec4f(x2b.x), v0, fma(vec4f(x2a.x), w0, c16))));
    c17 = fma(vec4f(x2d.x), t1, fma(vec4f(x2c.x), u1, fma(vec4f(x2b.x), v1, fma(vec4f(x2a.x), w1, c17))));
    c18 = fma(vec4f(x2d.y), t0, fma(vec4f(x2c.y), u0, fma(vec4f(x2b.y), v0, fma(vec4f(x2a.y), w0, c18))));
    c19 = fma(vec4f(x2d.y), t1, fma(vec4f(x2c.y), u1, fma(vec4f(x2b.y), v1, fma(vec4f(x2a.y), w1, c19))));
    c20 = fma(vec4f(x2d.z), t0, fma(vec4f(x2c.z), u0, fma(vec4f(x2b.z), v0, fma(vec4f(x2a.z), w0, c20))));
    c21 = fma(vec4f(x2d.z), t1, fma(vec4f(x2c.z), u1, fma(vec4f(x2b.z), v1, fma(vec4f(x2a.z), w1, c21))));
    c22 = fma(vec4f(x2d.w), t0, fma(vec4f(x2c.w), u0, fma(vec4f(x2b.w), v0, fma(vec4f(x2a.w), w0, c22))));
    c23 = fma(vec4f(x2d.w), t1, fma(vec4f(x2c.w), u1, fma(vec4f(x2b.w), v1, fma(vec4f(x2a.w), w1, c23))));
    let x3a = subgroupShuffle(a0, 3u); let x3b = subgroupShuffle(a1, 3u); let x3c = subgroupShuffle(a2, 3u); let x3d = subgroupShuffle(a3, 3u);
    c24 = fma(vec4f(x3d.x), t0, fma(vec4f(x3c.x), u0, fma(vec4f(x3b.x), v0, fma(vec4f(x3a.x), w0, c24))));
    c25 = fma(vec4f(x3d.x), t1, fma(vec4f(x3c.x), u1, fma(vec4f(x3b.x), v1, fma(vec4f(x3a.x), w1, c25))));
    c26 = fma(vec4f(x3d.y), t0, fma(vec4f(x3c.y), u0, fma(vec4f(x3b.y), v0, fma(vec4f(x3a.y), w0, c26))));
    c27 = fma(vec4f(x3d.y), t1, fma(vec4f(x3c.y), u1, fma(vec4f(x3b.y), v1, fma(vec4f(x3a.y), w1, c27))));
    c28 = fma(vec4f(x3d.z), t0, fma(vec4f(x3c.z), u0, fma(vec4f(x3b.z), v0, fma(vec4f(x3a.z), w0, c28))));
    c29 = fma(vec4f(x3d.z), t1, fma(vec4f(x3c.z), u1, fma(vec4f(x3b.z), v1, fma(vec4f(x3a.z), w1, c29))));
    c30 = fma(vec4f(x3d.w), t0, fma(vec4f(x3c.w), u0, fma(vec4f(x3b.w), v0, fma(vec4f(x3a.w), w0, c30))));
    c31 = fma(vec4f(x3d.w), t1, fma(vec4f(x3c.w), u1, fma(vec4f(x3b.w), v1, fma(vec4f(x3a.w), w1, c31))));
    let x4a = subgroupShuffle(a0, 4u); let x4b = subgroupShuffle(a1, 4u); let x4c = subgroupShuffle(a2, 4u); let x4d = subgroupShuffle(a3, 4u);
    c32 = fma(vec4f(x4d.x), t0, fma(vec4f(x4c.x), u0, fma(vec4f(x4b.x), v0, fma(vec4f(x4a.x), w0, c32))));
    c33 = fma(vec4f(x4d.x), t1, fma(vec4f(x4c.x), u1, fma(vec4f(x4b.x), v1, fma(vec4f(x4a.x), w1, c33))));
    c34 = fma(vec4f(x4d.y), t0, fma(vec4f(x4c.y), u0, fma(vec4f(x4b.y), v0, fma(vec4f(x4a.y), w0, c34))));
    c35 = fma(vec4f(x4d.y), t1, fma(vec4f(x4c.y), u1, fma(vec4f(x4b.y), v1, fma(vec4f(x4a.y), w1, c35))));
    c36 = fma(vec4f(x4d.z), t0, fma(vec4f(x4c.z), u0, fma(vec4f(x4b.z), v0, fma(vec4f(x4a.z), w0, c36))));
    c37 = fma(vec4f(x4d.z), t1, fma(vec4f(x4c.z), u1, fma(vec4f(x4b.z), v1, fma(vec4f(x4a.z), w1, c37))));
    c38 = fma(vec4f(x4d.w), t0, fma(vec4f(x4c.w), u0, fma(vec4f(x4b.w), v0, fma(vec4f(x4a.w), w0, c38))));
    c39 = fma(vec4f(x4d.w), t1, fma(vec4f(x4c.w), u1, fma(vec4f(x4b.w), v1, fma(vec4f(x4a.w), w1, c39))));
    let x5a = subgroupShuffle(a0, 5u); let x5b = subgroupShuffle(a1, 5u); let x5c = subgroupShuffle(a2, 5u); let x5d = subgroupShuffle(a3, 5u);
    c40 = fma(vec4f(x5d.x), t0, fma(vec4f(x5c.x), u0, fma(vec4f(x5b.x), v0, fma(vec4f(x5a.x), w0, c40))));
    c41 = fma(vec4f(x5d.x), t1, fma(vec4f(x5c.x), u1, fma(vec4f(x5b.x), v1, fma(vec4f(x5a.x), w1, c41))));
    c42 = fma(vec4f(x5d.y), t0, fma(vec4f(x5c.y), u0, fma(vec4f(x5b.y), v0, fma(vec4f(x5a.y), w0, c42))));
    c43 = fma(vec4f(x5d.y), t1, fma(vec4f(x5c.y), u1, fma(vec4f(x5b.y), v1, fma(vec4f(x5a.y), w1, c43))));
    c44 = fma(vec4f(x5d.z), t0, fma(vec4f(x5c.z), u0, fma(vec4f(x5b.z), v0, fma(vec4f(x5a.z), w0, c44))));
    c45 = fma(vec4f(x5d.z), t1, fma(vec4f(x5c.z), u1, fma(vec4f(x5b.z), v1, fma(vec4f(x5a.z), w1, c45))));
    c46 = fma(vec4f(x5d.w), t0, fma(vec4f(x5c.w), u0, fma(vec4f(x5b.w), v0, fma(vec4f(x5a.w), w0, c46))));
    c47 = fma(vec4f(x5d.w), t1, fma(vec4f(x5c.w), u1, fma(vec4f(x5b.w), v1, fma(vec4f(x5a.w), w1, c47))));
    let x6a = subgroupShuffle(a0, 6u); let x6b = subgroupShuffle(a1, 6u); let x6c = subgroupShuffle(a2, 6u); let x6d = subgroupShuffle(a3, 6u);
    c48 = fma(vec4f(x6d.x), t0, fma(vec4f(x6c.x), u0, fma(vec4f(x6b.x), v0, fma(vec4f(x6a.x), w0, c48))));
    c49 = fma(vec4f(x6d.x), t1, fma(vec4f(x6c.x), u1, fma(vec4f(x6b.x), v1, fma(vec4f(x6a.x), w1, c49))));
    c50 = fma(vec4f(x6d.y), t0, fma(vec4f(x6c.y), u0, fma(vec4f(x6b.y), v0, fma(vec4f(x6a.y), w0, c50))));
    c51 = fma(vec4f(x6d.y), t1, fma(vec4f(x6c.y), u1, fma(vec4f(x6b.y), v1, fma(vec4f(x6a.y), w1, c51))));
    c52 = fma(vec4f(x6d.z), t0, fma(vec4f(x6c.z), u0, fma(vec4f(x6b.z), v0, fma(vec4f(x6a.z), w0, c52))));
    c53 = fma(vec4f(x6d.z), t1, fma(vec4f(x6c.z), u1, fma(vec4f(x6b.z), v1, fma(vec4f(x6a.z), w1, c53))));
    c54 = fma(vec4f(x6d.w), t0, fma(vec4f(x6c.w), u0, fma(vec4f(x6b.w), v0, fma(vec4f(x6a.w), w0, c54))));
    c55 = fma(vec4f(x6d.w), t1, fma(vec4f(x6c.w), u1, fma(vec4f(x6b.w), v1, fma(vec4f(x6a.w), w1, c55))));
    let x7a = subgroupShuffle(a0, 7u); let x7b = subgroupShuffle(a1, 7u); let x7c = subgroupShuffle(a2, 7u); let x7d = subgroupShuffle(a3, 7u);
    c56 = fma(vec4f(x7d.x), t0, fma(vec4f(x7c.x), u0, fma(vec4f(x7b.x), v0, fma(vec4f(x7a.x), w0, c56))));
    c57 = fma(vec4f(x7d.x), t1, fma(vec4f(x7c.x), u1, fma(vec4f(x7b.x), v1, fma(vec4f(x7a.x), w1, c57))));
    c58 = fma(vec4f(x7d.y), t0, fma(vec4f(x7c.y), u0, fma(vec4f(x7b.y), v0, fma(vec4f(x7a.y), w0, c58))));
    c59 = fma(vec4f(x7d.y), t1, fma(vec4f(x7c.y), u1, fma(vec4f(x7b.y), v1, fma(vec4f(x7a.y), w1, c59))));
    c60 = fma(vec4f(x7d.z), t0, fma(vec4f(x7c.z), u0, fma(vec4f(x7b.z), v0, fma(vec4f(x7a.z), w0, c60))));
    c61 = fma(vec4f(x7d.z), t1, fma(vec4f(x7c.z), u1, fma(vec4f(x7b.z), v1, fma(vec4f(x7a.z), w1, c61))));
    c62 = fma(vec4f(x7d.w), t0, fma(vec4f(x7c.w), u0, fma(vec4f(x7b.w), v0, fma(vec4f(x7a.w), w0, c62))));
    c63 = fma(vec4f(x7d.w), t1, fma(vec4f(x7c.w), u1, fma(vec4f(x7b.w), v1, fma(vec4f(x7a.w), w1, c63))));
    at += 32u;
    bk += 64u;
  }
  let i0 = wid.y * 32u;
  let j0 = wid.x * 64u + 4u * l;
  store_row(bt, i0 + 0u, j0, c0); store_row(bt, i0 + 0u, j0 + 32u, c1);
  store_row(bt, i0 + 1u, j0, c2); store_row(bt, i0 + 1u, j0 + 32u, c3);
  store_row(bt, i0 + 2u, j0, c4); store_row(bt, i0 + 2u, j0 + 32u, c5);
  store_row(bt, i0 + 3u, j0, c6); store_row(bt, i0 + 3u, j0 + 32u, c7);
  store_row(bt, i0 + 4u, j0, c8); store_row(bt, i0 + 4u, j0 + 32u, c9);
  store_row(bt, i0 + 5u, j0, c10); store_row(bt, i0 + 5u, j0 + 32u, c11);
  store_row(bt, i0 + 6u, j0, c12); store_row(bt, i0 + 6u, j0 + 32u, c13);
  store_row(bt, i0 + 7u, j0, c14); store_row(bt, i0 + 7u, j0 + 32u, c15);
  store_row(bt, i0 + 8u, j0, c16); store_row(bt, i0 + 8u, j0 + 32u, c17);
  store_row(bt, i0 + 9u, j0, c18); store_row(bt, i0 + 9u, j0 + 32u, c19);
  store_row(bt, i0 + 10u, j0, c20); store_row(bt, i0 + 10u, j0 + 32u, c21);
  store_row(bt, i0 + 11u, j0, c22); store_row(bt, i0 + 11u, j0 + 32u, c23);
  store_row(bt, i0 + 12u, j0, c24); store_row(bt, i0 + 12u, j0 + 32u, c25);
  store_row(bt, i0 + 13u, j0, c26); store_row(bt, i0 + 13u, j0 + 32u, c27);
  store_row(bt, i0 + 14u, j0, c28); store_row(bt, i0 + 14u, j0 + 32u, c29);
  store_row(bt, i0 + 15u, j0, c30); store_row(bt, i0 + 15u, j0 + 32u, c31);
  store_row(bt, i0 + 16u, j0, c32); store_row(bt, i0 + 16u, j0 + 32u, c33);
  store_row(bt, i0 + 17u, j0, c34); store_row(bt, i0 + 17u, j0 + 32u, c35);
  store_row(bt, i0 + 18u, j0, c36); store_row(bt, i0 + 18u, j0 + 32u, c37);
  store_row(bt, i0 + 19u, j0, c38); store_row(bt, i0 + 19u, j0 + 32u, c39);
  store_row(bt, i0 + 20u, j0, c40); store_row(bt, i0 + 20u, j0 + 32u, c41);
  store_row(bt, i0 + 21u, j0, c42); store_row(bt, i0 + 21u, j0 + 32u, c43);
  store_row(bt, i0 + 22u, j0, c44); store_row(bt, i0 + 22u, j0 + 32u, c45);
  store_row(bt, i0 + 23u, j0, c46); store_row(bt, i0 + 23u, j0 + 32u, c47);
  store_row(bt, i0 + 24u, j0, c48); store_row(bt, i0 + 24u, j0 + 32u, c49);
  store_row(bt, i0 + 25u, j0, c50); store_row(bt, i0 + 25u, j0 + 32u, c51);
  store_row(bt, i0 + 26u, j0, c52); store_row(bt, i0 + 26u, j0 + 32u, c53);
  store_row(bt, i0 + 27u, j0, c54); store_row(bt, i0 + 27u, j0 + 32u, c55);
  store_row(bt, i0 + 28u, j0, c56); store_row(bt, i0 + 28u, j0 + 32u, c57);
  store_row(bt, i0 + 29u, j0, c58); store_row(bt, i0 + 29u, j0 + 32u, c59);
  store_row(bt, i0 + 30u, j0, c60); store_row(bt, i0 + 30u, j0 + 32u, c61);
  store_row(bt, i0 + 31u, j0, c62); store_row(bt, i0 + 31u, j0 + 32u, c63);
}
