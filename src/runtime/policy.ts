// The kernel-design choices of one Gpu (one adapter): which conv2d variant runs per direction and shape
// class, which reduction style, which attention kernel, how far weight gradients split. Ops read it from
// the Gpu they run on; autotune (src/tune/) fills it by measurement; tests and benchmarks override it for
// one call (`using`) instead of changing process-wide state.

/**
 * conv2d designs (src/ops/conv2d.ts has the details): 'direct' (generic K and stride), 'blocked' /
 * 'blocked8' (3×3 and 1×1 specialised, 4 or 8 output channels per invocation in registers), 'gemm'
 * (im2col + vec4 GEMM), 'lanes' (one pixel per invocation, uniform weight loads: SIMD-lane adapters),
 * 'colanes' (one output channel per lane, a pixel tile per workgroup of 8: uniform input loads; lavapipe),
 * 'texture' (colanes' 3×3 stride-1 weight gradient with x and dy fetched from rgba32float texel panels:
 * lavapipe vectorizes texel fetches but not lane-varying buffer loads; forward and input gradient: colanes).
 */
export type ConvVariant = 'direct' | 'blocked' | 'blocked8' | 'gemm' | 'lanes' | 'colanes' | 'texture';
export const CONV_VARIANTS: readonly ConvVariant[] = ['direct', 'blocked', 'blocked8', 'gemm', 'lanes', 'colanes', 'texture'];
export type ConvDirection = 'forward' | 'backwardInput' | 'backwardWeight';
/** Reductions: a workgroup tree per output (GPUs) or one serial loop per output (software adapters). */
export type ReduceStyle = 'tree' | 'serial';
/**
 * Attention: one query/key row per invocation, four rows in vec4 lanes, or 8 rows per 8-lane subgroup with
 * the other side's vectors shuffled between lanes (lavapipe).
 */
export type AttentionVariant = 'row' | 'rows4' | 'lanes8';
/**
 * Matrix products (linear layers): 'tiled' (a 4×4 tile of C per invocation, vec4 loads where the layout
 * allows: matmul.wgsl, matmul_vec4.wgsl) or 'colanes' (a 16×32 tile per subgroup of 8 lanes, A shared by
 * broadcasts: matmul_colanes.wgsl) or 'texture' (a 32×64 tile per subgroup, operands packed into rgba32float
 * texel panels and fetched with textureLoad: matmul_texture.wgsl; lavapipe vectorizes texel fetches but not
 * lane-varying buffer loads). Both need 8-lane subgroups, else 'tiled'.
 */
export type MatmulVariant = 'tiled' | 'colanes' | 'texture';
/**
 * Products of fewer multiply-adds (M·N·K) than this take policy.matmulSmall: there the packed designs' pack
 * passes and part-empty tiles can cost more than they save (lavapipe, tiny at batch 8, 2026-12-03: the
 * step's 38 small linears 85–93 ms per step with 'tiled' against 93–105 with 'colanes'). Autotune measures
 * both sides of it: the time MLP's 64 → 128 features at 8 rows (65,536) and at 64 (524,288).
 */
export const SMALL_MATMUL_MACS = 1 << 18;

/**
 * GroupNorm: the reduction style's kernels ('reduce': tree or serial, above) or 'lanes' (a subgroup of 8
 * per group reading vec4s, the affine gradients fused into the input gradient: groupnorm_lanes.wgsl;
 * needs 8-lane subgroups, else 'reduce'; where H·W is not a multiple of 4 backward reads one float per lane
 * and forward runs the reduction style's kernel).
 */
export type GroupNormVariant = 'reduce' | 'lanes';

/**
 * Plain copies — channel concat and split (the UNet's skips: 2·N runs, each image's channels contiguous)
 * and the backward graph's gradient copies: a kernel, or copy commands. Software adapters run a copy
 * command as memcpy and a lane-varying kernel load as a loop; a command also ends the compute pass.
 */
export type CopyVariant = 'kernel' | 'copies';

/** The geometry a conv2d choice depends on. */
export interface ConvShapeInfo {
  K: number;
  stride: number;
  C_in: number;
  C_out: number;
  OH: number;
  OW: number;
}

const bucket = (v: number, edges: number[]) => edges.find((e) => v <= e) ?? Infinity;

/**
 * The shape class a conv2d choice is kept for: kernel size, stride, channel bucket (the larger side, ≤ 8,
 * 16, 32, 64, more) and output-plane bucket (≤ 7×7, 14×14, 28×28, more). The UNet's levels fall in
 * different classes, so each level can run the design that is fastest for it.
 */
