enable subgroups;

// attention_lanes.wgsl — fused attention forward (attention.wgsl's math: online softmax over keys, the
// saved log-sum-exp) and backward (attention_backward_q.wgsl's dQ and Δ, attention_backward_kv.wgsl's dK
// and dV) for adapters that run invocations as SIMD lanes (lavapipe), in the colanes manner: a workgroup
// is one subgroup of 8 lanes = 8 query rows (forward8, backward_q8) or 8 key rows (backward_kv8) of one
// (image, head). lavapipe compiles a load whose address differs across lanes into a loop over the 8
// lanes, and cannot prove that every lane of forward4 reads the same k and v element, so each of those
// loads costs 8. Here lane l loads channel 8m + l of the other side's vector and subgroupShuffle hands it
// to all lanes: D/8 loads per vector instead of D. Two keys (queries) per loop turn, so each accumulator
// is written once per two (lavapipe blends and stores every write of an array inside a loop). Needs
// subgroups of exactly 8 and a head dimension D that is a multiple of 8 (src/ops/attention.ts checks).
// Grid: (⌈L / 8⌉, heads, N).
// include: attention_shared.wgsl

@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read_write> o: array<f32>;
@group(0) @binding(3) var<storage, read_write> lse: array<f32>;

// Σ_t q[c8 + t] · (lane t's value x): eight channels of a query·key product.
fn dot8(q: ptr<function, array<f32, MAX_D>>, c8: u32, x: f32) -> f32 {
  return (((*q)[c8] * subgroupShuffle(x, 0u) + (*q)[c8 + 1u] * subgroupShuffle(x, 1u))
    + ((*q)[c8 + 2u] * subgroupShuffle(x, 2u) + (*q)[c8 + 3u] * subgroupShuffle(x, 3u)))
    + (((*q)[c8 + 4u] * subgroupShuffle(x, 4u) + (*q)[c8 + 5u] * subgroupShuffle(x, 5u))
    + ((*q)[c8 + 6u] * subgroupShuffle(x, 6u) + (*q)[c8 + 7u] * subgroupShuffle(x, 7u)));
}

// The rows of one workgroup: image n, head h, this lane's row (row; i = row clamped to L − 1: lanes past L
// compute row L − 1 and store nothing), and part_base of q, k, v, the start of head h's channels in o / dO
// (ob) and row 0 of (n, h) in lse / Δ (lb). (The head dimension head_dim() is not in it: a value built
// with the lane's row is not subgroup-uniform for WGSL, and loops bounded by it could not shuffle.)
struct Lane8 { n: u32, h: u32, row: u32, i: u32, qb: u32, kb: u32, vb: u32, ob: u32, lb: u32 }

fn lane8(wid: vec3u, l: u32) -> Lane8 {
  let n = wid.z;
  let h = wid.y;
  let row = wid.x * 8u + l;
  let D = head_dim();
  return Lane8(n, h, row, min(row, p.L - 1u), part_base(n, 0u, h), part_base(n, 1u, h), part_base(n, 2u, h),
    (n * p.C + h * D) * p.L, (n * p.heads + h) * p.L);
}

@compute @workgroup_size(8)
fn forward8(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) l: u32) {
  let t = lane8(wid, l);
  let i = t.i;
  let D = head_dim();
  let kb = t.kb;
  let vb = t.vb;
  var q: array<f32, MAX_D>;
  var acc: array<f32, MAX_D>;
  for (var c = 0u; c < D; c++) { q[c] = qkv[t.qb + c * p.L + i] * p.scale; acc[c] = 0.0; }
  var m = -3.0e38;
  var d = 0.0;
  for (var j = 0u; j < p.L; j += 2u) {
    // Keys j and j + 1 (the second, past L, weighs exp(−3e38) = 0).
    let j1 = min(j + 1u, p.L - 1u);
    var s0 = 0.0;
    var s1 = 0.0;
    for (var c8 = 0u; c8 < D; c8 += 8u) {
      let k0 = qkv[kb + (c8 + l) * p.L + j];
      let k1 = qkv[kb + (c8 + l) * p.L + j1];
      s0 += dot8(&q, c8, k0);
      s1 += dot8(&q, c8, k1);
    }
    s1 = select(-3.0e38, s1, j + 1u < p.L);
    let m_new = max(m, max(s0, s1));
    let corr = exp(m - m_new);
    let e0 = exp(s0 - m_new);
    let e1 = exp(s1 - m_new);
    d = d * corr + (e0 + e1);
    for (var c8 = 0u; c8 < D; c8 += 8u) {
      let v0 = qkv[vb + (c8 + l) * p.L + j];
      let v1 = qkv[vb + (c8 + l) * p.L + j1];
      for (var u = 0u; u < 8u; u++) {
        acc[c8 + u] = fma(acc[c8 + u], corr, fma(e0, subgroupShuffle(v0, u), e1 * subgroupShuffle(v1, u)));
      }
    }
    m = m_new;
  }
  if (t.row >= p.L) { return; }
  for (var c = 0u; c < D; c++) { o[t.ob + c * p.L + i] = acc[c] / d; }
  lse[t.lb + i] = m + log(d);
}

// ---- backward, first pass (attention_backward_q.wgsl's math): dQ and Δ_i = dO_i·O_i, 8 query rows per
// subgroup, each k/v element loaded by one lane and shuffled to all, two keys per loop turn.

@group(0) @binding(4) var<storage, read> o_in: array<f32>;         // forward output [N, C, L]
@group(0) @binding(5) var<storage, read> lse_in: array<f32>;       // [N, heads, L]
@group(0) @binding(6) var<storage, read> dout: array<f32>;         // [N, C, L]
@group(0) @binding(7) var<storage, read_write> dqkv: array<f32>;   // [N, 3C, L] (the q part written here)
@group(0) @binding(8) var<storage, read_write> delta: array<f32>;  // [N, heads, L]: Σ_c dO·O

