// matmul_shared.wgsl — what the matmul kernels share; included by matmul.wgsl (scalar loads) and
// matmul_vec4.wgsl (vec4 loads for aligned layouts).
// Batched strided matrix product C[b] = A[b]·B[b] (+ bias per column), the workhorse of linear layers
// (y = x·Wᵀ + b) and their backward (dx = dy·W, dW = dyᵀ·x), chosen by strides alone.
// A[b, i, k] = a[b·a_bs + i·a_rs + k·a_cs]; B[b, k, j] = b[b·b_bs + k·b_rs + j·b_cs] (strides in floats);
// C is dense: C[b, i, j] = c[(b·M + i)·N + j]. accumulate = 1 adds into C instead of overwriting.
// store_row writes through the bindings `bias` and `c`, which every including file declares.

struct Mm {
  batch: u32, M: u32, N: u32, K: u32,
  a_bs: u32, a_rs: u32, a_cs: u32,
  b_bs: u32, b_rs: u32, b_cs: u32,
  has_bias: u32, accumulate: u32,
}

@group(0) @binding(0) var<uniform> p: Mm;

// Invocation id → (batch, first row, first column, in range) of its 4×4 tile of C;
// id = (bt·ceil(M/4) + ib)·ceil(N/4) + jb.
fn tile_of(tid: u32) -> vec4u {
  let t_mb = (p.M + 3u) / 4u;
  let t_nb = (p.N + 3u) / 4u;
  let t_ok = select(0u, 1u, tid < p.batch * t_mb * t_nb);
  return vec4u(tid / (t_nb * t_mb), ((tid / t_nb) % t_mb) * 4u, (tid % t_nb) * 4u, t_ok);
}

// Writes row i of C's 4-column tile starting at j0 (bias, accumulate and edge columns handled here).
fn store_row(bt: u32, i: u32, j0: u32, v: vec4f) {
  if (i >= p.M) { return; }
  for (var q = 0u; q < 4u; q++) {
    let j = j0 + q;
    if (j >= p.N) { break; }
    var val = v[q];
    if (p.has_bias != 0u) { val += bias[j]; }
    let idx = (bt * p.M + i) * p.N + j;
    if (p.accumulate != 0u) { val += c[idx]; }
    c[idx] = val;
  }
}

// Writes the 4×4 tile of C whose (batch, first row, first column) `tile_of` gave, one vec4 per row.
fn store_tile(st: vec4u, r0: vec4f, r1: vec4f, r2: vec4f, r3: vec4f) {
  store_row(st.x, st.y, st.z, r0);
  store_row(st.x, st.y + 1u, st.z, r1);
  store_row(st.x, st.y + 2u, st.z, r2);
  store_row(st.x, st.y + 3u, st.z, r3);
}
