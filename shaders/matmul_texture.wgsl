enable subgroups;

// matmul_texture.wgsl — the batched strided matrix product (matmul_shared.wgsl) with its operands read
// through textures, for lavapipe: it compiles a storage load whose address differs across the 8 lanes of
// an AVX2 vector into a loop over the lanes (~10 instructions per lane and value), but fetches an
// rgba32float texel with vector code (one 16-byte load per lane and a transpose): per float brought in,
// textureLoad costs several times less. So pack_a and pack_b first copy A and B into k-major texel
// panels (32 rows of A, 64 columns of B in two halves of 32, 4 floats per texel, K padded to 4, in
// TexelPanel textures: texel t at (t & (TEXEL_ROW − 1), t >> TEXEL_SHIFT)), and `tiles` reads only texels.
// A workgroup is one subgroup of 8 lanes and computes a 32 × 64 tile of C. Per k, lane l fetches texel l
// of the A panel (rows 4l … 4l + 3) and texels l and 8 + l of the B panel (columns 4l … 4l + 3 and
// 32 + 4l … 32 + 4l + 3); broadcasts hand each lane's 4 A values to all lanes: 3 fetches feed 2048
// multiply-adds. The 256 accumulators per lane live in memory (lane-interleaved, so a spill is one vector
// access), and inside a loop lavapipe writes a variable with a masked blend and a store: so the loop takes
// four k per turn and updates each accumulator once, with the four k's products in one expression (one
// blend per 4 multiply-adds: two k per turn was 1.4× one at 1024³, four ~1.08× two; eight no better than
// four, nor constant-indexed stores at the end). Panels are zero-padded to a multiple of 4 in K.
// Needs subgroups of exactly 8 (Gpu.hasSubgroups8). Grid: (⌈N / 64⌉, ⌈M / 32⌉, batch).
// include: matmul_shared.wgsl

const TEXEL_ROW: u32 = 4096u;   // src/runtime/texture.ts's TEXEL_ROW
const TEXEL_SHIFT = 12u;        // log2(TEXEL_ROW)

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;   // [N] (bound but unread when has_bias = 0)
@group(0) @binding(4) var<storage, read_write> c: array<f32>;
@group(0) @binding(5) var ta_out: texture_storage_2d<rgba32float, write>;
@group(0) @binding(6) var tb_out: texture_storage_2d<rgba32float, write>;
@group(0) @binding(7) var ta: texture_2d<f32>;
@group(0) @binding(8) var tb: texture_2d<f32>;

fn texel_xy(t: u32) -> vec2u { return vec2u(t & (TEXEL_ROW - 1u), t >> TEXEL_SHIFT); }

// K rounded up to a multiple of 4: the panels' depth (the padding k is zero in both).
fn k_padded() -> u32 { return (p.K + 3u) & ~3u; }

// Texel t = ((bt·⌈M/32⌉ + ib)·K2 + k)·8 + q of the A panels holds A[bt, 32·ib + 4q + e, k], e = 0…3
// (0 past row M − 1 and past K; K2 = k_padded()).
@compute @workgroup_size(64)
fn pack_a(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = linear_index(gid, nwg, 64u);
  let panels = (p.M + 31u) / 32u;
  let K2 = k_padded();
  if (t >= p.batch * panels * K2 * 8u) { return; }
  let q = t % 8u;
  let k = (t / 8u) % K2;
  let ib = (t / (8u * K2)) % panels;
  let bt = t / (8u * K2 * panels);
  var v: vec4f;
  for (var e = 0u; e < 4u; e++) {
    let row = ib * 32u + 4u * q + e;
    v[e] = select(0.0, a[bt * p.a_bs + min(row, p.M - 1u) * p.a_rs + min(k, p.K - 1u) * p.a_cs], row < p.M && k < p.K);
  }
  textureStore(ta_out, texel_xy(t), v);
}

// Texel t = ((bt·⌈N/64⌉ + jb)·K2 + k)·16 + 8h + l of the B panels holds B[bt, k, 64·jb + 32h + 4l + e],
// e = 0…3 (0 past column N − 1 and past K).
@compute @workgroup_size(64)
fn pack_b(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = linear_index(gid, nwg, 64u);
  let panels = (p.N + 63u) / 64u;
  let K2 = k_padded();
  if (t >= p.batch * panels * K2 * 16u) { return; }
  let lh = t % 16u;
  let k = (t / 16u) % K2;
  let jb = (t / (16u * K2)) % panels;
  let bt = t / (16u * K2 * panels);
  var v: vec4f;
  for (var e = 0u; e < 4u; e++) {
    let col = jb * 64u + 32u * (lh / 8u) + 4u * (lh % 8u) + e;
    v[e] = select(0.0, b[bt * p.b_bs + min(k, p.K - 1u) * p.b_rs + min(col, p.N - 1u) * p.b_cs], col < p.N && k < p.K);
  }
  textureStore(tb_out, texel_xy(t), v);
}

