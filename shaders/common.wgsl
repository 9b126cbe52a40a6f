// common.wgsl — prepended to every shader file. Helpers shared by all kernels.
// Parameter names here are deliberately unlike any kernel's binding names: wgsl_reflect matches resource
// uses by identifier, so a parameter called `x` would make every caller appear to use a binding `x`.

// Linear invocation index of a 1-D problem dispatched as an (x, y) grid of workgroups of `wg` invocations
// (the y dimension exists only when x would pass maxComputeWorkgroupsPerDimension; see Gpu.grid).
fn linear_index(li_gid: vec3u, li_nwg: vec3u, li_wg: u32) -> u32 {
  return li_gid.x + li_gid.y * li_nwg.x * li_wg;
}

fn sigmoid(sz: f32) -> f32 {
  return 1.0 / (1.0 + exp(-sz));
}

// d/dz [z·σ(z)] = σ(z)·(1 + z·(1 − σ(z)))
fn silu_grad(gz: f32) -> f32 {
  let sg = sigmoid(gz);
  return sg * (1.0 + gz * (1.0 - sg));
}

// ---- Philox4x32-10 counter-based generator (Salmon et al. 2011): four 32-bit outputs per (counter, key).
// WGSL has no 32×32→64 multiply, so the high word is built from 16-bit halves.
fn mul_hi(ma: u32, mb: u32) -> u32 {
  let a_lo = ma & 0xffffu;
  let a_hi = ma >> 16u;
  let b_lo = mb & 0xffffu;
  let b_hi = mb >> 16u;
  let t0 = a_lo * b_lo;
  let t1 = a_hi * b_lo;
  let t2 = a_lo * b_hi;
  let t3 = a_hi * b_hi;
  let mid = (t0 >> 16u) + (t1 & 0xffffu) + (t2 & 0xffffu);
  return t3 + (t1 >> 16u) + (t2 >> 16u) + (mid >> 16u);
}

fn philox4x32(ctr_in: vec4u, key_in: vec2u) -> vec4u {
  var c = ctr_in;
  var k = key_in;
  for (var r = 0u; r < 10u; r++) {
    let hi0 = mul_hi(0xD2511F53u, c.x);
    let lo0 = 0xD2511F53u * c.x;
    let hi1 = mul_hi(0xCD9E8D57u, c.z);
    let lo1 = 0xCD9E8D57u * c.z;
    c = vec4u(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k = k + vec2u(0x9E3779B9u, 0xBB67AE85u);
  }
  return c;
}

// Uniform in (0, 1] from the top 24 bits (never 0, so log() is finite).
fn u01(bits: u32) -> f32 {
  return f32((bits >> 8u) + 1u) * (1.0 / 16777216.0);
}

// Four standard normals from one Philox block via Box–Muller on pairs (x, y) and (z, w).
fn normal4(ctr_in: vec4u, key_in: vec2u) -> vec4f {
  let r = philox4x32(ctr_in, key_in);
  let r1 = sqrt(-2.0 * log(u01(r.x)));
  let r2 = sqrt(-2.0 * log(u01(r.z)));
  let a1 = 6.283185307179586 * u01(r.y);
  let a2 = 6.283185307179586 * u01(r.w);
  return vec4f(r1 * cos(a1), r1 * sin(a1), r2 * cos(a2), r2 * sin(a2));
}

// Two f32 values as one u32 of two f16 (low half first), saturated to ±65504: WGSL leaves pack2x16float of
// a value outside f16's range indeterminate, and the f16 path stores un-normalised activations too.
fn pack_half2(v: vec2f) -> u32 {
  return pack2x16float(clamp(v, vec2f(-65504.0), vec2f(65504.0)));
}
