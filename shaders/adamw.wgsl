// adamw.wgsl — one dispatch updates every parameter of a model held in one flat buffer (AdamW, decoupled
// weight decay, bias-corrected), and the EMA of the weights. The step t comes from the GPU step counter
// state[0] (≥ 1), so nothing is written from the CPU per step — the learning-rate schedule is computed here
// from t too: linear warm-up over the first `warmup` steps, then (when decay_end > decay_start) a cosine
// from lr at decay_start down to lr·min_factor at decay_end, flat after it.

struct Adam {
  n: u32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weight_decay: f32,
  warmup: u32,
  decay_start: u32,
  decay_end: u32,
  min_factor: f32,
}

// The learning rate at step t (≥ 1).
fn scheduled_lr(t: u32) -> f32 {
  var f = 1.0;
  if (p.warmup > 0u) { f = min(1.0, f32(t) / f32(p.warmup)); }
  if (p.decay_end > p.decay_start && t > p.decay_start) {
    let r = min(1.0, f32(t - p.decay_start) / f32(p.decay_end - p.decay_start));
    f *= p.min_factor + (1.0 - p.min_factor) * 0.5 * (1.0 + cos(3.141592653589793 * r));
  }
  return p.lr * f;
}

@group(0) @binding(0) var<uniform> p: Adam;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read> state: array<u32>;
@group(0) @binding(3) var<storage, read_write> param: array<f32>;
@group(0) @binding(4) var<storage, read_write> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(64)
fn adamw(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i >= p.n) { return; }
  let step = max(state[0], 1u);
  let t = f32(step);
  let lr = scheduled_lr(step);
  let g = grad[i];
  let mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
  let vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  let mhat = mi / (1.0 - pow(p.beta1, t));
  let vhat = vi / (1.0 - pow(p.beta2, t));
  let w = param[i] * (1.0 - lr * p.weight_decay);
  param[i] = w - lr * mhat / (sqrt(vhat) + p.eps);
}

struct Ema {
  n: u32,
  decay: f32,
  warmup: u32,     // 1: decay_t = min(decay, (1 + t)/(10 + t)) at step t (the GPU counter)
}

@group(0) @binding(0) var<uniform> pe: Ema;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> ema: array<f32>;
@group(0) @binding(3) var<storage, read> ema_state: array<u32>;  // GPU step counter

// ema = decay_t·ema + (1 − decay_t)·param. Without warm-up a short run's EMA still holds much of the
// random initialisation (0.995^500 = 8 % after 500 steps); with it the average starts at the first steps.
@compute @workgroup_size(64)
fn ema_update(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  var d = pe.decay;
  if (pe.warmup != 0u) {
    let t = f32(ema_state[0]);
    d = min(d, (1.0 + t) / (10.0 + t));
  }
  if (i < pe.n) { ema[i] = d * ema[i] + (1.0 - d) * src[i]; }
}
