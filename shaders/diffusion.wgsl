// diffusion.wgsl — the fused kernels of the diffusion process itself.
//   q_sample:     x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε with ε ~ N(0, I) drawn here; the loss target is kept:
//                 ε itself, or v = √ᾱ_t·ε − √(1−ᾱ_t)·x_0 for v-prediction (Salimans & Ho 2022).
//   sampler_step: one DDPM or DDIM update x_t → x_prev, in place, from the model output (optionally
//                 classifier-free guided), drawing z here. Coefficients come from the CPU in float64:
//     ε-prediction: ε̂ = out,  x̂_0 = (x_t − √(1−ᾱ_t)·ε̂) / √ᾱ_t
//     v-prediction: x̂_0 = √ᾱ_t·x_t − √(1−ᾱ_t)·v̂,  ε̂ = √ᾱ_t·v̂ + √(1−ᾱ_t)·x_t
//     x̂_0 clamped to [−clip_range, clip_range] when clip = 1
//     x_prev = coef_x0·x̂_0 + coef_xt·x_t + coef_eps·ε̂ + sigma·z
//   DDPM: coef_x0 = √ᾱ_prev·β̃_t/(1−ᾱ_t), coef_xt = √(ᾱ_t/ᾱ_prev)·(1−ᾱ_prev)/(1−ᾱ_t), coef_eps = 0.
//   DDIM: coef_x0 = √ᾱ_prev, coef_xt = 0, coef_eps = √(1−ᾱ_prev−σ²).
//   Multistep solvers (DPM-Solver++ 2M) add coef_hist·x̂_0 of the previous step, kept in `hist`; Euler and
//   DPM-Solver++ work in σ-space, and src/diffusion/solvers.ts maps their updates onto these coefficients
//   with x kept in the variance-preserving space the model reads.
//   Inpainting: where mask = 0 the result is replaced by the known image noised to the step's target level,
//   √ᾱ_target·known + √(1−ᾱ_target)·z' (RePaint), so the final step (ᾱ = 1) returns the known pixels.
//   renoise:      x ← coef_xt·x + sigma·z, the jump back up one step of RePaint's resampling.

struct QSample {
  N: u32,
  S: u32,        // elements per sample
  seed: u32,
  stream: u32,
  v_target: u32, // 1: the target is v (v-prediction), 0: ε
}

@group(0) @binding(0) var<uniform> p: QSample;
@group(0) @binding(1) var<storage, read> x0: array<f32>;      // [N, S]
@group(0) @binding(2) var<storage, read> t: array<u32>;       // [N]
@group(0) @binding(3) var<storage, read> sched: array<f32>;   // [T, 2]: √ᾱ_t, √(1−ᾱ_t)
@group(0) @binding(4) var<storage, read> state: array<u32>;   // GPU step counter
@group(0) @binding(5) var<storage, read_write> xt: array<f32>;
@group(0) @binding(6) var<storage, read_write> eps: array<f32>;      // the loss target (ε or v)

@compute @workgroup_size(64)
fn q_sample(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let blk = linear_index(gid, nwg, 64u);
  let total = p.N * p.S;
  if (blk * 4u >= total) { return; }
  let z = normal4(vec4u(blk, 0u, 0u, 0u), vec2u(p.seed, p.stream ^ (state[0] * 0x9E3779B9u)));
  for (var l = 0u; l < 4u; l++) {
    let i = blk * 4u + l;
    if (i >= total) { break; }
    let ti = t[i / p.S];
    let sa = sched[2u * ti];
    let s1ma = sched[2u * ti + 1u];
    eps[i] = select(z[l], sa * z[l] - s1ma * x0[i], p.v_target != 0u);
    xt[i] = sa * x0[i] + s1ma * z[l];
  }
}

