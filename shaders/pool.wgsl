// pool.wgsl — 2×2 max pooling with stride 2 on NCHW maps (floor: a trailing odd row/column is dropped)
// and its backward. Backward recomputes each window's argmax, so no argmax buffer is saved and, as windows
// do not overlap, no atomics are needed. Ties go to the first element in row-major window order.

struct Pool {
  NC: u32, // batch · channels
  H: u32,  // input height
  W: u32,  // input width
}

@group(0) @binding(0) var<uniform> p: Pool;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

// Index of the largest of the 4 window elements starting at input offset `wbase` (row stride `wrow`).
fn window_argmax(wbase: u32, wrow: u32) -> u32 {
  // Unrolled: a dynamically indexed private array would spill on some adapters.
  var best = wbase;
  var bv = x[wbase];
  let v1 = x[wbase + 1u];
  if (v1 > bv) { bv = v1; best = wbase + 1u; }
  let v2 = x[wbase + wrow];
  if (v2 > bv) { bv = v2; best = wbase + wrow; }
  let v3 = x[wbase + wrow + 1u];
  if (v3 > bv) { best = wbase + wrow + 1u; }
  return best;
}

// Output index wo = (nc·Ho + i)·Wo + j → (offset of its window's top-left input element, i, j).
fn window_of(wo: u32) -> vec3u {
  let wo_w = p.W / 2u;
  let wo_h = p.H / 2u;
  let wj = wo % wo_w;
  let wi = (wo / wo_w) % wo_h;
  let wnc = wo / (wo_w * wo_h);
  return vec3u((wnc * p.H + 2u * wi) * p.W + 2u * wj, wi, wj);
}

// y[nc, i, j] = max over x[nc, 2i..2i+1, 2j..2j+1]
@compute @workgroup_size(64)
fn maxpool2_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = linear_index(gid, nwg, 64u);
  if (o >= p.NC * (p.H / 2u) * (p.W / 2u)) { return; }
  y[o] = x[window_argmax(window_of(o).x, p.W)];
}

@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

// One invocation per window: dx = dy at the window's argmax, 0 at its other three elements. When H or W
// is odd, the windows of the last row/column also zero the trailing row/column no window covers, so every
// element of dx is written exactly once.
@compute @workgroup_size(64)
fn maxpool2_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let Ho = p.H / 2u;
  let Wo = p.W / 2u;
  let o = linear_index(gid, nwg, 64u);
  if (o >= p.NC * Ho * Wo) { return; }
  let w = window_of(o);
  let base = w.x;
  let i = w.y;
  let j = w.z;
  let am = window_argmax(base, p.W);
  let g = dy[o];
  dx[base] = select(0.0, g, am == base);
  dx[base + 1u] = select(0.0, g, am == base + 1u);
  dx[base + p.W] = select(0.0, g, am == base + p.W);
  dx[base + p.W + 1u] = select(0.0, g, am == base + p.W + 1u);
  let odd_w = (p.W & 1u) == 1u && j == Wo - 1u;
  let odd_h = (p.H & 1u) == 1u && i == Ho - 1u;
  if (odd_w) {
    dx[base + 2u] = 0.0;
    dx[base + p.W + 2u] = 0.0;
  }
  if (odd_h) {
    dx[base + 2u * p.W] = 0.0;
    dx[base + 2u * p.W + 1u] = 0.0;
    if (odd_w) { dx[base + 2u * p.W + 2u] = 0.0; }
  }
}
