// conv2d_half_shared.wgsl — the 3×3 stride-1 convolution of the f16 sampling path, for adapters that run
// invocations as SIMD lanes (lavapipe); included by conv2d_half_t{2x14,4x14,7x14,4x7,7x7}.wgsl, which fix
// the tile (TR rows × TW columns) and P, the u32 words of input each lane-row window needs.
//
// Why f16 here: lavapipe turns every storage load whose address differs across lanes into a loop over the
// 8 lanes (~10 instructions each; see conv2d_colanes.wgsl), and such loads, not the FMAs, bound the f32
// colanes kernel. A u32 word holding two f16 values (core WGSL's pack2x16float/unpack2x16float: no
// shader-f16 needed, arithmetic stays f32) brings two values per lane-load, so a row of 16 input values is
// one load for 8 lanes, and 5 loads give a lane its 9 weights instead of 9.
//
// Input layout, "half rows" [N, C, H, Wh], Wh = ⌊(W + 3) / 2⌋: each image row padded with one zero column
// on the left and at least one on the right, word k holding padded columns 2k (low half) and 2k + 1 (high),
// i.e. input columns 2k − 1 and 2k. Written by groupnorm_half.wgsl (the GroupNorm→SiLU before every 3×3
// conv of a ResBlock) or half_pack.wgsl. Output pixel (oy, ox) reads padded columns ox … ox + 2, so a tile
// starting at an even column ox0 reads the aligned words ox0/2 … ox0/2 + P − 1 of rows oy0 − 1 … oy0 + TR.
// Weights: half_pack.wgsl's pack_weights3 — [⌈C_out / 8⌉, C_in, 5, 8] words, word j of lane l holding taps
// 2j and 2j + 1 (tap 9 = 0) of output channel 8·block + l.
// A workgroup is one subgroup of 8 lanes = 8 output channels (subgroup_invocation_id: needs subgroups of
// exactly 8, Gpu.hasSubgroups8). Each accumulator is written once per input channel (9 taps in one
// expression): lavapipe turns every write of a variable inside a loop into a masked blend and a store.
// Grid: (⌈H / TR⌉ · ⌈W / TW⌉, ⌈C_out / 8⌉, N); output y is f32 NCHW, optionally plus a per-(image,
// channel) term (the ResBlock's time embedding: one add kernel fewer per block).

struct ConvH {
  N: u32, C_in: u32, H: u32, W: u32, Wh: u32,
  C_out: u32, has_bias: u32,
  has_emb: u32,  // add emb[n, co] to every pixel (the ResBlock's time embedding, fused into the epilogue)
}

@group(0) @binding(0) var<uniform> p: ConvH;
@group(0) @binding(1) var<storage, read> xh: array<u32>;       // [N, C_in, H, Wh] half rows
@group(0) @binding(2) var<storage, read> wh: array<u32>;       // [⌈C_out/8⌉, C_in, 5, 8] f16 pairs
@group(0) @binding(3) var<storage, read> bias: array<f32>;     // [C_out] (unread when has_bias = 0)
@group(0) @binding(4) var<storage, read_write> y: array<f32>;  // [N, C_out, H, W]
@group(0) @binding(5) var<storage, read> emb: array<f32>;      // [N, C_out] (unread when has_emb = 0)

// Element e of a row window whose words the lanes hold as v: component e % 2 of lane e / 2's pair.
fn win(v: vec2f, e: u32) -> f32 {
  return subgroupShuffle(v, e / 2u)[e % 2u];
}

// This lane's 9 weights of input channel ci (5 words; the 10th half is zero).
fn lane_weights(cb: u32, ci: u32, l: u32) -> array<f32, 9> {
  let base = (cb * p.C_in + ci) * 40u + l;
  let a = unpack2x16float(wh[base]);
  let b = unpack2x16float(wh[base + 8u]);
  let c = unpack2x16float(wh[base + 16u]);
  let d = unpack2x16float(wh[base + 24u]);
  let e = unpack2x16float(wh[base + 32u]);
  return array<f32, 9>(a.x, a.y, b.x, b.y, c.x, c.y, d.x, d.y, e.x);
}

fn half_tile(wid: vec3u, l: u32) {
  let co = wid.y * 8u + l;
  let tilesPerRow = (p.W + TW - 1u) / TW;
  let oy0 = (wid.x / tilesPerRow) * TR;
  let ox0 = (wid.x % tilesPerRow) * TW;  // even: TW is even, or the row has one tile (t4x7, t7x7 run at W ≤ 7)
  let n = wid.z;
  var b0 = 0.0;
  if (p.has_bias != 0u) { b0 = bias[min(co, p.C_out - 1u)]; }
  if (p.has_emb != 0u) { b0 += emb[n * p.C_out + min(co, p.C_out - 1u)]; }
  var acc: array<array<f32, TW>, TR>;
  for (var r = 0u; r < TR; r++) { for (var c = 0u; c < TW; c++) { acc[r][c] = b0; } }
  // Lane l loads word ox0/2 + l of each row (lanes ≥ P, or past the row's end, contribute zeros).
  let k = ox0 / 2u + l;
  let inRow = (l < P) && (k < p.Wh);
  let kc = min(k, p.Wh - 1u);
  for (var ci = 0u; ci < p.C_in; ci++) {
    let w = lane_weights(wid.y, ci, l);
    let plane = (n * p.C_in + ci) * p.H;
    // Input rows oy0 − 1 … oy0 + TR feed the TR output rows (zero outside the image); output row r takes
    // input row r + ky. Lane l holds word l of each row's window.
    var v: array<vec2f, TR + 2u>;
    for (var ir = 0u; ir < TR + 2u; ir++) {
      let iy = i32(oy0 + ir) - 1;
      let ok = inRow && iy >= 0 && iy < i32(p.H);
      v[ir] = unpack2x16float(select(0u, xh[(plane + u32(clamp(iy, 0, i32(p.H) - 1))) * p.Wh + kc], ok));
    }
    // Each accumulator is written once per input channel, its 9 taps in one expression of shuffled row
    // values: lavapipe blends and stores every write of a variable inside the loop.
    for (var r = 0u; r < TR; r++) {
      for (var c = 0u; c < TW; c++) {
        acc[r][c] = fma(w[8], win(v[r + 2u], c + 2u), fma(w[7], win(v[r + 2u], c + 1u), fma(w[6], win(v[r + 2u], c),
          fma(w[5], win(v[r + 1u], c + 2u), fma(w[4], win(v[r + 1u], c + 1u), fma(w[3], win(v[r + 1u], c),
          fma(w[2], win(v[r], c + 2u), fma(w[1], win(v[r], c + 1u), fma(w[0], win(v[r], c), acc[r][c])))))))));
      }
    }
  }
  if (co >= p.C_out) { return; }
  let base = (n * p.C_out + co) * p.H;
  for (var r = 0u; r < TR; r++) {
    let oy = oy0 + r;
    if (oy >= p.H) { break; }
    for (var c = 0u; c < TW; c++) {
      if (ox0 + c < p.W) { y[(base + oy) * p.W + ox0 + c] = acc[r][c]; }
    }
  }
}
