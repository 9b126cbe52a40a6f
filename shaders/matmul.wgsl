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

// Register blocking: one invocation owns a 4×4 tile of C; per k it loads 4 values of A and 4 of B and
// does 16 multiply-adds, with no workgroup memory or barriers (what software rasterisers reward).
@compute @workgroup_size(64)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let mb = (p.M + 3u) / 4u;
  let nb = (p.N + 3u) / 4u;
  let id = linear_index(gid, nwg, 64u);
  if (id >= p.batch * mb * nb) { return; }
  let jb = id % nb;
  let ib = (id / nb) % mb;
  let bt = id / (nb * mb);
  let i0 = ib * 4u;
  let j0 = jb * 4u;
  var acc = array<vec4f, 4>(vec4f(0.0), vec4f(0.0), vec4f(0.0), vec4f(0.0));  // acc[row] = 4 columns
  let abase = bt * p.a_bs;
  let bbase = bt * p.b_bs;
  // Clamp out-of-range rows/columns to the last valid one: their results are never written.
  let ir = vec4u(min(i0, p.M - 1u), min(i0 + 1u, p.M - 1u), min(i0 + 2u, p.M - 1u), min(i0 + 3u, p.M - 1u));
  let jc = vec4u(min(j0, p.N - 1u), min(j0 + 1u, p.N - 1u), min(j0 + 2u, p.N - 1u), min(j0 + 3u, p.N - 1u));
  for (var k = 0u; k < p.K; k++) {
    let ak = abase + k * p.a_cs;
    let av = vec4f(a[ak + ir.x * p.a_rs], a[ak + ir.y * p.a_rs], a[ak + ir.z * p.a_rs], a[ak + ir.w * p.a_rs]);
    let bk = bbase + k * p.b_rs;
    let bv = vec4f(bm[bk + jc.x * p.b_cs], bm[bk + jc.y * p.b_cs], bm[bk + jc.z * p.b_cs], bm[bk + jc.w * p.b_cs]);
    acc[0] += av.x * bv;
    acc[1] += av.y * bv;
    acc[2] += av.z * bv;
    acc[3] += av.w * bv;
  }
  for (var r = 0u; r < 4u; r++) {
    let i = i0 + r;
    if (i >= p.M) { break; }
    for (var q = 0u; q < 4u; q++) {
      let j = j0 + q;
      if (j >= p.N) { break; }
      var v = acc[r][q];
      if (p.has_bias != 0u) { v += bias[j]; }
      let idx = (bt * p.M + i) * p.N + j;
      if (p.accumulate != 0u) { v += c[idx]; }
      c[idx] = v;
    }
  }
}
