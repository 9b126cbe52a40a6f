// conv2d_lanes.wgsl — 3×3 (stride 1) and 1×1 conv2d with one output pixel per invocation and 8 output
// channels per workgroup row, a GPU-style design: neighbouring invocations are neighbouring pixels
// (coalesced input loads) and the channel block comes from workgroup_id, so every weight load has one
// address for the whole workgroup (a broadcast on GPUs): 8 multiply-adds per input value. On lavapipe,
// which runs 8 invocations per AVX2 vector, it measured 2.2× slower than the 'blocked' kernels for a whole
// tiny training step (2026-12-01); it is kept for GPUs, and autotune decides per adapter.
// Weights are packed by conv2d_blocked's `pack` / `pack_flip` (4 output channels per vec4), so with
// pack_flip the 3×3 kernel computes the stride-1 input gradient like the blocked one does.
// Grid: (ceil(OH·OW / 64), ceil(C_out / 8), N).

struct ConvL {
  N: u32, C_in: u32, H: u32, W: u32,
  C_out: u32, OH: u32, OW: u32,
  pad: u32, has_bias: u32,
}

@group(0) @binding(0) var<uniform> p: ConvL;
@group(0) @binding(1) var<storage, read> x: array<f32>;        // [N, C_in, H, W]
@group(0) @binding(2) var<storage, read> wt4: array<vec4f>;    // packed [C_in·K·K, Co4]
@group(0) @binding(3) var<storage, read> bias: array<f32>;     // [C_out] (unread when has_bias = 0)
@group(0) @binding(4) var<storage, read_write> y: array<f32>;  // [N, C_out, OH, OW]

fn lane_bias4(cb: u32) -> vec4f {
  if (p.has_bias == 0u) { return vec4f(0.0); }
  let c0 = cb * 4u;
  let last = p.C_out - 1u;
  return vec4f(bias[min(c0, last)], bias[min(c0 + 1u, last)], bias[min(c0 + 2u, last)], bias[min(c0 + 3u, last)]);
}

// Output channels cb8·8 … cb8·8 + 7 of pixel `pix` (those past C_out are not stored).
fn lane_store8(n: u32, cb8: u32, pix: u32, lo: vec4f, hi: vec4f) {
  let plane = p.OH * p.OW;
  let co0 = cb8 * 8u;
  for (var j = 0u; j < 4u; j++) {
    if (co0 + j < p.C_out) { y[(n * p.C_out + co0 + j) * plane + pix] = lo[j]; }
    if (co0 + 4u + j < p.C_out) { y[(n * p.C_out + co0 + 4u + j) * plane + pix] = hi[j]; }
  }
}

