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

// ---- Four rows per invocation ('rows4'): the same math with 4 queries (forward4, backward_q4) or 4 keys
// (backward_kv4) in the lanes of a vec4, so every q/k/v/dO element read from memory feeds 4 rows, and the
// per-row state is one array of vec4 per vector instead of one array of f32 per row. Rows past L repeat
// row L − 1 and are not stored. Invocation id = (n·heads + h)·ceil(L / 4) + row block.

// Offset of element (c = 0, l = 0) of part (0 q, 1 k, 2 v) of head h in image n; element (c, l) is at
// + c·L + l.
fn part_base(n: u32, part: u32, h: u32) -> u32 {
  return ((n * 3u + part) * p.C + h * (p.C / p.heads)) * p.L;
}

// qb, kb, vb: part_base of q, k, v; ob: start of head h's channels in o / dO; lb: row 0 of (n, h) in lse / Δ.
struct Rows4 { n: u32, h: u32, r0: u32, rows: vec4u, ok: bool, qb: u32, kb: u32, vb: u32, ob: u32, lb: u32 }

fn rows4(id: u32) -> Rows4 {
  let blocks = (p.L + 3u) / 4u;
  var t: Rows4;
  t.ok = id < p.N * p.heads * blocks;
  t.r0 = (id % blocks) * 4u;
  t.h = (id / blocks) % p.heads;
  t.n = id / (blocks * p.heads);
  let last = p.L - 1u;
  t.rows = min(vec4u(t.r0, t.r0 + 1u, t.r0 + 2u, t.r0 + 3u), vec4u(last));
  t.qb = part_base(t.n, 0u, t.h);
  t.kb = part_base(t.n, 1u, t.h);
  t.vb = part_base(t.n, 2u, t.h);
  t.ob = (t.n * p.C + t.h * (p.C / p.heads)) * p.L;
  t.lb = (t.n * p.heads + t.h) * p.L;
  return t;
}

// Offsets of rows t.rows in a row of a [c, l] plane that starts at row_start.
fn row_offsets(row_start: u32, t: Rows4) -> vec4u {
  return vec4u(row_start) + t.rows;
}

@compute @workgroup_size(64)
fn forward4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = rows4(linear_index(gid, nwg, 64u));
  if (!t.ok) { return; }
  let D = p.C / p.heads;
  var q4: array<vec4f, MAX_D>;
  var acc4: array<vec4f, MAX_D>;
  for (var c = 0u; c < D; c++) {
    let a = row_offsets(t.qb + c * p.L, t);
    q4[c] = vec4f(qkv[a.x], qkv[a.y], qkv[a.z], qkv[a.w]) * p.scale;
    acc4[c] = vec4f(0.0);
  }
  var m = vec4f(-3.0e38);
  var d = vec4f(0.0);
  for (var j = 0u; j < p.L; j++) {
    var s = vec4f(0.0);
    for (var c = 0u; c < D; c++) { s += q4[c] * qkv[t.kb + c * p.L + j]; }
    let m_new = max(m, s);
    let corr = exp(m - m_new);
    let e = exp(s - m_new);
    d = d * corr + e;
    for (var c = 0u; c < D; c++) { acc4[c] = acc4[c] * corr + e * qkv[t.vb + c * p.L + j]; }
    m = m_new;
  }
  let l4 = m + log(d);
  for (var k = 0u; k < 4u; k++) {
    let i = t.r0 + k;
    if (i >= p.L) { break; }
    for (var c = 0u; c < D; c++) { o[t.ob + c * p.L + i] = acc4[c][k] / d[k]; }
    lse[t.lb + i] = l4[k];
  }
}

@compute @workgroup_size(64)
fn backward_q4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = rows4(linear_index(gid, nwg, 64u));
  if (!t.ok) { return; }
  let D = p.C / p.heads;
  var q4: array<vec4f, MAX_D>;
  var g4: array<vec4f, MAX_D>;
  var dq4: array<vec4f, MAX_D>;
  var dl = vec4f(0.0);
  for (var c = 0u; c < D; c++) {
    let a = row_offsets(t.qb + c * p.L, t);
    q4[c] = vec4f(qkv_b[a.x], qkv_b[a.y], qkv_b[a.z], qkv_b[a.w]) * p.scale;
    let b = row_offsets(t.ob + c * p.L, t);
    let g = vec4f(dout[b.x], dout[b.y], dout[b.z], dout[b.w]);
    g4[c] = g;
    dl += g * vec4f(o_b[b.x], o_b[b.y], o_b[b.z], o_b[b.w]);
    dq4[c] = vec4f(0.0);
  }
  let ll = row_offsets(t.lb, t);
  let l4 = vec4f(lse_b[ll.x], lse_b[ll.y], lse_b[ll.z], lse_b[ll.w]);
  for (var j = 0u; j < p.L; j++) {
    var s = vec4f(0.0);
    var dp = vec4f(0.0);
    for (var c = 0u; c < D; c++) {
      s += q4[c] * qkv_b[t.kb + c * p.L + j];
      dp += g4[c] * qkv_b[t.vb + c * p.L + j];
    }
    let ds = exp(s - l4) * (dp - dl);
    for (var c = 0u; c < D; c++) { dq4[c] += ds * qkv_b[t.kb + c * p.L + j]; }
  }
  for (var k = 0u; k < 4u; k++) {
    let i = t.r0 + k;
    if (i >= p.L) { break; }
    for (var c = 0u; c < D; c++) { dqkv[t.qb + c * p.L + i] = dq4[c][k] * p.scale; }
    delta[t.lb + i] = dl[k];
  }
}

@compute @workgroup_size(64)
fn backward_kv4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = rows4(linear_index(gid, nwg, 64u));
  if (!t.ok) { return; }
  let D = p.C / p.heads;
  var k4: array<vec4f, MAX_D>;
  var v4: array<vec4f, MAX_D>;
  var dk4: array<vec4f, MAX_D>;
  var dv4: array<vec4f, MAX_D>;
  for (var c = 0u; c < D; c++) {
    let a = row_offsets(t.kb + c * p.L, t);
    k4[c] = vec4f(qkv_b[a.x], qkv_b[a.y], qkv_b[a.z], qkv_b[a.w]) * p.scale;
    let b = row_offsets(t.vb + c * p.L, t);
    v4[c] = vec4f(qkv_b[b.x], qkv_b[b.y], qkv_b[b.z], qkv_b[b.w]);
    dk4[c] = vec4f(0.0);
    dv4[c] = vec4f(0.0);
  }
  for (var i = 0u; i < p.L; i++) {
    var s = vec4f(0.0);
    var dp = vec4f(0.0);
    for (var c = 0u; c < D; c++) {
      s += qkv_b[t.qb + c * p.L + i] * k4[c];
      dp += dout[t.ob + c * p.L + i] * v4[c];
    }
    let pij = exp(s - lse_b[t.lb + i]);
    let ds = pij * (dp - delta_b[t.lb + i]);
    for (var c = 0u; c < D; c++) {
      dk4[c] += ds * qkv_b[t.qb + c * p.L + i];
      dv4[c] += pij * dout[t.ob + c * p.L + i];
    }
  }
  for (var k = 0u; k < 4u; k++) {
    let j = t.r0 + k;
    if (j >= p.L) { break; }
    for (var c = 0u; c < D; c++) {
      dqkv[t.kb + c * p.L + j] = dk4[c][k] * p.scale;
      dqkv[t.vb + c * p.L + j] = dv4[c][k];
    }
  }
}
