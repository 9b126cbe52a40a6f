// matmul_vec4.wgsl — the batched strided matrix product (matmul_shared.wgsl) reading A and B as vec4,
// for the layouts where k (or the row, for forward_tn4) is contiguous and strides and offsets are
// multiples of 4; src/ops/linear.ts picks the entry point from the strides.
// include: matmul_shared.wgsl

@group(0) @binding(1) var<storage, read> a: array<vec4f>;
@group(0) @binding(2) var<storage, read> b: array<vec4f>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;   // [N] (bound but unread when has_bias = 0)
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

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
    let x0 = a[ra.x + k4]; let x1 = a[ra.y + k4]; let x2 = a[ra.z + k4]; let x3 = a[ra.w + k4];
    let w0 = b[q0 + k4]; let w1 = b[q1 + k4]; let w2 = b[q2 + k4]; let w3 = b[q3 + k4];
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
    let av = a[abase + k * ac];
    let bv = b[bbase + k * br];
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
    let x0 = a[ra.x + k4]; let x1 = a[ra.y + k4]; let x2 = a[ra.z + k4]; let x3 = a[ra.w + k4];
    let kb = bbase + 4u * k4 * br;
    let w0 = b[kb]; let w1 = b[kb + br]; let w2 = b[kb + 2u * br]; let w3 = b[kb + 3u * br];
    acc0 += x0.x * w0 + x0.y * w1 + x0.z * w2 + x0.w * w3;
    acc1 += x1.x * w0 + x1.y * w1 + x1.z * w2 + x1.w * w3;
    acc2 += x2.x * w0 + x2.y * w1 + x2.z * w2 + x2.w * w3;
    acc3 += x3.x * w0 + x3.y * w1 + x3.z * w2 + x3.w * w3;
  }
  store_tile(tile, acc0, acc1, acc2, acc3);
}
