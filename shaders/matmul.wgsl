// matmul.wgsl — batched strided matrix product C[b] = A[b]·B[b] (+ bias per column), the workhorse of
// linear layers (y = x·Wᵀ + b) and their backward (dx = dy·W, dW = dyᵀ·x), chosen by strides alone.
// A[b, i, k] = a[b·a_bs + i·a_rs + k·a_cs]; B[b, k, j] = bm[b·b_bs + k·b_rs + j·b_cs];
// C is dense: C[b, i, j] = c[(b·M + i)·N + j]. accumulate = 1 adds into C instead of overwriting.

struct Mm {
  batch: u32, M: u32, N: u32, K: u32,
  a_bs: u32, a_rs: u32, a_cs: u32,
  b_bs: u32, b_rs: u32, b_cs: u32,
  has_bias: u32, accumulate: u32,
}

@group(0) @binding(0) var<uniform> p: Mm;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> bm: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;   // [N] (bound but unread when has_bias = 0)
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

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

// Register blocking: one invocation owns a 4×4 tile of C; per k it loads 4 values of A and 4 of B and
// does 16 multiply-adds, with no workgroup memory or barriers (what software rasterisers reward). The four
// accumulator rows are named variables: a dynamically indexed private array would live in memory on
// software adapters.
@compute @workgroup_size(64)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let tile = tile_of(linear_index(gid, nwg, 64u));
  if (tile.w == 0u) { return; }
  let bt = tile.x;
  let i0 = tile.y;
  let j0 = tile.z;
  var acc0 = vec4f(0.0); var acc1 = vec4f(0.0); var acc2 = vec4f(0.0); var acc3 = vec4f(0.0);
  let abase = bt * p.a_bs;
  let bbase = bt * p.b_bs;
  // Clamp out-of-range rows/columns to the last valid one: their results are never written.
  let ir = vec4u(min(i0, p.M - 1u), min(i0 + 1u, p.M - 1u), min(i0 + 2u, p.M - 1u), min(i0 + 3u, p.M - 1u)) * p.a_rs;
  let jc = vec4u(min(j0, p.N - 1u), min(j0 + 1u, p.N - 1u), min(j0 + 2u, p.N - 1u), min(j0 + 3u, p.N - 1u)) * p.b_cs;
  for (var k = 0u; k < p.K; k++) {
    let ak = abase + k * p.a_cs;
    let av = vec4f(a[ak + ir.x], a[ak + ir.y], a[ak + ir.z], a[ak + ir.w]);
    let bk = bbase + k * p.b_rs;
    let bv = vec4f(bm[bk + jc.x], bm[bk + jc.y], bm[bk + jc.z], bm[bk + jc.w]);
    acc0 += av.x * bv;
    acc1 += av.y * bv;
    acc2 += av.z * bv;
    acc3 += av.w * bv;
  }
  store_tile(tile, acc0, acc1, acc2, acc3);
}

@group(0) @binding(1) var<storage, read> a4: array<vec4f>;
@group(0) @binding(2) var<storage, read> b4: array<vec4f>;

// vec4 offsets of rows i0 … i0 + 3 of A (clamped to the last row; those results are never stored) when
// A's rows are contiguous along k and its strides are multiples of 4.
fn a_rows4(bt: u32, i0: u32) -> vec4u {
  let last = p.M - 1u;
  let rows = min(vec4u(i0, i0 + 1u, i0 + 2u, i0 + 3u), vec4u(last));
  return vec4u(bt * (p.a_bs / 4u)) + rows * (p.a_rs / 4u);
}

