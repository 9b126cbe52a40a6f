// attention_backward_q.wgsl — attention backward, first pass: dQ and Δ_i = dO_i·O_i, which
// attention_backward_kv.wgsl then reads. backward_q: one query row per invocation; backward_q4: four rows
// in vec4 lanes ('rows4', see attention_shared.wgsl).
// include: attention_shared.wgsl

@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> o: array<f32>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read> dout: array<f32>;
@group(0) @binding(5) var<storage, read_write> dqkv: array<f32>;   // [N, 3C, L]
@group(0) @binding(6) var<storage, read_write> delta: array<f32>;  // [N, heads, L]: Σ_c dO·O

// With p_ij = exp(s_ij − lse_i), dp_ij = dO_i·v_j and Δ_i = dO_i·O_i:
//   dS_ij = p_ij (dp_ij − Δ_i);  dq_i = scale Σ_j dS_ij k_j.  One invocation per query (n, h, i).
@compute @workgroup_size(64)
fn backward_q(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_index(gid, nwg, 64u);
  if (id >= p.N * p.heads * p.L) { return; }
  let i = id % p.L;
  let h = (id / p.L) % p.heads;
  let n = id / (p.L * p.heads);
  let D = head_dim();
  var q: array<f32, MAX_D>;
  var g: array<f32, MAX_D>;
  var dq: array<f32, MAX_D>;
  var dl = 0.0;
  for (var c = 0u; c < D; c++) {
    let oi = (n * p.C + h * D + c) * p.L + i;
    q[c] = qkv_at(n, 0u, h, c, i) * p.scale;
    g[c] = dout[oi];
    dl += g[c] * o[oi];
    dq[c] = 0.0;
  }
  let l = lse[id];
  for (var j = 0u; j < p.L; j++) {
    var s = 0.0;
    var dp = 0.0;
    for (var c = 0u; c < D; c++) {
      s += q[c] * qkv_at(n, 1u, h, c, j);
      dp += g[c] * qkv_at(n, 2u, h, c, j);
    }
    let ds = exp(s - l) * (dp - dl);
    for (var c = 0u; c < D; c++) { dq[c] += ds * qkv_at(n, 1u, h, c, j); }
  }
  for (var c = 0u; c < D; c++) { dqkv[qkv_index(n, 0u, h, c, i)] = dq[c] * p.scale; }
  delta[id] = dl;
}

@compute @workgroup_size(64)
fn backward_q4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = rows4(linear_index(gid, nwg, 64u));
  if (!t.ok) { return; }
  let D = head_dim();
  var q4: array<vec4f, MAX_D>;
  var g4: array<vec4f, MAX_D>;
  var dq4: array<vec4f, MAX_D>;
  var dl = vec4f(0.0);
  for (var c = 0u; c < D; c++) {
    let a = row_offsets(t.qb + c * p.L, t);
    q4[c] = vec4f(qkv[a.x], qkv[a.y], qkv[a.z], qkv[a.w]) * p.scale;
    let b = row_offsets(t.ob + c * p.L, t);
    let g = vec4f(dout[b.x], dout[b.y], dout[b.z], dout[b.w]);
    g4[c] = g;
    dl += g * vec4f(o[b.x], o[b.y], o[b.z], o[b.w]);
    dq4[c] = vec4f(0.0);
  }
  let ll = row_offsets(t.lb, t);
  let l4 = vec4f(lse[ll.x], lse[ll.y], lse[ll.z], lse[ll.w]);
  for (var j = 0u; j < p.L; j++) {
    var s = vec4f(0.0);
    var dp = vec4f(0.0);
    for (var c = 0u; c < D; c++) {
      s += q4[c] * qkv[t.kb + c * p.L + j];
      dp += g4[c] * qkv[t.vb + c * p.L + j];
    }
    let ds = exp(s - l4) * (dp - dl);
    for (var c = 0u; c < D; c++) { dq4[c] += ds * qkv[t.kb + c * p.L + j]; }
  }
  for (var k = 0u; k < 4u; k++) {
    let i = t.r0 + k;
    if (i >= p.L) { break; }
    for (var c = 0u; c < D; c++) { dqkv[t.qb + c * p.L + i] = dq4[c][k] * p.scale; }
    delta[t.lb + i] = dl[k];
  }
}
