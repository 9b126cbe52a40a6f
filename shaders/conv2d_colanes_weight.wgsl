enable subgroups;

// conv2d_colanes_weight.wgsl — weight and bias gradients of a 3×3 stride-1 conv2d in the colanes design
// (conv2d_colanes.wgsl): a workgroup is 8 invocations, one per output channel co, for one input channel ci;
// for CB input channels; each lane keeps the CB·9 taps of dW[co, ci] and walks its slice of output rows:
//   dW[co, ci, ky, kx] = Σ_{n, oy, ox} dy[n, co, oy, ox] · x[n, ci, oy + ky − pad, ox + kx − pad]
// Per row and chunk of 8 output columns a lane loads its own 8 dy values (no value is loaded twice) and
// each input value is loaded by one lane and broadcast to all (subgroupBroadcast), so per-lane loads —
// lavapipe's expensive operation — are 8 + 6·CB per 72·CB multiply-adds.
// Slot z = n·splits + split writes its partial sums: dwp[z, co, ci, tap], and (first block only) dbp[z, co];
// a sum over the slots follows (reduce.wgsl's sum_outer), as for conv2d_weight.wgsl.
// Grid: (ceil(C_in / CB), ceil(C_out / 8), N · splits).

struct ConvWC {
  N: u32, C_in: u32, H: u32, W: u32,
  C_out: u32, OH: u32, OW: u32,
  pad: u32, splits: u32, rows_per_split: u32,
}

@group(0) @binding(0) var<uniform> p: ConvWC;
@group(0) @binding(1) var<storage, read> gy: array<f32>;        // dy [N, C_out, OH, OW]
@group(0) @binding(2) var<storage, read> xin: array<f32>;       // x [N, C_in, H, W]
@group(0) @binding(3) var<storage, read_write> dwp: array<f32>; // [N·splits, C_out, C_in, 3, 3]
@group(0) @binding(4) var<storage, read_write> dbp: array<f32>; // [N·splits, C_out]

// x[n, ci] at (iy, ix), zero outside the image.
fn x_at(plane: u32, iy: i32, ix: i32) -> f32 {
  let inside = iy >= 0 && iy < i32(p.H) && ix >= 0 && ix < i32(p.W);
  let cy = u32(clamp(iy, 0, i32(p.H) - 1));
  let cx = u32(clamp(ix, 0, i32(p.W) - 1));
  return select(0.0, xin[(plane + cy) * p.W + cx], inside);
}

// Input channels per workgroup (the four accumulate calls below): the dy values a lane loads serve CB·9
// accumulators (spilled accumulators cost a stack access, far less than a per-lane load).
const CB = 4u;

// Row start of x[n, ci] (ci clamped: a block past C_in computes a valid channel and stores nothing).
fn x_plane(n: u32, ci: u32) -> u32 {
  return (n * p.C_in + min(ci, p.C_in - 1u)) * p.H;
}

// acc[ky·3 + kx] += Σ_j d[j] · x[iy = oy + ky − pad, column c0 − pad + j + kx]; ix = c0 − pad + lane.
fn accumulate(acc: ptr<function, array<f32, 9>>, d: array<f32, 8>, xplane: u32, oy: u32, ix: i32) {
  for (var ky = 0u; ky < 3u; ky++) {
    let iy = i32(oy + ky) - i32(p.pad);
    let v0 = x_at(xplane, iy, ix);
    let v1 = x_at(xplane, iy, ix + 8);
    var xr: array<f32, 10>;
    xr[0] = subgroupBroadcast(v0, 0u); xr[1] = subgroupBroadcast(v0, 1u); xr[2] = subgroupBroadcast(v0, 2u);
    xr[3] = subgroupBroadcast(v0, 3u); xr[4] = subgroupBroadcast(v0, 4u); xr[5] = subgroupBroadcast(v0, 5u);
    xr[6] = subgroupBroadcast(v0, 6u); xr[7] = subgroupBroadcast(v0, 7u);
    xr[8] = subgroupBroadcast(v1, 0u); xr[9] = subgroupBroadcast(v1, 1u);
    for (var kx = 0u; kx < 3u; kx++) {
      var sum = (*acc)[ky * 3u + kx];
      for (var j = 0u; j < 8u; j++) { sum = fma(d[j], xr[j + kx], sum); }
      (*acc)[ky * 3u + kx] = sum;
    }
  }
}

fn store_taps(acc: array<f32, 9>, slot: u32, co: u32, ci: u32) {
  if (ci >= p.C_in) { return; }
  let o = ((slot * p.C_out + co) * p.C_in + ci) * 9u;
  for (var t = 0u; t < 9u; t++) { dwp[o + t] = acc[t]; }
}

@compute @workgroup_size(8)
fn colanes_weight_k3s1(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) l: u32) {
  let ci0 = wid.x * CB;
  let co = wid.y * 8u + l;
  let coc = min(co, p.C_out - 1u); // lanes past C_out read a valid channel and store nothing
  let n = wid.z / p.splits;
  let split = wid.z % p.splits;
  let oyBegin = split * p.rows_per_split;
  let oyEnd = min(oyBegin + p.rows_per_split, p.OH);
  let dplane = (n * p.C_out + coc) * p.OH;
  var acc0: array<f32, 9>; var acc1: array<f32, 9>; var acc2: array<f32, 9>; var acc3: array<f32, 9>;
  var db = 0.0;
  for (var oy = oyBegin; oy < oyEnd; oy++) {
    let drow = (dplane + oy) * p.OW;
    for (var c0 = 0u; c0 < p.OW; c0 += 8u) {
      // This lane's dy at columns c0 … c0 + 7 (zero past the row's end).
      var d: array<f32, 8>;
      for (var j = 0u; j < 8u; j++) {
        d[j] = select(0.0, gy[drow + min(c0 + j, p.OW - 1u)], c0 + j < p.OW);
        db += d[j];
      }
      // Input columns c0 − pad … c0 − pad + 9 of rows oy − pad + ky: lane l holds column c0 − pad + l
      // (and c0 − pad + 8 + l in the second value, lanes 0 and 1 used).
      let ix = i32(c0) - i32(p.pad) + i32(l);
      // One call per input channel of the block, each with its own accumulator array: constant indices
      // keep them out of per-lane scratch memory.
      accumulate(&acc0, d, x_plane(n, ci0), oy, ix);
      accumulate(&acc1, d, x_plane(n, ci0 + 1u), oy, ix);
      accumulate(&acc2, d, x_plane(n, ci0 + 2u), oy, ix);
      accumulate(&acc3, d, x_plane(n, ci0 + 3u), oy, ix);
    }
  }
  if (co >= p.C_out) { return; }
  store_taps(acc0, wid.z, co, ci0);
  store_taps(acc1, wid.z, co, ci0 + 1u);
  store_taps(acc2, wid.z, co, ci0 + 2u);
  store_taps(acc3, wid.z, co, ci0 + 3u);
  if (wid.x == 0u) { dbp[wid.z * p.C_out + co] = db; }
}