// The same product when both operands run contiguously along k (A row-major, B given as Bᵀ row-major:
// a_cs = 1, b_rs = 1) and every stride is a multiple of 4: the linear layer's y = x·Wᵀ. Each step loads
// four vec4 of A and four of Bᵀ (16 k-values of each) for 16 dot products, a quarter of the loads of
// `forward`. Strides are passed in floats and divided by 4 here.
@compute @workgroup_size(64)
fn forward_nt4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let tile = tile_of(linear_index(gid, nwg, 64u));
  if (tile.w == 0u) { return; }
  let bt = tile.x;
  let i0 = tile.y;
  let j0 = tile.z;
  let bc = p.b_cs / 4u;
  let bbase = bt * (p.b_bs / 4u);
  let ra = a_rows4(bt, i0);
  let q0 = bbase + min(j0, p.N - 1u) * bc; let q1 = bbase + min(j0 + 1u, p.N - 1u) * bc;
  let q2 = bbase + min(j0 + 2u, p.N - 1u) * bc; let q3 = bbase + min(j0 + 3u, p.N - 1u) * bc;
  var acc0 = vec4f(0.0); var acc1 = vec4f(0.0); var acc2 = vec4f(0.0); var acc3 = vec4f(0.0);
  for (var k4 = 0u; k4 < p.K / 4u; k4++) {
    let x0 = a4[ra.x + k4]; let x1 = a4[ra.y + k4]; let x2 = a4[ra.z + k4]; let x3 = a4[ra.w + k4];
    let w0 = b4[q0 + k4]; let w1 = b4[q1 + k4]; let w2 = b4[q2 + k4]; let w3 = b4[q3 + k4];
    acc0 += vec4f(dot(x0, w0), dot(x0, w1), dot(x0, w2), dot(x0, w3));
    acc1 += vec4f(dot(x1, w0), dot(x1, w1), dot(x1, w2), dot(x1, w3));
    acc2 += vec4f(dot(x2, w0), dot(x2, w1), dot(x2, w2), dot(x2, w3));
    acc3 += vec4f(dot(x3, w0), dot(x3, w1), dot(x3, w2), dot(x3, w3));
  }
  store_tile(tile, acc0, acc1, acc2, acc3);
}

// Outer-product form for A stored transposed (rows contiguous: a_rs = 1) and B row-major (b_cs = 1), with
// M, N and every stride a multiple of 4: the weight gradient dW = dyᵀ·x. Per k, one vec4 of A (4 rows) and
// one of B (4 columns) feed the 16 products: 2 loads where `forward` issues 8.
@compute @workgroup_size(64)
fn forward_tn4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let tile = tile_of(linear_index(gid, nwg, 64u));
  if (tile.w == 0u) { return; }
  let bt = tile.x;
  let i0 = tile.y;
  let j0 = tile.z;
  let ac = p.a_cs / 4u;
  let br = p.b_rs / 4u;
  let abase = bt * (p.a_bs / 4u) + i0 / 4u;
  let bbase = bt * (p.b_bs / 4u) + j0 / 4u;
  var acc0 = vec4f(0.0); var acc1 = vec4f(0.0); var acc2 = vec4f(0.0); var acc3 = vec4f(0.0);
  for (var k = 0u; k < p.K; k++) {
    let av = a4[abase + k * ac];
    let bv = b4[bbase + k * br];
    acc0 += av.x * bv;
    acc1 += av.y * bv;
    acc2 += av.z * bv;
    acc3 += av.w * bv;
  }
  store_tile(tile, acc0, acc1, acc2, acc3);
}

// Both operands row-major (a_cs = 1, b_cs = 1), K, N and every stride a multiple of 4: the input gradient
// dx = dy·W. Per 4 values of k, four vec4 of A (one per row) and four of B (one per k, 4 columns) feed
// 64 products: 8 loads where `forward` issues 32.
@compute @workgroup_size(64)
fn forward_nn4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let tile = tile_of(linear_index(gid, nwg, 64u));
  if (tile.w == 0u) { return; }
  let bt = tile.x;
  let i0 = tile.y;
  let j0 = tile.z;
  let br = p.b_rs / 4u;
  let ra = a_rows4(bt, i0);
  let bbase = bt * (p.b_bs / 4u) + j0 / 4u;
  var acc0 = vec4f(0.0); var acc1 = vec4f(0.0); var acc2 = vec4f(0.0); var acc3 = vec4f(0.0);
  for (var k4 = 0u; k4 < p.K / 4u; k4++) {
    let x0 = a4[ra.x + k4]; let x1 = a4[ra.y + k4]; let x2 = a4[ra.z + k4]; let x3 = a4[ra.w + k4];
    let kb = bbase + 4u * k4 * br;
    let w0 = b4[kb]; let w1 = b4[kb + br]; let w2 = b4[kb + 2u * br]; let w3 = b4[kb + 3u * br];
    acc0 += x0.x * w0 + x0.y * w1 + x0.z * w2 + x0.w * w3;
    acc1 += x1.x * w0 + x1.y * w1 + x1.z * w2 + x1.w * w3;
    acc2 += x2.x * w0 + x2.y * w1 + x2.z * w2 + x2.w * w3;
    acc3 += x3.x * w0 + x3.y * w1 + x3.z * w2 + x3.w * w3;
  }
  store_tile(tile, acc0, acc1, acc2, acc3);
}
