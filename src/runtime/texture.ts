// TexelPanel: scratch rgba32float textures that hold packed operands of the texture-read kernels
// (matmul_texture.wgsl, conv2d_texture.wgsl). lavapipe turns a storage-buffer load whose address differs across the 8 lanes of a
// vector into a loop over the lanes, but fetches texels with vector code (one 16-byte load per lane, then
// a transpose): a kernel that packs its operands into a texture once reads them several times cheaper.
// A panel is a flat run of texels laid out row-major in a texture TEXEL_ROW wide, so texel t sits at
// (t mod TEXEL_ROW, t div TEXEL_ROW); the kernels compute that with a mask and a shift. Pack kernels write
// the texels into a plain buffer and Gpu.copyToTexels copies it in (a kernel's textureStore costs ~3× a
// storage store on lavapipe; the copy is a memcpy).
import type { Gpu } from './gpu.ts';

/** Texels per texture row: a power of two (kernels index with & and >>) within every device's 8192 limit. */
export const TEXEL_ROW = 4096;

const COPY_DST = 0x2;
const TEXTURE_BINDING = 0x4;

export class TexelPanel {
  private released = false;
  constructor(
    private readonly pool: TexturePool,
    readonly texture: GPUTexture,
    /** One view per texture, made with it (so reuse creates nothing). */
    readonly view: GPUTextureView,
    /** Texels the user asked for (the texture may hold more: whole rows). */
    readonly texels: number,
  ) {}

  get rows(): number {
    return this.texture.height;
  }

  /** Floats of a buffer that fills the whole texture row by row (what Gpu.copyToTexels copies from). */
  get floats(): number {
    return this.texture.height * TEXEL_ROW * 4;
  }

  /** Returns the texture to the pool (earlier encoded work still sees it: GPU order holds). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.pool.give(this.texture);
  }

  toString(): string {
    return `TexelPanel[${this.texels} texels]`;
  }
}

/** Textures bucketed by row count; take() reuses before creating, so repeated work allocates nothing. */
export class TexturePool {
  private free = new Map<number, GPUTexture[]>();
  created = 0;
  allocatedBytes = 0;
  private views = new Map<GPUTexture, GPUTextureView>();
  constructor(private readonly gpu: Gpu) {}

  /**
   * The most texels one panel can hold on this device: whole rows within the texture size limit and within
   * the storage binding a pack kernel writes before Gpu.copyToTexels copies it in.
   */
  maxTexels(): number {
    const l = this.gpu.limits;
    return TEXEL_ROW * Math.min(l.maxTextureDimension2D, Math.floor(l.maxStorageBufferBindingSize / (TEXEL_ROW * 16)));
  }

  take(texels: number, op: string): TexelPanel {
    if (!Number.isInteger(texels) || texels <= 0) throw new Error(`${op}: a texel panel needs a positive whole number of texels, got ${texels}`);
    if (texels > this.maxTexels()) {
      throw new Error(`${op}: ${texels} texels do not fit one ${TEXEL_ROW}-wide texture (at most ${this.maxTexels()} on this device)`);
    }
    const rows = Math.ceil(texels / TEXEL_ROW);
    const texture = this.free.get(rows)?.pop() ?? this.create(rows, op);
    return new TexelPanel(this, texture, this.views.get(texture)!, texels);
  }

  give(t: GPUTexture): void {
    let list = this.free.get(t.height);
    if (!list) this.free.set(t.height, (list = []));
    list.push(t);
  }

  private create(rows: number, op: string): GPUTexture {
    this.created++;
    this.allocatedBytes += rows * TEXEL_ROW * 16;
    const texture = this.gpu.device.createTexture({
      label: `${op} texels`,
      size: [TEXEL_ROW, rows],
      format: 'rgba32float',
      usage: TEXTURE_BINDING | COPY_DST, // filled by Gpu.copyToTexels
    });
    this.views.set(texture, texture.createView());
    return texture;
  }
}
