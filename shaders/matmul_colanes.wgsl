enable subgroups;

// matmul_colanes.wgsl — the batched strided matrix product (matmul_shared.wgsl) for adapters that run
// invocations as SIMD lanes (lavapipe: 8 per AVX2 register), by the rule of conv2d_colanes.wgsl: lavapipe
// turns every storage load whose address differs across lanes into a loop over the lanes (~10 instructions
// each), so every load must bring 8 useful values. A workgroup is one subgroup of 8 lanes and computes a
// 16 × 32 tile of C: lane l owns columns j0 + l + 8c (c < 4) of all 16 rows. Per k, lane l loads its 4 B
// values (4 loads for 32 columns) and A at rows i0 + l and i0 + 8 + l (2 loads for 16 rows); subgroup
// broadcasts hand each A value to every lane: 6 lane-loads feed 512 multiply-adds. Any strides (so every
// layout of the linear layer and its backward). Needs subgroups of exactly 8 (Gpu.hasSubgroups8).
// Grid: (⌈N / 32⌉, ⌈M / 16⌉, batch).
// Read straight from A and B, the 48 values a workgroup loads per k lie in 48 different cache lines (the
// rows are K apart), and once the operands outgrow L2 that stalls it (lavapipe, 1024³: 2.2× slower per flop
// than 256³). So pack_a and pack_b first copy A into panels of 16 rows and B into panels of 32 columns,
// each k's values side by side ([panel][k][16 or 32], zero past the edge), as GEMM libraries pack: per k
// the kernel then reads 2 neighbouring lines of each.
// include: matmul_shared.wgsl

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;   // [N] (bound but unread when has_bias = 0)
@group(0) @binding(4) var<storage, read_write> c: array<f32>;
@group(0) @binding(5) var<storage, read_write> ap: array<f32>;  // [batch, ⌈M/16⌉, K, 16] panels of A
@group(0) @binding(6) var<storage, read_write> bp: array<f32>;  // [batch, ⌈N/32⌉, K, 32] panels of B

// ap[((bt·⌈M/16⌉ + ib)·K + k)·16 + r] = A[bt, 16·ib + r, k]  (0 past row M − 1)
@compute @workgroup_size(64)
fn pack_a(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  let panels = (p.M + 15u) / 16u;
  if (i >= p.batch * panels * p.K * 16u) { return; }
  let r = i % 16u;
  let k = (i / 16u) % p.K;
  let ib = (i / (16u * p.K)) % panels;
  let bt = i / (16u * p.K * panels);
  let row = ib * 16u + r;
  ap[i] = select(0.0, a[bt * p.a_bs + min(row, p.M - 1u) * p.a_rs + k * p.a_cs], row < p.M);
}

// bp[((bt·⌈N/32⌉ + jb)·K + k)·32 + q] = B[bt, k, 32·jb + q]  (0 past column N − 1)
@compute @workgroup_size(64)
fn pack_b(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  let panels = (p.N + 31u) / 32u;
  if (i >= p.batch * panels * p.K * 32u) { return; }
  let q = i % 32u;
  let k = (i / 32u) % p.K;
  let jb = (i / (32u * p.K)) % panels;
  let bt = i / (32u * p.K * panels);
  let col = jb * 32u + q;
  bp[i] = select(0.0, b[bt * p.b_bs + k * p.b_rs + min(col, p.N - 1u) * p.b_cs], col < p.N);
}

// acc[base + r] += A[row r of the 8 whose values lanes 0…7 hold in x] · (this lane's 4 B values w).
fn rows8(x: f32, w: vec4f, acc: ptr<function, array<vec4f, 16>>, base: u32) {
  (*acc)[base] = fma(vec4f(subgroupBroadcast(x, 0u)), w, (*acc)[base]);
  (*acc)[base + 1u] = fma(vec4f(subgroupBroadcast(x, 1u)), w, (*acc)[base + 1u]);
  (*acc)[base + 2u] = fma(vec4f(subgroupBroadcast(x, 2u)), w, (*acc)[base + 2u]);
  (*acc)[base + 3u] = fma(vec4f(subgroupBroadcast(x, 3u)), w, (*acc)[base + 3u]);
  (*acc)[base + 4u] = fma(vec4f(subgroupBroadcast(x, 4u)), w, (*acc)[base + 4u]);
  (*acc)[base + 5u] = fma(vec4f(subgroupBroadcast(x, 5u)), w, (*acc)[base + 5u]);
  (*acc)[base + 6u] = fma(vec4f(subgroupBroadcast(x, 6u)), w, (*acc)[base + 6u]);
  (*acc)[base + 7u] = fma(vec4f(subgroupBroadcast(x, 7u)), w, (*acc)[base + 7u]);
}

@compute @workgroup_size(8)
fn colanes(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) l: u32) {
  let bt = wid.z;
  let i0 = wid.y * 16u;
  let j0 = wid.x * 32u;
  // This workgroup's panels; lane l reads rows l and 8 + l of A's and columns l + 8q of B's at each k.
  var ak = ((bt * ((p.M + 15u) / 16u) + wid.y) * p.K) * 16u + l;
  var bk = ((bt * ((p.N + 31u) / 32u) + wid.x) * p.K) * 32u + l;
  var acc: array<vec4f, 16>;
  for (var k = 0u; k < p.K; k++) {
    let w = vec4f(bp[bk], bp[bk + 8u], bp[bk + 16u], bp[bk + 24u]);
    rows8(ap[ak], w, &acc, 0u);
    rows8(ap[ak + 8u], w, &acc, 8u);
    ak += 16u;
    bk += 32u;
  }
  for (var r = 0u; r < 16u; r++) {
    let i = i0 + r;
    if (i >= p.M) { break; }
    // Column j0 + l + 8q of row i is component q of acc[r].
    for (var q = 0u; q < 4u; q++) {
      let j = j0 + l + 8u * q;
      if (j >= p.N) { continue; }
      var val = acc[r][q];
      if (p.has_bias != 0u) { val += bias[j]; }
      let idx = (bt * p.M + i) * p.N + j;
      if (p.accumulate != 0u) { val += c[idx]; }
      c[idx] = val;
    }
  }
}
