// attention_shared.wgsl — what the attention kernels share; included by attention.wgsl (forward),
// attention_backward_q.wgsl, attention_backward_kv.wgsl and attention_lanes.wgsl.
// Multi-head self-attention over the L = H·W positions of a feature map, fused:
// O = softmax(Q·Kᵀ·scale)·V per head, never materialising the L×L matrix (online softmax).
// Input is the 1×1-conv qkv projection in NCHW layout, qkv[n, 3C, L]: Q = channels [0, C), K = [C, 2C),
// V = [2C, 3C); head h owns channels [h·D, (h+1)·D) of each. Output o[n, C, L] in the same layout.
// Forward saves lse[n, h, i] = log Σ_j exp(s_ij) so backward can rebuild p_ij = exp(s_ij − lse_i).
// Every including file declares the binding `qkv` (read at @binding(1)), which qkv_at reads.

const MAX_D: u32 = 64u;

struct Attn {
  N: u32, C: u32, L: u32, heads: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> p: Attn;

// The head dimension D = C / heads as a pipeline constant (src/ops/attention.ts sets it; 0 reads it from
// p): loops over D channels then have a constant bound, which the compiler unrolls, and the per-row arrays
// they index become registers instead of memory (on lavapipe every write of an array element inside a
// loop is a blend and a store; forward and backward 3× at the tiny UNet's bottleneck).
override HD: u32 = 0u;

fn head_dim() -> u32 { return select(p.C / p.heads, HD, HD != 0u); }

// element c of the q/k/v vector of position l, head h, batch n (part 0 = q, 1 = k, 2 = v)
fn qkv_index(n: u32, part: u32, h: u32, c: u32, l: u32) -> u32 {
  let D = head_dim();
  return ((n * 3u + part) * p.C + h * D + c) * p.L + l;
}

fn qkv_at(n: u32, part: u32, h: u32, c: u32, l: u32) -> f32 {
  return qkv[qkv_index(n, part, h, c, l)];
}

// ---- Four rows per invocation ('rows4'): the same math with 4 queries (forward4, backward_q4) or 4 keys
// (backward_kv4) in the lanes of a vec4, so every q/k/v/dO element read from memory feeds 4 rows, and the
// per-row state is one array of vec4 per vector instead of one array of f32 per row. Rows past L repeat
// row L − 1 and are not stored. Invocation id = (n·heads + h)·ceil(L / 4) + row block.

// Offset of element (c = 0, l = 0) of part (0 q, 1 k, 2 v) of head h in image n; element (c, l) is at
// + c·L + l.
fn part_base(n: u32, part: u32, h: u32) -> u32 {
  return ((n * 3u + part) * p.C + h * head_dim()) * p.L;
}

// qb, kb, vb: part_base of q, k, v; ob: start of head h's channels in o / dO; lb: row 0 of (n, h) in lse / Δ.
struct Rows4 { n: u32, h: u32, r0: u32, rows: vec4u, ok: bool, qb: u32, kb: u32, vb: u32, ob: u32, lb: u32 }

fn rows4(id: u32) -> Rows4 {
  let blocks = (p.L + 3u) / 4u;
  var t: Rows4;
  t.ok = id < p.N * p.heads * blocks;
  t.r0 = (id % blocks) * 4u;
  t.h = (id / blocks) % p.heads;
  t.n = id / (blocks * p.heads);
  let last = p.L - 1u;
  t.rows = min(vec4u(t.r0, t.r0 + 1u, t.r0 + 2u, t.r0 + 3u), vec4u(last));
  t.qb = part_base(t.n, 0u, t.h);
  t.kb = part_base(t.n, 1u, t.h);
  t.vb = part_base(t.n, 2u, t.h);
  t.ob = (t.n * p.C + t.h * head_dim()) * p.L;
  t.lb = (t.n * p.heads + t.h) * p.L;
  return t;
}

// Offsets of rows t.rows in a row of a [c, l] plane that starts at row_start.
fn row_offsets(row_start: u32, t: Rows4) -> vec4u {
  return vec4u(row_start) + t.rows;
}