struct Step {
  n: u32,          // elements of x (N·S)
  S: u32,          // elements per sample (the dynamic threshold is per sample)
  cfg: u32,        // 1: eps holds [cond (n); uncond (n)] and is guided
  guidance: f32,   // ε̂ = ε_u + guidance·(ε_c − ε_u)
  sqrt_a: f32,     // √ᾱ_t
  sqrt_1ma: f32,   // √(1−ᾱ_t)
  coef_x0: f32,
  coef_xt: f32,
  coef_eps: f32,
  sigma: f32,
  clip: u32,       // 1: clamp x̂_0 (static: to ±clip_range; dynamic entry: to ±s, then ÷ s)
  clip_range: f32, // static: the bound; dynamic: the largest s allowed (diffusers' sample_max_value)
  recompute_eps: u32, // 1: ε̂ ← (x_t − √ᾱ_t·x̂_0)/√(1−ᾱ_t) after clipping (diffusers' use_clipped_model_output)
  quantile: f32,   // dynamic: s = clamp(quantile_q(|x̂_0|) of the sample, 1, clip_range)
  seed: u32,
  step: u32,       // index of this sampler step (keys the noise)
  pred_v: u32,     // 1: the model predicts v, 0: ε
  coef_hist: f32,  // weight of the previous step's x̂_0 (multistep solvers; 0 reads nothing)
  store_hist: u32, // 1: keep this step's x̂_0 in hist for the next step
  inpaint: u32,    // 1: blend with the known image where mask = 0
  tgt_sqrt_a: f32,   // √ᾱ of the level this step lands on (the known image is noised to it)
  tgt_sqrt_1ma: f32, // √(1−ᾱ) of that level
}

@group(0) @binding(0) var<uniform> ps: Step;
@group(0) @binding(1) var<storage, read> eps_hat: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> hist: array<f32>;  // [n] previous x̂_0 (unused slot: any buffer)
@group(0) @binding(4) var<storage, read> known: array<f32>;       // [n] inpainting: the known image in [−1, 1]
@group(0) @binding(5) var<storage, read> mask: array<f32>;        // [n] 1 = regenerate, 0 = keep known

// The model output for element i, guided when cfg = 1 (guidance is affine, so guiding v̂ guides ε̂ alike).
fn guided_out(gi: u32) -> f32 {
  var e = eps_hat[gi];
  if (ps.cfg != 0u) {
    let eu = eps_hat[ps.n + gi];
    e = eu + ps.guidance * (e - eu);
  }
  return e;
}

// (ε̂, unbounded x̂_0) of element i at x_t = xv. x̂_0 from v̂ directly: no division by √ᾱ_t, which is
// near 0 at the noisiest steps of the cosine schedule.
fn predict(gi: u32, xv: f32) -> vec2f {
  let o = guided_out(gi);
  if (ps.pred_v != 0u) { return vec2f(ps.sqrt_a * o + ps.sqrt_1ma * xv, ps.sqrt_a * xv - ps.sqrt_1ma * o); }
  return vec2f(o, (xv - ps.sqrt_1ma * o) / ps.sqrt_a);
}

// The update of element i from x_t, ε̂ and the (already clipped or thresholded) x̂_0, with the step's noise
// zi and, when inpainting, the noise zk of the known image; keeps x̂_0 for a multistep solver's next step.
fn step_value(i: u32, xv: f32, e_in: f32, x0_hat: f32, zi: f32, zk: f32) -> f32 {
  var e = e_in;
  if (ps.recompute_eps != 0u) { e = (xv - ps.sqrt_a * x0_hat) / ps.sqrt_1ma; }
  var v = ps.coef_x0 * x0_hat + ps.coef_xt * xv + ps.coef_eps * e + ps.sigma * zi;
  if (ps.coef_hist != 0.0) { v += ps.coef_hist * hist[i]; }
  if (ps.store_hist != 0u) { hist[i] = x0_hat; }
  if (ps.inpaint != 0u) { v = mix(ps.tgt_sqrt_a * known[i] + ps.tgt_sqrt_1ma * zk, v, mask[i]); }
  return v;
}

// Noise for element i: lane i % 4 of Philox block i / 4, one stream per use (the same numbers in every
// entry): 2 the step's z, 3 the known image's z' (inpainting), 4 renoise.
fn noise4(blk: u32, stream: u32) -> vec4f {
  return normal4(vec4u(blk, stream, 0u, 0u), vec2u(ps.seed, ps.step * 0x9E3779B9u));
}
fn step_noise4(blk: u32) -> vec4f {
  if (ps.sigma > 0.0) { return noise4(blk, 2u); }
  return vec4f(0.0);
}
fn known_noise4(blk: u32) -> vec4f {
  if (ps.inpaint != 0u && ps.tgt_sqrt_1ma > 0.0) { return noise4(blk, 3u); }
  return vec4f(0.0);
}

