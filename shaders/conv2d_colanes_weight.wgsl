enable subgroups;

// conv2d_colanes_weight.wgsl — weight and bias gradients of a 3×3 stride-1 conv2d in the colanes design
// (conv2d_colanes.wgsl): a workgroup is 8 invocations, one per output channel co, for one input channel ci;
// each lane keeps the 9 taps of dW[co, ci] in registers and walks its slice of output rows:
//   dW[co, ci, ky, kx] = Σ_{n, oy, ox} dy[n, co, oy, ox] · x[n, ci, oy + ky − pad, ox + kx − pad]
// Per row and chunk of 8 output columns a lane loads its own 8 dy values (no value is loaded twice) and
// each input value is loaded by one lane and broadcast to all (subgroupBroadcast), so per-lane loads —
// lavapipe's expensive operation — are ~14 per 72 multiply-adds.
// Slot z = n·splits + split writes its partial sums: dwp[z, co, ci, tap], and (ci = 0 only) dbp[z, co];
// a sum over the slots follows (reduce.wgsl's sum_outer), as for conv2d_weight.wgsl.
// Grid: (C_in, ceil(C_out / 8), N · splits).

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

@compute @workgroup_size(8)
fn colanes_weight_k3s1(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) l: u32) {
  let ci = wid.x;
  let co = wid.y * 8u + l;
  let coc = min(co, p.C_out - 1u); // lanes past C_out read a valid channel and store nothing
  let n = wid.z / p.splits;
  let split = wid.z % p.splits;
  let oyBegin = split * p.rows_per_split;
  let oyEnd = min(oyBegin + p.rows_per_split, p.OH);
  let xplane = (n * p.C_in + ci) * p.H;
  let dplane = (n * p.C_out + coc) * p.OH;
  var a00 = 0.0; var a01 = 0.0; var a02 = 0.0;
  var a10 = 0.0; var a11 = 0.0; var a12 = 0.0;
  var a20 = 0.0; var a21 = 0.0; var a22 = 0.0;
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
      for (var ky = 0u; ky < 3u; ky++) {
        let iy = i32(oy + ky) - i32(p.pad);
        let v0 = x_at(xplane, iy, ix);
        let v1 = x_at(xplane, iy, ix + 8);
        var xr: array<f32, 10>;
        xr[0] = subgroupBroadcast(v0, 0u); xr[1] = subgroupBroadcast(v0, 1u); xr[2] = subgroupBroadcast(v0, 2u);
        xr[3] = subgroupBroadcast(v0, 3u); xr[4] = subgroupBroadcast(v0, 4u); xr[5] = subgroupBroadcast(v0, 5u);
        xr[6] = subgroupBroadcast(v0, 6u); xr[7] = subgroupBroadcast(v0, 7u);
        xr[8] = subgroupBroadcast(v1, 0u); xr[9] = subgroupBroadcast(v1, 1u);
        var s0 = 0.0; var s1 = 0.0; var s2 = 0.0;
        for (var j = 0u; j < 8u; j++) {
          s0 = fma(d[j], xr[j], s0);
          s1 = fma(d[j], xr[j + 1u], s1);
          s2 = fma(d[j], xr[j + 2u], s2);
        }
        if (ky == 0u) { a00 += s0; a01 += s1; a02 += s2; }
        else if (ky == 1u) { a10 += s0; a11 += s1; a12 += s2; }
        else { a20 += s0; a21 += s1; a22 += s2; }
      }
    }
  }
  if (co >= p.C_out) { return; }
  let o = (wid.z * p.C_out + co) * p.C_in * 9u + ci * 9u;
  dwp[o] = a00; dwp[o + 1u] = a01; dwp[o + 2u] = a02;
  dwp[o + 3u] = a10; dwp[o + 4u] = a11; dwp[o + 5u] = a12;
  dwp[o + 6u] = a20; dwp[o + 7u] = a21; dwp[o + 8u] = a22;
  if (ci == 0u) { dbp[wid.z * p.C_out + co] = db; }
}
