// attention.wgsl — fused multi-head self-attention forward (layout and the saved lse: attention_shared.wgsl):
// forward (one query row per invocation) and forward4 (four rows in vec4 lanes, 'rows4').
// include: attention_shared.wgsl

@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read_write> o: array<f32>;
@group(0) @binding(3) var<storage, read_write> lse: array<f32>;

// One invocation per (n, h, i): streams over keys j with a running max m and denominator d.
@compute @workgroup_size(64)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_index(gid, nwg, 64u);
  if (id >= p.N * p.heads * p.L) { return; }
  let i = id % p.L;
  let h = (id / p.L) % p.heads;
  let n = id / (p.L * p.heads);
  let D = head_dim();
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

@compute @workgroup_size(64)
fn forward4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = rows4(linear_index(gid, nwg, 64u));
  if (!t.ok) { return; }
  let D = head_dim();
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
