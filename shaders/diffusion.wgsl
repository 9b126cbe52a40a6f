// diffusion.wgsl — the fused kernels of the diffusion process itself.
//   q_sample:     x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε with ε ~ N(0, I) drawn here and kept (the loss target).
//   sampler_step: one DDPM or DDIM update x_t → x_prev, in place, from the predicted ε̂ (optionally
//                 classifier-free guided), drawing z here. Coefficients come from the CPU in float64:
//     x̂_0    = (x_t − √(1−ᾱ_t)·ε̂) / √ᾱ_t, clamped to [−clip_range, clip_range] when clip = 1
//     x_prev = coef_x0·x̂_0 + coef_xt·x_t + coef_eps·ε̂ + sigma·z
//   DDPM: coef_x0 = √ᾱ_prev·β̃_t/(1−ᾱ_t), coef_xt = √(ᾱ_t/ᾱ_prev)·(1−ᾱ_prev)/(1−ᾱ_t), coef_eps = 0.
//   DDIM: coef_x0 = √ᾱ_prev, coef_xt = 0, coef_eps = √(1−ᾱ_prev−σ²).

struct QSample {
  N: u32,
  S: u32,        // elements per sample
  seed: u32,
  stream: u32,
}

@group(0) @binding(0) var<uniform> p: QSample;
@group(0) @binding(1) var<storage, read> x0: array<f32>;      // [N, S]
@group(0) @binding(2) var<storage, read> t: array<u32>;       // [N]
@group(0) @binding(3) var<storage, read> sched: array<f32>;   // [T, 2]: √ᾱ_t, √(1−ᾱ_t)
@group(0) @binding(4) var<storage, read> state: array<u32>;   // GPU step counter
@group(0) @binding(5) var<storage, read_write> xt: array<f32>;
@group(0) @binding(6) var<storage, read_write> eps: array<f32>;

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
    eps[i] = z[l];
    xt[i] = sched[2u * ti] * x0[i] + sched[2u * ti + 1u] * z[l];
  }
}

struct Step {
  n: u32,          // elements of x (N·S)
  cfg: u32,        // 1: eps holds [cond (n); uncond (n)] and is guided
  guidance: f32,   // ε̂ = ε_u + guidance·(ε_c − ε_u)
  sqrt_a: f32,     // √ᾱ_t
  sqrt_1ma: f32,   // √(1−ᾱ_t)
  coef_x0: f32,
  coef_xt: f32,
  coef_eps: f32,
  sigma: f32,
  clip: u32,
  clip_range: f32,
  seed: u32,
  step: u32,       // index of this sampler step (keys the noise)
}

@group(0) @binding(0) var<uniform> ps: Step;
@group(0) @binding(1) var<storage, read> eps_hat: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(64)
fn sampler_step(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let blk = linear_index(gid, nwg, 64u);
  if (blk * 4u >= ps.n) { return; }
  var z = vec4f(0.0);
  if (ps.sigma > 0.0) { z = normal4(vec4u(blk, 2u, 0u, 0u), vec2u(ps.seed, ps.step * 0x9E3779B9u)); }
  for (var l = 0u; l < 4u; l++) {
    let i = blk * 4u + l;
    if (i >= ps.n) { break; }
    var e = eps_hat[i];
    if (ps.cfg != 0u) {
      let eu = eps_hat[ps.n + i];
      e = eu + ps.guidance * (e - eu);
    }
    let xt = x[i];
    var x0_hat = (xt - ps.sqrt_1ma * e) / ps.sqrt_a;
    if (ps.clip != 0u) { x0_hat = clamp(x0_hat, -ps.clip_range, ps.clip_range); }
    x[i] = ps.coef_x0 * x0_hat + ps.coef_xt * xt + ps.coef_eps * e + ps.sigma * z[l];
  }
}