// acc[base + 2e + h] += Σ_k x.k[e] · bb.k_h: rows 4q + e of the tile at four k (A values x.a … x.d, B
// values bb.w, v, u, t), whose A values lane q fetched; one write per accumulator.
struct K4 { a: vec4f, b: vec4f, c: vec4f, d: vec4f }
struct B4 { w0: vec4f, w1: vec4f, v0: vec4f, v1: vec4f, u0: vec4f, u1: vec4f, t0: vec4f, t1: vec4f }
fn rows4(x: K4, bb: B4, acc: ptr<function, array<vec4f, 64>>, base: u32) {
  (*acc)[base] = fma(vec4f(x.d.x), bb.t0, fma(vec4f(x.c.x), bb.u0, fma(vec4f(x.b.x), bb.v0, fma(vec4f(x.a.x), bb.w0, (*acc)[base]))));
  (*acc)[base + 1u] = fma(vec4f(x.d.x), bb.t1, fma(vec4f(x.c.x), bb.u1, fma(vec4f(x.b.x), bb.v1, fma(vec4f(x.a.x), bb.w1, (*acc)[base + 1u]))));
  (*acc)[base + 2u] = fma(vec4f(x.d.y), bb.t0, fma(vec4f(x.c.y), bb.u0, fma(vec4f(x.b.y), bb.v0, fma(vec4f(x.a.y), bb.w0, (*acc)[base + 2u]))));
  (*acc)[base + 3u] = fma(vec4f(x.d.y), bb.t1, fma(vec4f(x.c.y), bb.u1, fma(vec4f(x.b.y), bb.v1, fma(vec4f(x.a.y), bb.w1, (*acc)[base + 3u]))));
  (*acc)[base + 4u] = fma(vec4f(x.d.z), bb.t0, fma(vec4f(x.c.z), bb.u0, fma(vec4f(x.b.z), bb.v0, fma(vec4f(x.a.z), bb.w0, (*acc)[base + 4u]))));
  (*acc)[base + 5u] = fma(vec4f(x.d.z), bb.t1, fma(vec4f(x.c.z), bb.u1, fma(vec4f(x.b.z), bb.v1, fma(vec4f(x.a.z), bb.w1, (*acc)[base + 5u]))));
  (*acc)[base + 6u] = fma(vec4f(x.d.w), bb.t0, fma(vec4f(x.c.w), bb.u0, fma(vec4f(x.b.w), bb.v0, fma(vec4f(x.a.w), bb.w0, (*acc)[base + 6u]))));
  (*acc)[base + 7u] = fma(vec4f(x.d.w), bb.t1, fma(vec4f(x.c.w), bb.u1, fma(vec4f(x.b.w), bb.v1, fma(vec4f(x.a.w), bb.w1, (*acc)[base + 7u]))));
}

fn bcast4(a0: vec4f, a1: vec4f, a2: vec4f, a3: vec4f, q: u32) -> K4 {
  return K4(subgroupShuffle(a0, q), subgroupShuffle(a1, q), subgroupShuffle(a2, q), subgroupShuffle(a3, q));
}

@compute @workgroup_size(8)
fn tiles(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) l: u32) {
  let bt = wid.z;
  // This workgroup's panels; per k the A panel has 8 texels and the B panel 16.
  let K2 = k_padded();
  var at = ((bt * ((p.M + 31u) / 32u) + wid.y) * K2) * 8u + l;
  var bk = ((bt * ((p.N + 63u) / 64u) + wid.x) * K2) * 16u + l;
  // acc[2r + h]: row r of the tile, columns 32h + 4l … 32h + 4l + 3.
  var acc: array<vec4f, 64>;
  for (var k = 0u; k < K2; k += 4u) {
    let bb = B4(textureLoad(tb, texel_xy(bk), 0), textureLoad(tb, texel_xy(bk + 8u), 0),
      textureLoad(tb, texel_xy(bk + 16u), 0), textureLoad(tb, texel_xy(bk + 24u), 0),
      textureLoad(tb, texel_xy(bk + 32u), 0), textureLoad(tb, texel_xy(bk + 40u), 0),
      textureLoad(tb, texel_xy(bk + 48u), 0), textureLoad(tb, texel_xy(bk + 56u), 0));
    let a0 = textureLoad(ta, texel_xy(at), 0);
    let a1 = textureLoad(ta, texel_xy(at + 8u), 0);
    let a2 = textureLoad(ta, texel_xy(at + 16u), 0);
    let a3 = textureLoad(ta, texel_xy(at + 24u), 0);
    rows4(bcast4(a0, a1, a2, a3, 0u), bb, &acc, 0u);
    rows4(bcast4(a0, a1, a2, a3, 1u), bb, &acc, 8u);
    rows4(bcast4(a0, a1, a2, a3, 2u), bb, &acc, 16u);
    rows4(bcast4(a0, a1, a2, a3, 3u), bb, &acc, 24u);
    rows4(bcast4(a0, a1, a2, a3, 4u), bb, &acc, 32u);
    rows4(bcast4(a0, a1, a2, a3, 5u), bb, &acc, 40u);
    rows4(bcast4(a0, a1, a2, a3, 6u), bb, &acc, 48u);
    rows4(bcast4(a0, a1, a2, a3, 7u), bb, &acc, 56u);
    at += 32u;
    bk += 64u;
  }
  let i0 = wid.y * 32u;
  let j0 = wid.x * 64u + 4u * l;
  for (var r = 0u; r < 32u; r++) {
    store_row(bt, i0 + r, j0, acc[2u * r]);
    store_row(bt, i0 + r, j0 + 32u, acc[2u * r + 1u]);
  }
}