@compute @workgroup_size(8)
fn backward_q8(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) l: u32) {
  let t = lane8(wid, l);
  let i = t.i;
  let D = head_dim();
  let qb = t.qb;
  let kb = t.kb;
  let vb = t.vb;
  let ob = t.ob;
  var q: array<f32, MAX_D>;
  var g: array<f32, MAX_D>;
  var dq: array<f32, MAX_D>;
  var dl = 0.0;
  for (var c = 0u; c < D; c++) {
    q[c] = qkv[qb + c * p.L + i] * p.scale;
    g[c] = dout[ob + c * p.L + i];
    dl += g[c] * o_in[ob + c * p.L + i];
    dq[c] = 0.0;
  }
  let li = lse_in[t.lb + i];
  for (var j = 0u; j < p.L; j += 2u) {
    // Keys j and j + 1 (the second, past L, gets dS = 0).
    let j1 = min(j + 1u, p.L - 1u);
    var s0 = 0.0;
    var s1 = 0.0;
    var dp0 = 0.0;
    var dp1 = 0.0;
    for (var c8 = 0u; c8 < D; c8 += 8u) {
      s0 += dot8(&q, c8, qkv[kb + (c8 + l) * p.L + j]);
      s1 += dot8(&q, c8, qkv[kb + (c8 + l) * p.L + j1]);
      dp0 += dot8(&g, c8, qkv[vb + (c8 + l) * p.L + j]);
      dp1 += dot8(&g, c8, qkv[vb + (c8 + l) * p.L + j1]);
    }
    let ds0 = exp(s0 - li) * (dp0 - dl);
    let ds1 = select(0.0, exp(s1 - li) * (dp1 - dl), j + 1u < p.L);
    for (var c8 = 0u; c8 < D; c8 += 8u) {
      let k0 = qkv[kb + (c8 + l) * p.L + j];
      let k1 = qkv[kb + (c8 + l) * p.L + j1];
      for (var u = 0u; u < 8u; u++) {
        dq[c8 + u] = fma(ds0, subgroupShuffle(k0, u), fma(ds1, subgroupShuffle(k1, u), dq[c8 + u]));
      }
    }
  }
  if (t.row >= p.L) { return; }
  for (var c = 0u; c < D; c++) { dqkv[qb + c * p.L + i] = dq[c] * p.scale; }
  delta[t.lb + i] = dl;
}

// ---- backward, second pass (attention_backward_kv.wgsl's math): dK and dV, 8 key rows per subgroup,
// each q/dO element loaded by one lane and shuffled to all, two queries per loop turn. Needs Δ from
// backward_q8 (or backward_q4).

@group(0) @binding(9) var<storage, read> delta_in: array<f32>;    // [N, heads, L]

@compute @workgroup_size(8)
fn backward_kv8(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) l: u32) {
  let t = lane8(wid, l); // here the rows are keys
  let j = t.i;
  let D = head_dim();
  let qb = t.qb;
  let kb = t.kb;
  let vb = t.vb;
  let ob = t.ob;
  let row0 = t.lb;
  var k: array<f32, MAX_D>;
  var v: array<f32, MAX_D>;
  var dk: array<f32, MAX_D>;
  var dv: array<f32, MAX_D>;
  for (var c = 0u; c < D; c++) {
    k[c] = qkv[kb + c * p.L + j] * p.scale;
    v[c] = qkv[vb + c * p.L + j];
    dk[c] = 0.0;
    dv[c] = 0.0;
  }
  for (var i = 0u; i < p.L; i += 2u) {
    // Queries i and i + 1 (the second, past L, weighs 0).
    let i1 = min(i + 1u, p.L - 1u);
    var s0 = 0.0;
    var s1 = 0.0;
    var dp0 = 0.0;
    var dp1 = 0.0;
    for (var c8 = 0u; c8 < D; c8 += 8u) {
      s0 += dot8(&k, c8, qkv[qb + (c8 + l) * p.L + i]);
      s1 += dot8(&k, c8, qkv[qb + (c8 + l) * p.L + i1]);
      dp0 += dot8(&v, c8, dout[ob + (c8 + l) * p.L + i]);
      dp1 += dot8(&v, c8, dout[ob + (c8 + l) * p.L + i1]);
    }
    let p0 = exp(s0 - lse_in[row0 + i]);
    let p1 = select(0.0, exp(s1 - lse_in[row0 + i1]), i + 1u < p.L);
    let ds0 = p0 * (dp0 - delta_in[row0 + i]);
    let ds1 = p1 * (dp1 - delta_in[row0 + i1]);
    for (var c8 = 0u; c8 < D; c8 += 8u) {
      let q0 = qkv[qb + (c8 + l) * p.L + i];
      let q1 = qkv[qb + (c8 + l) * p.L + i1];
      let g0 = dout[ob + (c8 + l) * p.L + i];
      let g1 = dout[ob + (c8 + l) * p.L + i1];
      for (var u = 0u; u < 8u; u++) {
        dk[c8 + u] = fma(ds0, subgroupShuffle(q0, u), fma(ds1, subgroupShuffle(q1, u), dk[c8 + u]));
        dv[c8 + u] = fma(p0, subgroupShuffle(g0, u), fma(p1, subgroupShuffle(g1, u), dv[c8 + u]));
      }
    }
  }
  if (t.row >= p.L) { return; }
  for (var c = 0u; c < D; c++) {
    dqkv[kb + c * p.L + j] = dk[c] * p.scale;
    dqkv[vb + c * p.L + j] = dv[c];
  }
}
