// matmul.wgsl — the batched strided matrix product (matmul_shared.wgsl) with scalar loads: any strides.
// include: matmul_shared.wgsl

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;   // [N] (bound but unread when has_bias = 0)
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

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
    let bv = vec4f(b[bk + jc.x], b[bk + jc.y], b[bk + jc.z], b[bk + jc.w]);
    acc0 += av.x * bv;
    acc1 += av.y * bv;
    acc2 += av.z * bv;
    acc3 += av.w * bv;
  }
  store_tile(tile, acc0, acc1, acc2, acc3);
}