@compute @workgroup_size(64)
fn sampler_step(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let blk = linear_index(gid, nwg, 64u);
  if (blk * 4u >= ps.n) { return; }
  let z = step_noise4(blk);
  let zk = known_noise4(blk);
  for (var l = 0u; l < 4u; l++) {
    let i = blk * 4u + l;
    if (i >= ps.n) { break; }
    let xv = x[i];
    let pr = predict(i, xv);
    var x0_hat = pr.y;
    if (ps.clip != 0u) { x0_hat = clamp(x0_hat, -ps.clip_range, ps.clip_range); }
    x[i] = step_value(i, xv, pr.x, x0_hat, z[l], zk[l]);
  }
}

// RePaint's jump back: x_t = √(ᾱ_t/ᾱ_prev)·x_prev + √(1 − ᾱ_t/ᾱ_prev)·z (coef_xt and sigma).
@compute @workgroup_size(64)
fn renoise(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let blk = linear_index(gid, nwg, 64u);
  if (blk * 4u >= ps.n) { return; }
  let z = noise4(blk, 4u);
  for (var l = 0u; l < 4u; l++) {
    let i = blk * 4u + l;
    if (i >= ps.n) { break; }
    x[i] = ps.coef_xt * x[i] + ps.sigma * z[l];
  }
}

// ---- Dynamic thresholding (Imagen; diffusers' thresholding=True): one workgroup per sample finds the
// q-quantile of |x̂_0| over the sample exactly (torch.quantile's linear interpolation between the order
// statistics ⌊q(S−1)⌋ and the next), then clamps x̂_0 to ±s and divides by s.
// Order statistics by bisection on the bit pattern: for non-negative finite floats the u32 bits are ordered
// like the values, so 31 halvings of [0, 0x7f800000] find the smallest bits b with #{|x̂_0| ≤ b} ≥ k + 1.
var<workgroup> dyn_count: atomic<u32>;
var<workgroup> dyn_min: atomic<u32>;

fn abs_x0_bits(gi: u32) -> u32 {
  return bitcast<u32>(abs(predict(gi, x[gi]).y));
}

// #{elements of sample `base` with |x̂_0| bits ≤ b}, the same value in every invocation.
fn count_le(base: u32, lid: u32, b: u32) -> u32 {
  if (lid == 0u) { atomicStore(&dyn_count, 0u); }
  workgroupBarrier();
  var c = 0u;
  for (var j = lid; j < ps.S; j += 64u) { c += select(0u, 1u, abs_x0_bits(base + j) <= b); }
  atomicAdd(&dyn_count, c);
  workgroupBarrier();
  let total = atomicLoad(&dyn_count);
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(64)
fn sampler_step_dynamic(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let base = wid.x * ps.S;
  let pos = ps.quantile * f32(ps.S - 1u);
  let k = min(u32(floor(pos)), ps.S - 1u);
  let frac = pos - f32(k);
  var lo = 0u;
  var hi = 0x7f800000u;
  for (var it = 0u; it < 31u; it++) {
    let mid = lo + (hi - lo) / 2u;
    let enough = count_le(base, lid, mid) >= k + 1u;
    hi = select(hi, mid, enough);
    lo = select(mid + 1u, lo, enough);
  }
  let vk = bitcast<f32>(lo);
  // Order statistic k + 1: the same value if it repeats, else the smallest value above it.
  let repeats = count_le(base, lid, lo) >= k + 2u;
  if (lid == 0u) { atomicStore(&dyn_min, 0x7f800000u); }
  workgroupBarrier();
  var m = 0x7f800000u;
  for (var j = lid; j < ps.S; j += 64u) {
    let b = abs_x0_bits(base + j);
    if (b > lo) { m = min(m, b); }
  }
  atomicMin(&dyn_min, m);
  workgroupBarrier();
  var vk1 = bitcast<f32>(atomicLoad(&dyn_min));
  if (repeats || k + 1u >= ps.S) { vk1 = vk; }
  let s = clamp(vk + frac * (vk1 - vk), 1.0, ps.clip_range);
  // Every invocation has read x; only now is it overwritten.
  storageBarrier();
  workgroupBarrier();
  for (var j = lid; j < ps.S; j += 64u) {
    let i = base + j;
    let xv = x[i];
    let pr = predict(i, xv);
    let x0_hat = clamp(pr.y, -s, s) / s;
    x[i] = step_value(i, xv, pr.x, x0_hat, step_noise4(i / 4u)[i % 4u], known_noise4(i / 4u)[i % 4u]);
  }
}