// No early return for the invocations past the plane: they compute the last pixel again and skip the
// store, so the channel loop stays in uniform control flow, where a compiler may turn the uniform weight
// loads into scalar ones (on lavapipe this measured no faster: 2.2× slower than 'blocked' either way).
@compute @workgroup_size(64)
fn lanes_k3s1(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let plane = p.OH * p.OW;
  let pix = min(wid.x * 64u + lid, plane - 1u);
  let oy = pix / p.OW;
  let ox = pix % p.OW;
  let co4 = (p.C_out + 3u) / 4u;
  // The two vec4 blocks of this workgroup's 8 channels (the second clamped when C_out ends in the first).
  let cbA = wid.y * 2u;
  let cbB = min(cbA + 1u, co4 - 1u);
  var a = lane_bias4(cbA);
  var b = lane_bias4(cbA + 1u);
  // The 3×3 window's offsets in a plane, clamped into it, and 0/1 masks that zero the padding taps.
  let iy = i32(oy) - i32(p.pad);
  let ix = i32(ox) - i32(p.pad);
  let hi = i32(p.H) - 1;
  let wi = i32(p.W) - 1;
  let r0 = u32(clamp(iy, 0, hi)) * p.W;
  let r1 = u32(clamp(iy + 1, 0, hi)) * p.W;
  let r2 = u32(clamp(iy + 2, 0, hi)) * p.W;
  let c0 = u32(clamp(ix, 0, wi));
  let c1 = u32(clamp(ix + 1, 0, wi));
  let c2 = u32(clamp(ix + 2, 0, wi));
  let my0 = select(0.0, 1.0, iy >= 0 && iy <= hi);
  let my1 = select(0.0, 1.0, iy + 1 >= 0 && iy + 1 <= hi);
  let my2 = select(0.0, 1.0, iy + 2 >= 0 && iy + 2 <= hi);
  let mx0 = select(0.0, 1.0, ix >= 0 && ix <= wi);
  let mx1 = select(0.0, 1.0, ix + 1 >= 0 && ix + 1 <= wi);
  let mx2 = select(0.0, 1.0, ix + 2 >= 0 && ix + 2 <= wi);
  let m00 = my0 * mx0; let m01 = my0 * mx1; let m02 = my0 * mx2;
  let m10 = my1 * mx0; let m11 = my1 * mx1; let m12 = my1 * mx2;
  let m20 = my2 * mx0; let m21 = my2 * mx1; let m22 = my2 * mx2;
  let planeSize = p.H * p.W;
  var base = wid.z * p.C_in * planeSize;
  var k = 0u; // packed row of tap (ci, 0, 0), times co4
  let kstep = 9u * co4;
  for (var ci = 0u; ci < p.C_in; ci++) {
    let x00 = x[base + r0 + c0] * m00; let x01 = x[base + r0 + c1] * m01; let x02 = x[base + r0 + c2] * m02;
    let x10 = x[base + r1 + c0] * m10; let x11 = x[base + r1 + c1] * m11; let x12 = x[base + r1 + c2] * m12;
    let x20 = x[base + r2 + c0] * m20; let x21 = x[base + r2 + c1] * m21; let x22 = x[base + r2 + c2] * m22;
    a += wt4[k + cbA] * x00 + wt4[k + co4 + cbA] * x01 + wt4[k + 2u * co4 + cbA] * x02
       + wt4[k + 3u * co4 + cbA] * x10 + wt4[k + 4u * co4 + cbA] * x11 + wt4[k + 5u * co4 + cbA] * x12
       + wt4[k + 6u * co4 + cbA] * x20 + wt4[k + 7u * co4 + cbA] * x21 + wt4[k + 8u * co4 + cbA] * x22;
    b += wt4[k + cbB] * x00 + wt4[k + co4 + cbB] * x01 + wt4[k + 2u * co4 + cbB] * x02
       + wt4[k + 3u * co4 + cbB] * x10 + wt4[k + 4u * co4 + cbB] * x11 + wt4[k + 5u * co4 + cbB] * x12
       + wt4[k + 6u * co4 + cbB] * x20 + wt4[k + 7u * co4 + cbB] * x21 + wt4[k + 8u * co4 + cbB] * x22;
    base += planeSize;
    k += kstep;
  }
  if (wid.x * 64u + lid < plane) { lane_store8(wid.z, wid.y, pix, a, b); }
}

@compute @workgroup_size(64)
fn lanes_k1(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let plane = p.OH * p.OW;
  let pix = min(wid.x * 64u + lid, plane - 1u);
  let co4 = (p.C_out + 3u) / 4u;
  let cbA = wid.y * 2u;
  let cbB = min(cbA + 1u, co4 - 1u);
  var a = lane_bias4(cbA);
  var b = lane_bias4(cbA + 1u);
  let planeSize = p.H * p.W;
  var base = wid.z * p.C_in * planeSize + pix;
  var ci = 0u;
  // Four input channels per round, then the rest.
  for (; ci + 4u <= p.C_in; ci += 4u) {
    let x0 = x[base]; let x1 = x[base + planeSize]; let x2 = x[base + 2u * planeSize]; let x3 = x[base + 3u * planeSize];
    let k = ci * co4;
    a += wt4[k + cbA] * x0 + wt4[k + co4 + cbA] * x1 + wt4[k + 2u * co4 + cbA] * x2 + wt4[k + 3u * co4 + cbA] * x3;
    b += wt4[k + cbB] * x0 + wt4[k + co4 + cbB] * x1 + wt4[k + 2u * co4 + cbB] * x2 + wt4[k + 3u * co4 + cbB] * x3;
    base += 4u * planeSize;
  }
  for (; ci < p.C_in; ci++) {
    let xv = x[base];
    a += wt4[ci * co4 + cbA] * xv;
    b += wt4[ci * co4 + cbB] * xv;
    base += planeSize;
  }
  if (wid.x * 64u + lid < plane) { lane_store8(wid.z, wid.y, pix, a, b); }
}
