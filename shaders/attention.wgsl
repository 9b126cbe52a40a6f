// attention.wgsl — multi-head self-attention over the L = H·W positions of a feature map, fused:
// O = softmax(Q·Kᵀ·scale)·V per head, never materialising the L×L matrix (online softmax).
// Input is the 1×1-conv qkv projection in NCHW layout, qkv[n, 3C, L]: Q = channels [0, C), K = [C, 2C),
// V = [2C, 3C); head h owns channels [h·D, (h+1)·D) of each. Output o[n, C, L] in the same layout.
// Forward saves lse[n, h, i] = log Σ_j exp(s_ij) so backward can rebuild p_ij = exp(s_ij − lse_i).

const MAX_D: u32 = 64u;

struct Attn {
  N: u32, C: u32, L: u32, heads: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> p: Attn;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read_write> o: array<f32>;
@group(0) @binding(3) var<storage, read_write> lse: array<f32>;

// element c of the q/k/v vector of position l, head h, batch n (part 0 = q, 1 = k, 2 = v)
fn qkv_index(n: u32, part: u32, h: u32, c: u32, l: u32) -> u32 {
  let D = p.C / p.heads;
  return ((n * 3u + part) * p.C + h * D + c) * p.L + l;
}

// One invocation per (n, h, i): streams over keys j with a running max m and denominator d.
@compute @workgroup_size(64)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_index(gid, nwg, 64u);
  if (id >= p.N * p.heads * p.L) { return; }
  let i = id % p.L;
  let h = (id / p.L) % p.heads;
  let n = id / (p.L * p.heads);
  let D = p.C / p.heads;
  var q: array<f32, MAX_D>;
  var acc: array<f32, MAX_D>;
  for (var c = 0u; c < D; c++) { q[c] = qkv[qkv_index(n, 0u, h, c, i)] * p.scale; acc[c] = 0.0; }
  var m = -3.0e38;
  var d = 0.0;
  for (var j = 0u; j < p.L; j++) {
    var s = 0.0;
    for (var c = 0u; c < D; c++) { s += q[c] * qkv[qkv_index(n, 1u, h, c, j)]; }
    let m_new = max(m, s);
    let corr = exp(m - m_new);
    let e = exp(s - m_new);
    d = d * corr + e;
    for (var c = 0u; c < D; c++) { acc[c] = acc[c] * corr + e * qkv[qkv_index(n, 2u, h, c, j)]; }
    m = m_new;
  }
  for (var c = 0u; c < D; c++) { o[(n * p.C + h * D + c) * p.L + i] = acc[c] / d; }
  lse[id] = m + log(d);
}

@group(0) @binding(1) var<storage, read> qkv_b: array<f32>;
@group(0) @binding(2) var<storage, read> o_b: array<f32>;
@group(0) @binding(3) var<storage, read> lse_b: array<f32>;
@group(0) @binding(4) var<storage, read> dout: array<f32>;
@group(0) @binding(5) var<storage, read_write> dqkv: array<f32>;   // [N, 3C, L]
@group(0) @binding(6) var<storage, read_write> delta: array<f32>;  // [N, heads, L]: Σ_c dO·O

fn qkv_b_at(n: u32, part: u32, h: u32, c: u32, l: u32) -> f32 {
  return qkv_b[qkv_index(n, part, h, c, l)];
}

// With p_ij = exp(s_ij − lse_i), dp_ij = dO_i·v_j and Δ_i = dO_i·O_i:
//   dS_ij = p_ij (dp_ij − Δ_i);  dq_i = scale Σ_j dS_ij k_j.  One invocation per query (n, h, i).
@compute @workgroup_size(64)
fn backward_q(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_index(gid, nwg, 64u);
  if (id >= p.N * p.heads * p.L) { return; }
  let i = id % p.L;
  let h = (id / p.L) % p.heads;
  let n = id / (p.L * p.heads);
  let D = p.C / p.heads;
  var q: array<f32, MAX_D>;
  var g: array<f32, MAX_D>;
  var dq: array<f32, MAX_D>;
  var dl = 0.0;
  for (var c = 0u; c < D; c++) {
    let oi = (n * p.C + h * D + c) * p.L + i;
    q[c] = qkv_b_at(n, 0u, h, c, i) * p.scale;
    g[c] = dout[oi];
    dl += g[c] * o_b[oi];
    dq[c] = 0.0;
  }
  let l = lse_b[id];
  for (var j = 0u; j < p.L; j++) {
    var s = 0.0;
    var dp = 0.0;
    for (var c = 0u; c < D; c++) {
      s += q[c] * qkv_b_at(n, 1u, h, c, j);
      dp += g[c] * qkv_b_at(n, 2u, h, c, j);
    }
    let ds = exp(s - l) * (dp - dl);
    for (var c = 0u; c < D; c++) { dq[c] += ds * qkv_b_at(n, 1u, h, c, j); }
  }
  for (var c = 0u; c < D; c++) { dqkv[qkv_index(n, 0u, h, c, i)] = dq[c] * p.scale; }
  delta[id] = dl;
}

@group(0) @binding(6) var<storage, read> delta_b: array<f32>;

// dk_j = scale Σ_i dS_ij q_i;  dv_j = Σ_i p_ij dO_i.  One invocation per key (n, h, j); needs Δ from backward_q.
@compute @workgroup_size(64)
fn backward_kv(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_index(gid, nwg, 64u);
  if (id >= p.N * p.heads * p.L) { return; }
  let j = id % p.L;
  let h = (id / p.L) % p.heads;
  let n = id / (p.L * p.heads);
  let D = p.C / p.heads;
  var k: array<f32, MAX_D>;
  var v: array<f32, MAX_D>;
  var dk: array<f32, MAX_D>;
  var dv: array<f32, MAX_D>;
  for (var c = 0u; c < D; c++) {
    k[c] = qkv_b_at(n, 1u, h, c, j) * p.scale;
    v[c] = qkv_b_at(n, 2u, h, c, j);
    dk[c] = 0.0;
    dv[c] = 0.0;
  }
  let row0 = (n * p.heads + h) * p.L;
  for (var i = 0u; i < p.L; i++) {
    var s = 0.0;
    var dp = 0.0;
    for (var c = 0u; c < D; c++) {
      s += qkv_b_at(n, 0u, h, c, i) * k[c];
      dp += dout[(n * p.C + h * D + c) * p.L + i] * v[c];
    }
    let pij = exp(s - lse_b[row0 + i]);
    let ds = pij * (dp - delta_b[row0 + i]);
    for (var c = 0u; c < D; c++) {
      dk[c] += ds * qkv_b_at(n, 0u, h, c, i);
      dv[c] += pij * dout[(n * p.C + h * D + c) * p.L + i];
    }
  }
  for (var c = 0u; c < D; c++) {
    dqkv[qkv_index(n, 1u, h, c, j)] = dk[c] * p.scale;
    dqkv[qkv_index(n, 2u, h, c, j)] = dv[c];
  }
}
