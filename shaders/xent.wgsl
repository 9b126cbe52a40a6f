// xent.wgsl — softmax cross-entropy of logits [rows, classes] against integer labels [rows].
// Forward writes each row's loss (the mean is taken by loss.wgsl's mse_final over these partials);
// backward writes dlogits = grad_scale · (softmax − onehot(label)) / rows. A label ≥ classes matches no
// class: its one-hot is all zero.

struct Xent {
  rows: u32,
  classes: u32,
  grad_scale: f32,
}

@group(0) @binding(0) var<uniform> p: Xent;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> rowloss: array<f32>;

// Max and Σ exp(z − max) of row `xr`: the stable log-sum-exp is max + log(sum).
fn row_lse(xr: u32) -> vec2f {
  let base = xr * p.classes;
  var m = logits[base];
  for (var k = 1u; k < p.classes; k++) { m = max(m, logits[base + k]); }
  var s = 0.0;
  for (var k = 0u; k < p.classes; k++) { s += exp(logits[base + k] - m); }
  return vec2f(m, s);
}

// rowloss[r] = logsumexp(logits[r]) − logits[r, label[r]]
@compute @workgroup_size(64)
fn xent_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = linear_index(gid, nwg, 64u);
  if (r >= p.rows) { return; }
  let ms = row_lse(r);
  let lab = labels[r];
  var picked = 0.0;
  if (lab < p.classes) { picked = logits[r * p.classes + lab]; }
  rowloss[r] = ms.x + log(ms.y) - picked;
}

@group(0) @binding(3) var<storage, read_write> dlogits: array<f32>;

// One invocation per logit; the row's max and sum are recomputed (classes is small).
@compute @workgroup_size(64)
fn xent_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, 64u);
  if (i >= p.rows * p.classes) { return; }
  let r = i / p.classes;
  let k = i % p.classes;
  let ms = row_lse(r);
  var g = exp(logits[i] - ms.x) / ms.y;
  if (labels[r] == k) { g -= 1.0; }
  dlogits[i] = p.grad_scale * g / f32(p.rows);
}
