// attention_backward_kv.wgsl — attention backward, second pass: dK and dV into dqkv, using Δ from
// attention_backward_q.wgsl. backward_kv: one key row per invocation; backward_kv4: four keys in vec4
// lanes ('rows4', see attention_shared.wgsl).
// include: attention_shared.wgsl

@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read> dout: array<f32>;
@group(0) @binding(5) var<storage, read_write> dqkv: array<f32>;  // [N, 3C, L]
@group(0) @binding(6) var<storage, read> delta: array<f32>;       // [N, heads, L]: Σ_c dO·O, from backward_q

// dk_j = scale Σ_i dS_ij q_i;  dv_j = Σ_i p_ij dO_i.  One invocation per key (n, h, j); needs Δ from backward_q.
@compute @workgroup_size(64)
fn backward_kv(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_index(gid, nwg, 64u);
  if (id >= p.N * p.heads * p.L) { return; }
  let j = id % p.L;
  let h = (id / p.L) % p.heads;
  let n = id / (p.L * p.heads);
  let D = head_dim();
  var k: array<f32, MAX_D>;
  var v: array<f32, MAX_D>;
  var dk: array<f32, MAX_D>;
  var dv: array<f32, MAX_D>;
  for (var c = 0u; c < D; c++) {
    k[c] = qkv_at(n, 1u, h, c, j) * p.scale;
    v[c] = qkv_at(n, 2u, h, c, j);
    dk[c] = 0.0;
    dv[c] = 0.0;
  }
  let row0 = (n * p.heads + h) * p.L;
  for (var i = 0u; i < p.L; i++) {
    var s = 0.0;
    var dp = 0.0;
    for (var c = 0u; c < D; c++) {
      s += qkv_at(n, 0u, h, c, i) * k[c];
      dp += dout[(n * p.C + h * D + c) * p.L + i] * v[c];
    }
    let pij = exp(s - lse[row0 + i]);
    let ds = pij * (dp - delta[row0 + i]);
    for (var c = 0u; c < D; c++) {
      dk[c] += ds * qkv_at(n, 0u, h, c, i);
      dv[c] += pij * dout[(n * p.C + h * D + c) * p.L + i];
    }
  }
  for (var c = 0u; c < D; c++) {
    dqkv[qkv_index(n, 1u, h, c, j)] = dk[c] * p.scale;
    dqkv[qkv_index(n, 2u, h, c, j)] = dv[c];
  }
}

@compute @workgroup_size(64)
fn backward_kv4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = rows4(linear_index(gid, nwg, 64u));
  if (!t.ok) { return; }
  let D = head_dim();
  var k4: array<vec4f, MAX_D>;
  var v4: array<vec4f, MAX_D>;
  var dk4: array<vec4f, MAX_D>;
  var dv4: array<vec4f, MAX_D>;
  for (var c = 0u; c < D; c++) {
    let a = row_offsets(t.kb + c * p.L, t);
    k4[c] = vec4f(qkv[a.x], qkv[a.y], qkv[a.z], qkv[a.w]) * p.scale;
    let b = row_offsets(t.vb + c * p.L, t);
    v4[c] = vec4f(qkv[b.x], qkv[b.y], qkv[b.z], qkv[b.w]);
    dk4[c] = vec4f(0.0);
    dv4[c] = vec4f(0.0);
  }
  for (var i = 0u; i < p.L; i++) {
    var s = vec4f(0.0);
    var dp = vec4f(0.0);
    for (var c = 0u; c < D; c++) {
      s += qkv[t.qb + c * p.L + i] * k4[c];
      dp += dout[t.ob + c * p.L + i] * v4[c];
    }
    let pij = exp(s - lse[t.lb + i]);
    let ds = pij * (dp - delta[t.lb + i]);
    for (var c = 0u; c < D; c++) {
      dk4[c] += ds * qkv[t.qb + c * p.L + i];
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
