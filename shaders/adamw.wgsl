// adamw.wgsl — one dispatch updates every parameter of a model held in one flat buffer (AdamW, decoupled
// weight decay, bias-corrected), and the EMA of the weights. The step t comes from the GPU step counter
// state[0] (≥ 1), so nothing is written from the CPU per step.

struct Adam {
  n: u32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weight_decay: f32,
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
  let t = f32(max(state[0], 1u));
  let g = grad[i];
  let mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
  let vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  let mhat = mi / (1.0 - pow(p.beta1, t));
  let vhat = vi / (1.0 - pow(p.beta2, t));
  let w = param[i] * (1.0 - p.lr * p.weight_decay);
  param[i] = w - p.lr * mhat / (sqrt(vhat) + p.eps);
}

struct Ema {
  n: u32,
  decay: f32,
}

@group(0) @binding(0) var<uniform> pe: Ema;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> ema: array<f32>;

// ema = decay·ema + (1 − decay)·param
@compute @workgroup_size(64)
fn ema_update(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i < pe.n) { ema[i] = pe.decay * ema[i] + (1.0 - pe.decay) * src[i]; }
}
