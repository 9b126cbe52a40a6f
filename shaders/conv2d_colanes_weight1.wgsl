enable subgroups;

// conv2d_colanes_weight1.wgsl — weight and bias gradients of a 1×1 stride-1 conv2d (pad 0) in the colanes
// design (conv2d_colanes.wgsl): a workgroup is 8 invocations, lane l owning output channels b·8·CO_LANE + l
// (and + 8 when CO_LANE = 2), for CBW input channels:
//   dW[co, ci] = Σ_{n, q} dy[n, co, q] · x[n, ci, q]   (q: position in the P = H·W plane)
// Per 8 positions a lane loads its 8·CO_LANE dy values, and each of the CBW input channels' 8 values is
// loaded once, one per lane, and handed to all lanes by subgroupShuffle: at 2 and 16, 32 per-lane loads —
// lavapipe's expensive operation — for 256 multiply-adds per lane (conv2d_weight.wgsl's weight_k1: 8 loads
// for 16). The pipeline constants fit the channel counts: CO_LANE = 1 where C_out ≤ 8, CBW = 8 where 16
// would leave half a block idle (lavapipe, 2026-12-03: two channels per lane at C_out = 8 ran 0.57× the
// register kernel; at 16 or more 1.6–2.2× it). Slot z = group·splits + split sums images group·images_per_slot … over positions
// [split·positions_per_split, + positions_per_split) and writes dwp[z, co, ci] and (first block only)
// dbp[z, co]; reduce.ts's sumOuter adds the slots. Grid: (ceil(C_in / CBW), ceil(C_out / (8·CO_LANE)), slots).

struct ConvW1 {
  N: u32, C_in: u32, P: u32, C_out: u32,
  splits: u32, positions_per_split: u32, images_per_slot: u32,
}

@group(0) @binding(0) var<uniform> p: ConvW1;
@group(0) @binding(1) var<storage, read> gy: array<f32>;        // dy [N, C_out, P]
@group(0) @binding(2) var<storage, read> xin: array<f32>;       // x [N, C_in, P]
@group(0) @binding(3) var<storage, read_write> dwp: array<f32>; // [slots, C_out, C_in]
@group(0) @binding(4) var<storage, read_write> dbp: array<f32>; // [slots, C_out]

// Output channels per lane (1 or 2) and input channels per workgroup (≤ MAX_CB; one accumulator each per
// lane and output channel).
override CO_LANE: u32 = 2u;
override CBW: u32 = 16u;
const MAX_CB = 16u;

// Σ_j d[j] · (lane j's v), as one expression (each accumulator written once per 8 positions).
fn dot8(d: array<f32, 8>, v: f32, acc: f32) -> f32 {
  return fma(d[7], subgroupShuffle(v, 7u), fma(d[6], subgroupShuffle(v, 6u), fma(d[5], subgroupShuffle(v, 5u),
    fma(d[4], subgroupShuffle(v, 4u), fma(d[3], subgroupShuffle(v, 3u), fma(d[2], subgroupShuffle(v, 2u),
    fma(d[1], subgroupShuffle(v, 1u), fma(d[0], subgroupShuffle(v, 0u), acc))))))));
}

fn sum8(d: array<f32, 8>) -> f32 {
  return ((d[0] + d[1]) + (d[2] + d[3])) + ((d[4] + d[5]) + (d[6] + d[7]));
}

// dy of the channel plane starting at `plane` at positions q0 … q0 + 7 (zero from qEnd on).
fn dy8(plane: u32, q0: u32, qEnd: u32) -> array<f32, 8> {
  var d: array<f32, 8>;
  for (var j = 0u; j < 8u; j++) { d[j] = select(0.0, gy[plane + min(q0 + j, qEnd - 1u)], q0 + j < qEnd); }
  return d;
}

@compute @workgroup_size(8)
fn colanes_weight_k1(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) l: u32) {
  let ci0 = wid.x * CBW;
  let coa = wid.y * 8u * CO_LANE + l;
  let cob = select(p.C_out, coa + 8u, CO_LANE == 2u); // C_out (stores nothing) when a lane has one channel
  let n0 = (wid.z / p.splits) * p.images_per_slot;
  let n1 = min(n0 + p.images_per_slot, p.N);
  let qBegin = (wid.z % p.splits) * p.positions_per_split;
  let qEnd = min(qBegin + p.positions_per_split, p.P);
  var acca: array<f32, MAX_CB>;
  var accb: array<f32, MAX_CB>;
  var dba = 0.0;
  var dbb = 0.0;
  for (var n = n0; n < n1; n++) {
    // Lanes past C_out read a valid channel and store nothing.
    let planeA = (n * p.C_out + min(coa, p.C_out - 1u)) * p.P;
    let planeB = (n * p.C_out + min(cob, p.C_out - 1u)) * p.P;
    let xn = n * p.C_in * p.P;
    for (var q0 = qBegin; q0 < qEnd; q0 += 8u) {
      let da = dy8(planeA, q0, qEnd);
      dba += sum8(da);
      var db: array<f32, 8>;
      if (CO_LANE == 2u) {
        db = dy8(planeB, q0, qEnd);
        dbb += sum8(db);
      }
      // Lane l loads position q0 + l of each input channel (zero from qEnd on, where dy is zero too: an
      // Inf there would make NaN); channels past C_in read the last one and store nothing.
      let q = min(q0 + l, qEnd - 1u);
      let inside = q0 + l < qEnd;
      for (var c = 0u; c < CBW; c++) {
        let v = select(0.0, xin[xn + min(ci0 + c, p.C_in - 1u) * p.P + q], inside);
        acca[c] = dot8(da, v, acca[c]);
        if (CO_LANE == 2u) { accb[c] = dot8(db, v, accb[c]); }
      }
    }
  }
  for (var c = 0u; c < CBW; c++) {
    let ci = ci0 + c;
    if (ci >= p.C_in) { break; }
    if (coa < p.C_out) { dwp[(wid.z * p.C_out + coa) * p.C_in + ci] = acca[c]; }
    if (cob < p.C_out) { dwp[(wid.z * p.C_out + cob) * p.C_in + ci] = accb[c]; }
  }
  if (wid.x == 0u) {
    if (coa < p.C_out) { dbp[wid.z * p.C_out + coa] = dba; }
    if (cob < p.C_out) { dbp[wid.z * p.C_out + cob] = dbb; }
  }
}