/** Kernel size and stride of a conv2d shape (`k1s1`): the group whose prevailing choice covers its unmeasured classes. */
export function convKernelGroup(g: Pick<ConvShapeInfo, 'K' | 'stride'>): string {
  return `k${g.K}s${g.stride}`;
}

export function convShapeClass(g: ConvShapeInfo): string {
  const c = bucket(Math.max(g.C_in, g.C_out), [8, 16, 32, 64]);
  const p = bucket(g.OH * g.OW, [49, 196, 784]);
  return `k${g.K}s${g.stride}c${c}p${p}`;
}

export interface PolicyState {
  /** Per direction, for shapes without a measured choice. */
  conv: Record<ConvDirection, ConvVariant>;
  /** `${direction}|${convShapeClass}` and `${direction}|${convKernelGroup}` → variant, from measurement. */
  convByShape: Record<string, ConvVariant>;
  reduce: ReduceStyle;
  groupnorm: GroupNormVariant;
  attention: AttentionVariant;
  matmul: MatmulVariant;
  /** The matmul design for products under SMALL_MATMUL_MACS multiply-adds. */
  matmulSmall: MatmulVariant;
  copy: CopyVariant;
  /**
   * Invocations a weight-gradient dispatch aims for: below it each image's reduction is split across
   * invocations; above it (colanes, texture) images share slots, so fewer partials are written and summed.
   */
  weightGradientTarget: number;
}

export const DEFAULT_POLICY: PolicyState = {
  conv: { forward: 'blocked', backwardInput: 'blocked', backwardWeight: 'blocked' },
  convByShape: {},
  reduce: 'tree',
  groupnorm: 'reduce',
  attention: 'rows4',
  matmul: 'tiled',
  matmulSmall: 'tiled',
  copy: 'kernel',
  weightGradientTarget: 1024,
};

export class KernelPolicy {
  private state: PolicyState = structuredClone(DEFAULT_POLICY);

  get reduce(): ReduceStyle {
    return this.state.reduce;
  }
  get groupnorm(): GroupNormVariant {
    return this.state.groupnorm;
  }
  get attention(): AttentionVariant {
    return this.state.attention;
  }
  get matmul(): MatmulVariant {
    return this.state.matmul;
  }
  get matmulSmall(): MatmulVariant {
    return this.state.matmulSmall;
  }
  /** The matmul design for an M × K · K × N product: matmulSmall under SMALL_MATMUL_MACS multiply-adds, else matmul. */
  matmulFor(M: number, N: number, K: number): MatmulVariant {
    return M * N * K < SMALL_MATMUL_MACS ? this.state.matmulSmall : this.state.matmul;
  }
  get copy(): CopyVariant {
    return this.state.copy;
  }
  get weightGradientTarget(): number {
    return this.state.weightGradientTarget;
  }

  /** The variant for one conv2d direction at this geometry: the measured one for its class, else the default. */
  /**
   * The design for this direction and shape: its class's measured choice, else the choice that prevailed
   * over the measured classes of its kernel size and stride (`direction|k3s1`), else the direction's default.
   */
  conv(direction: ConvDirection, g: ConvShapeInfo): ConvVariant {
    const s = this.state.convByShape;
    return s[`${direction}|${convShapeClass(g)}`] ?? s[`${direction}|${convKernelGroup(g)}`] ?? this.state.conv[direction];
  }

  /** Replaces the choices given (a tune result, or a test's fixed setting). */
  set(change: Partial<PolicyState>): void {
    this.state = { ...this.state, ...structuredClone(change) };
  }

  snapshot(): PolicyState {
    return structuredClone(this.state);
  }

  /** Runs `body` with some choices changed, then restores the previous ones (also when it throws). */
  async using<R>(change: Partial<PolicyState>, body: () => R | Promise<R>): Promise<R> {
    const saved = this.state;
    this.set(change);
    try {
      return await body();
    } finally {
      this.state = saved;
    }
  }

  /** One line for logs: the per-direction defaults, the number of shape-specific choices, reduce, groupnorm, attention, matmul, copies. */
  describe(): string {
    const s = this.state;
    const n = Object.keys(s.convByShape).length;
    return `conv ${s.conv.forward}/${s.conv.backwardInput}/${s.conv.backwardWeight}${n ? ` (+${n} by shape)` : ''}, reductions ${s.reduce}, groupnorm ${s.groupnorm}, attention ${s.attention}, matmul ${s.matmul} (small ${s.matmulSmall}), copies ${s.copy}`;
  }
}
