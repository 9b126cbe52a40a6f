// Gpu: the runtime around one GPUDevice. It caches pipelines (by shader entry + override constants), bind
// groups (by buffers bound) and uniform blocks (by content), records many dispatches into one command
// buffer, pools storage buffers, times kernels with timestamp queries when asked, and turns WebGPU errors
// into exceptions that name the kernels involved.
import { sourceLocation } from './wgsl-source.ts';
import { KernelPolicy } from './policy.ts';
import type { ShaderKernels } from './shaders.gen.ts';
import type { AdapterSummary } from './device.ts';
import { reflectKernel, packParams, type KernelInfo } from './kernel.ts';
import { Tensor, shapeStr, type DType } from './tensor.ts';
import { TEXEL_ROW, TexelPanel, TexturePool } from './texture.ts';

export type ShaderSource = (file: string) => string;

/** A buffer range given to a dispatch: a Tensor, or a raw buffer range. */
export type BufferArg = Tensor | { buffer: GPUBuffer; offset?: number; size?: number };
/** What a binding takes: a buffer range, or a texel panel for a texture binding (filled by Gpu.copyToTexels). */
export type BindArg = BufferArg | TexelPanel;

export interface RunArgs {
  params?: Record<string, number>;
  bind: Record<string, BindArg>;
  /** Workgroup counts; use Gpu.grid() for 1-D problems larger than one dimension allows. */
  workgroups?: [number, number?, number?];
  /**
   * Or: invocations of a 1-D kernel; the grid comes from the shader's own @workgroup_size (reflected), so
   * the size is written in one place.
   */
  invocations?: number;
}

/**
 * Arguments of one dispatch of kernel K: for a kernel named by literals ("file", "entry") the Params fields
 * and storage bindings are its own (src/runtime/shaders.gen.ts, reflected from the WGSL), so a name that
 * drifted fails `tsc`; other kernels take the loose RunArgs and are checked at run time only.
 */
export type ArgsFor<K extends string> = K extends keyof ShaderKernels ? TypedArgs<ShaderKernels[K]> : RunArgs;
type TypedArgs<S extends { params: string; bind: string }> = Omit<RunArgs, 'params' | 'bind'> &
  ([S['params']] extends [never] ? { params?: Record<string, never> } : { params: Record<S['params'], number> }) & {
    bind: Record<S['bind'], BindArg>;
  };

// K is the kernel's "file.entry" name as a type (a phantom: it types run()'s arguments).
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export class Kernel<K extends string = string> {
  constructor(
    readonly info: KernelInfo,
    readonly key: string,
    readonly pipeline: GPUComputePipeline,
    readonly layout: GPUBindGroupLayout,
  ) {}
  get name(): string {
    return this.info.name;
  }
}

const STORAGE_USAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST
const UNIFORM_USAGE = 0x40 | 0x8; // UNIFORM | COPY_DST
const MAP_READ_USAGE = 0x1 | 0x8; // MAP_READ | COPY_DST
const MAP_READ = 0x1;

/** Storage buffers bucketed by byte size; give() returns one, take() reuses before creating. */
export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  allocatedBytes = 0;
  created = 0;
  constructor(private readonly gpu: Gpu) {}
  take(bytes: number): GPUBuffer {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const list = this.free.get(size);
    if (list && list.length) return list.pop()!;
    this.created++;
    this.allocatedBytes += size;
    return this.gpu.createBuffer(size, STORAGE_USAGE, 'pool');
  }
  give(buf: GPUBuffer): void {
    let list = this.free.get(buf.size);
    if (!list) this.free.set(buf.size, (list = []));
    list.push(buf);
  }
}

export interface KernelTime {
  count: number;
  ms: number;
}

export class Gpu {
  readonly limits: GPUSupportedLimits;
  readonly pool: BufferPool;
  /** Scratch rgba32float textures of the texture-read kernels. */
  readonly textures: TexturePool;
  readonly hasTimestamps: boolean;
  /**
   * Waiting on the queue keeps a CPU core busy (Dawn in Node polls its events in a loop while a promise is
   * pending): the training loop sleeps through most of each wait first (StepPacer, runtime/pacer.ts).
   */
  waitSpinsCpu = false;
  /** The device has WGSL `subgroups` of exactly 8 lanes (lavapipe); the kernels built on that check this. */
  readonly hasSubgroups8: boolean;
  /** When true (and timestamp-query exists), every dispatch gets its own pass with timestamps. */
  profile = false;
  /** Which kernel design each op runs on this adapter (filled by autotune). */
  readonly policy = new KernelPolicy();
  /** When set, every recorded dispatch appends its kernel key: what actually ran, for benchmarks. */
  trace: string[] | null = null;

  private kernels = new Map<string, Kernel>();
  private bindGroups = new Map<string, GPUBindGroup>();
  private uniforms = new Map<string, GPUBuffer>();
  private bufferIds = new WeakMap<GPUBuffer, number>();
  private textureIds = new WeakMap<GPUTexture, number>();
  private nextBufferId = 1;
  private staging = new Map<number, GPUBuffer[]>();

  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private batchKernels = new Set<string>();
  private pending: Promise<void>[] = [];
  private errors: string[] = [];
  /** Tensors taken inside each open scoped() call, innermost last. */
  private scopes: { release(): void }[][] = [];
  private lost: string | null = null;

  private querySet: GPUQuerySet | null = null;
  private queryNames: string[] = [];
  private readonly queryCapacity = 2048;
  private times = new Map<string, KernelTime>();
  dispatchCount = 0;

  constructor(
    readonly device: GPUDevice,
    readonly adapterInfo: AdapterSummary,
    private readonly shaderSource: ShaderSource,
    /** Whatever must stay referenced while the device lives (Dawn's instance in Node). */
    readonly keepAlive?: unknown,
  ) {
    this.limits = device.limits;
    this.pool = new BufferPool(this);
    this.textures = new TexturePool(this);
    this.hasTimestamps = device.features.has('timestamp-query');
    // The subgroup kernels are workgroups of 8 that must be exactly one subgroup, lanes numbered 0–7.
    const info = (device as { adapterInfo?: { subgroupMinSize?: number; subgroupMaxSize?: number } }).adapterInfo;
    this.hasSubgroups8 = device.features.has('subgroups' as GPUFeatureName) && info?.subgroupMinSize === 8 && info?.subgroupMaxSize === 8;
    device.addEventListener('uncapturederror', (ev: Event) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      this.errors.push(`WebGPU error (kernels in flight: ${[...this.batchKernels].join(', ') || 'none'}): ${e.message}`);
    });
    device.lost.then((info) => {
      this.lost = `GPU device lost (${info.reason}): ${info.message}`;
    });
  }

  // ---------- kernels ----------

  /** The kernel `file.entry` with the given override constants; pipeline built once and cached. */
  kernel<F extends string, E extends string>(file: F, entry: E, overrides: Record<string, number> = {}): Kernel<`${F}.${E}`> {
    const okeys = Object.keys(overrides).sort();
    const key = `${file}.${entry}` + (okeys.length ? `{${okeys.map((k) => `${k}=${overrides[k]}`).join(',')}}` : '');
    const cached = this.kernels.get(key);
    if (cached) return cached;
    const source = this.shaderSource(file);
    const info = reflectKernel(file, source, entry);
    for (const k of okeys) {
      if (!info.overrides.includes(k)) throw new Error(`kernel ${info.name}: unknown override "${k}" (shader has: ${info.overrides.join(', ') || 'none'})`);
    }
    const d = this.device;
    d.pushErrorScope('validation');
    const module = d.createShaderModule({ code: source, label: file });
    const layout = d.createBindGroupLayout({
      label: key,
      entries: info.bindings.map((b) => ({
        binding: b.binding,
        visibility: 4, // GPUShaderStage.COMPUTE
        ...(b.kind === 'texture'
          ? { texture: { sampleType: 'unfilterable-float' as const, viewDimension: '2d' as const } }
          : { buffer: { type: b.kind === 'uniform' ? ('uniform' as const) : b.writable ? ('storage' as const) : ('read-only-storage' as const) } }),
      })),
    });
    const pipeline = d.createComputePipeline({
      label: key,
      layout: d.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: entry, constants: overrides },
    });
    this.pending.push(
      d.popErrorScope().then(async (err) => {
        if (!err) return;
        const info = await module.getCompilationInfo();
        const msgs = info.messages.map((m) => `${sourceLocation(source, file, m.lineNum)}:${m.linePos} ${m.type}: ${m.message}`).join('\n');
        this.errors.push(`kernel ${key}: pipeline creation failed: ${err.message}${msgs ? '\n' + msgs : ''}`);
      }),
    );
    const k = new Kernel(info, key, pipeline, layout);
    this.kernels.set(key, k);
    return k;
  }

  /**
   * A short hash of the shader files' sources as this Gpu compiles them (includes joined): what a cached
   * measurement of those kernels is only valid for.
   */
  shaderDigest(files: readonly string[]): string {
    let h = 0x811c9dc5; // FNV-1a, 32 bits
    for (const f of files) {
      // Each file as name, length, text: moving text across a file boundary changes the hash too.
      const text = this.shaderSource(f);
      const src = `${f}\u0000${text.length}\u0000${text}`;
      for (let i = 0; i < src.length; i++) h = Math.imul(h ^ src.charCodeAt(i), 0x01000193);
    }
    return (h >>> 0).toString(16).padStart(8, '0');
  }

  /** Workgroup counts for `n` invocations of a 1-D kernel, folded into y when x would exceed the limit. */
  grid(n: number, workgroupSize: number): [number, number, number] {
    const groups = Math.max(1, Math.ceil(n / workgroupSize));
    const maxDim = this.limits.maxComputeWorkgroupsPerDimension;
    if (groups <= maxDim) return [groups, 1, 1];
    const y = Math.ceil(groups / maxDim);
    if (y > maxDim) throw new Error(`grid: ${n} invocations need ${groups} workgroups, over ${maxDim}² allowed`);
    return [maxDim, y, 1];
  }

  /** Records one dispatch. Bindings and params are checked against the shader before anything is encoded. */
  run<K extends string>(kernel: Kernel<K>, typedArgs: ArgsFor<K>): void {
    const args = typedArgs as RunArgs;
    const info = kernel.info;
    const entries: GPUBindGroupEntry[] = [];
    const keyParts: string[] = [kernel.key];
    const boundNames = info.bindings.filter((b) => b.kind !== 'uniform').map((b) => b.name);
    const givenNames = Object.keys(args.bind);
    const missing = boundNames.filter((n) => !(n in args.bind));
    const extra = givenNames.filter((n) => !boundNames.includes(n));
    if (missing.length || extra.length) {
      throw new Error(
        `kernel ${info.name}: bindings do not match the shader (expected ${boundNames.join(', ')}; ` +
          `got ${givenNames.join(', ')}${missing.length ? `; missing ${missing.join(', ')}` : ''}${extra.length ? `; unknown ${extra.join(', ')}` : ''})`,
      );
    }
    const written = new Set<GPUBuffer>();
    const readOnly = new Set<GPUBuffer>();
    for (const b of info.bindings) {
      if (b.kind === 'uniform') {
        const data = packParams(info.name, b, args.params ?? {});
        const buf = this.uniformBuffer(kernel.key, data);
        entries.push({ binding: b.binding, resource: { buffer: buf } });
        keyParts.push(`u${this.bufferId(buf)}`);
        continue;
      }
      const a = args.bind[b.name];
      if (b.kind === 'texture') {
        if (!(a instanceof TexelPanel)) throw new Error(`kernel ${info.name}: binding ${b.name} is a texture and needs a TexelPanel (gpu.texels), got a buffer`);
        entries.push({ binding: b.binding, resource: a.view });
        keyParts.push(`t${this.textureId(a.texture)}`);
        continue;
      }
      if (a instanceof TexelPanel) throw new Error(`kernel ${info.name}: binding ${b.name} is a storage buffer, got ${a}`);
      const buffer = a instanceof Tensor ? a.buffer : a.buffer;
      const offset = a instanceof Tensor ? a.byteOffset : (a.offset ?? 0);
      const size = a instanceof Tensor ? a.byteLength : (a.size ?? buffer.size - offset);
      if (size <= 0) throw new Error(`kernel ${info.name}: binding ${b.name} is empty`);
      if (offset % this.limits.minStorageBufferOffsetAlignment !== 0) {
        throw new Error(`kernel ${info.name}: binding ${b.name} offset ${offset} is not a multiple of ${this.limits.minStorageBufferOffsetAlignment}`);
      }
      if (offset + size > buffer.size) throw new Error(`kernel ${info.name}: binding ${b.name} range ${offset}+${size} exceeds buffer size ${buffer.size}`);
      if (size > this.limits.maxStorageBufferBindingSize) {
        throw new Error(`kernel ${info.name}: binding ${b.name} is ${size} bytes, over maxStorageBufferBindingSize ${this.limits.maxStorageBufferBindingSize}`);
      }
      (b.writable ? written : readOnly).add(buffer);
      entries.push({ binding: b.binding, resource: { buffer, offset, size } });
      keyParts.push(`${this.bufferId(buffer)}:${offset}:${size}`);
    }
    for (const buf of written) {
      if (readOnly.has(buf)) throw new Error(`kernel ${info.name}: the same buffer is bound both read-only and writable`);
    }
    if ((args.workgroups === undefined) === (args.invocations === undefined)) {
      throw new Error(`kernel ${info.name}: give workgroups or invocations, exactly one`);
    }
    const [x, y = 1, z = 1] = args.workgroups ?? this.grid(args.invocations!, info.workgroupSize[0] * info.workgroupSize[1] * info.workgroupSize[2]);
    const maxDim = this.limits.maxComputeWorkgroupsPerDimension;
    if (x > maxDim || y > maxDim || z > maxDim) throw new Error(`kernel ${info.name}: workgroups [${x}, ${y}, ${z}] exceed ${maxDim} per dimension`);
    if (x === 0 || y === 0 || z === 0) return;

    const bgKey = keyParts.join('|');
    let bg = this.bindGroups.get(bgKey);
    if (!bg) {
      bg = this.device.createBindGroup({ label: info.name, layout: kernel.layout, entries });
      this.bindGroups.set(bgKey, bg);
    }
    const timed = this.profile && this.hasTimestamps;
    if (timed && this.queryNames.length + 2 > this.queryCapacity) this.flush();
    let pass: GPUComputePassEncoder;
    if (timed) {
      this.endPass();
      this.querySet ??= this.device.createQuerySet({ type: 'timestamp', count: this.queryCapacity });
      const i = this.queryNames.length;
      this.queryNames.push(kernel.key, kernel.key);
      pass = this.enc().beginComputePass({ timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: i, endOfPassWriteIndex: i + 1 } });
      this.pass = pass;
    } else {
      pass = this.pass ??= this.enc().beginComputePass();
    }
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(x, y, z);
    if (timed) this.endPass();
    this.trace?.push(kernel.key);
    this.batchKernels.add(info.name);
    this.dispatchCount++;
  }

  // ---------- buffers ----------

  createBuffer(size: number, usage: number, label: string): GPUBuffer {
    const max = Math.min(this.limits.maxBufferSize, usage & 0x80 ? this.limits.maxStorageBufferBindingSize : Infinity);
    if (size > max) throw new Error(`${label}: buffer of ${size} bytes is over the device limit of ${max} bytes`);
    this.device.pushErrorScope('out-of-memory');
    const buf = this.device.createBuffer({ size, usage, label });
    this.pending.push(
      this.device.popErrorScope().then((e) => {
        if (e) this.errors.push(`${label}: out of GPU memory creating a ${size}-byte buffer: ${e.message}`);
      }),
    );
    return buf;
  }

  /**
   * Runs an op's body; if it throws, every pooled tensor it took goes back to the pool (an op that fails
   * halfway leaks nothing). Nested calls each own what they took.
   */
  scoped<R>(body: () => R): R {
    const taken: { release(): void }[] = [];
    this.scopes.push(taken);
    try {
      return body();
    } catch (e) {
      for (const t of taken) t.release();
      throw e;
    } finally {
      this.scopes.pop();
    }
  }

  /** A pooled tensor; contents are whatever the buffer held before (poison it in tests). */
  tensor(shape: readonly number[], op = 'tensor', dtype: DType = 'f32'): Tensor {
    for (const d of shape) {
      if (!Number.isInteger(d) || d <= 0) throw new Error(`${op}: invalid shape ${shapeStr(shape)}`);
    }
    const n = shape.reduce((a, b) => a * b, 1);
    const bytes = n * 4;
    const max = Math.min(this.limits.maxBufferSize, this.limits.maxStorageBufferBindingSize);
    if (bytes > max) throw new Error(`${op}: tensor ${shapeStr(shape)} needs ${bytes} bytes, over the device limit of ${max} bytes`);
    const t = new Tensor(this, this.pool.take(bytes), shape, dtype);
    this.scopes[this.scopes.length - 1]?.push(t);
    return t;
  }

  /** A pooled rgba32float texel panel of at least `texels` texels (contents undefined); release() returns it. */
  texels(texels: number, op = 'texels'): TexelPanel {
    const t = this.textures.take(texels, op);
    this.scopes[this.scopes.length - 1]?.push(t);
    return t;
  }

  upload(shape: readonly number[], data: ArrayLike<number>, op = 'upload', dtype: DType = 'f32'): Tensor {
    const t = this.tensor(shape, op, dtype);
    this.write(t, data);
    return t;
  }

  write(t: Tensor, data: ArrayLike<number>): void {
    if (data.length !== t.size) throw new Error(`write: ${t} has ${t.size} elements but data has ${data.length}`);
    const arr = t.dtype === 'u32' ? Uint32Array.from(data) : data instanceof Float32Array ? data : Float32Array.from(data);
    // Work recorded before this write must see the old contents, so submit it first.
    this.flush();
    this.device.queue.writeBuffer(t.buffer, t.byteOffset, arr.buffer, arr.byteOffset, arr.byteLength);
  }

  /** Copies src to dst (same element count). */
  copy(src: Tensor, dst: Tensor): void {
    if (src.size !== dst.size) throw new Error(`copy: ${src} and ${dst} differ in size`);
    this.copyRange(src.buffer, src.byteOffset, dst.buffer, dst.byteOffset, src.byteLength);
  }

  /**
   * Fills a texel panel from a buffer holding it row by row (panel.floats floats), in order with the
   * dispatches. On lavapipe a kernel's textureStore costs ~3× a vec4 storage store, and this copy is a
   * memcpy (256 K texels: 0.3 ms against 4–6 ms stored texel by texel, 2026-12-03).
   */
  copyToTexels(src: Tensor, panel: TexelPanel): void {
    if (src.size < panel.floats) throw new Error(`copyToTexels: ${src} holds fewer than the ${panel.floats} floats of ${panel}`);
    if (src.byteOffset % 16 !== 0) throw new Error(`copyToTexels: ${src} starts at byte ${src.byteOffset}, not a whole texel (16 bytes)`);
    this.endPass();
    this.enc().copyBufferToTexture(
      { buffer: src.buffer, offset: src.byteOffset, bytesPerRow: TEXEL_ROW * 16, rowsPerImage: panel.rows },
      { texture: panel.texture },
      [TEXEL_ROW, panel.rows],
    );
  }

  /** Copies a raw byte range between buffers (recorded in order with the dispatches). */
  copyRange(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.endPass();
    this.enc().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** Reads a tensor back (flushes pending work first). Throws if any WebGPU error happened. */
  async read(t: Tensor): Promise<Float32Array> {
    const bytes = await this.readBytes(t);
    return t.dtype === 'u32' ? Float32Array.from(new Uint32Array(bytes)) : new Float32Array(bytes);
  }

  async readU32(t: Tensor): Promise<Uint32Array> {
    return new Uint32Array(await this.readBytes(t));
  }

  private async readBytes(t: Tensor): Promise<ArrayBuffer> {
    const size = Math.ceil(t.byteLength / 16) * 16;
    const list = this.staging.get(size) ?? [];
    this.staging.set(size, list);
    const staging = list.pop() ?? this.createBuffer(size, MAP_READ_USAGE, 'readback');
    this.endPass();
    this.enc().copyBufferToBuffer(t.buffer, t.byteOffset, staging, 0, t.byteLength);
    this.flush();
    await staging.mapAsync(MAP_READ, 0, size);
    const out = staging.getMappedRange(0, t.byteLength).slice(0);
    staging.unmap();
    list.push(staging);
    await this.check();
    return out;
  }

  // ---------- submission ----------

  private enc(): GPUCommandEncoder {
    return (this.encoder ??= this.device.createCommandEncoder());
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** Submits everything recorded so far as one command buffer. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    const names = [...this.batchKernels].join(', ');
    let resolve: GPUBuffer | null = null;
    let readTimes: GPUBuffer | null = null;
    const qnames = this.queryNames;
    if (qnames.length && this.querySet) {
      const bytes = qnames.length * 8;
      resolve = this.device.createBuffer({ size: bytes, usage: 0x200 | 0x4 }); // QUERY_RESOLVE | COPY_SRC
      readTimes = this.device.createBuffer({ size: bytes, usage: MAP_READ_USAGE });
      this.encoder.resolveQuerySet(this.querySet, 0, qnames.length, resolve, 0);
      this.encoder.copyBufferToBuffer(resolve, 0, readTimes, 0, bytes);
      this.queryNames = [];
    }
    const d = this.device;
    d.pushErrorScope('out-of-memory');
    d.pushErrorScope('validation');
    d.queue.submit([this.encoder.finish()]);
    const v = d.popErrorScope();
    const o = d.popErrorScope();
    this.pending.push(
      Promise.all([v, o]).then(([ve, oe]) => {
        if (ve) this.errors.push(`WebGPU validation error in a command buffer with kernels [${names}]: ${ve.message}`);
        if (oe) this.errors.push(`out of GPU memory in a command buffer with kernels [${names}]: ${oe.message}`);
      }),
    );
    if (readTimes) {
      const rt = readTimes;
      const rs = resolve!;
      this.pending.push(
        rt.mapAsync(MAP_READ).then(() => {
          const ts = new BigUint64Array(rt.getMappedRange());
          for (let i = 0; i < qnames.length; i += 2) {
            const ms = Number(ts[i + 1] - ts[i]) / 1e6;
            const e = this.times.get(qnames[i]) ?? { count: 0, ms: 0 };
            e.count++;
            e.ms += ms;
            this.times.set(qnames[i], e);
          }
          rt.unmap();
          rt.destroy();
          rs.destroy();
        }),
      );
    }
    this.encoder = null;
    this.batchKernels.clear();
  }

  /** Flushes, waits for the GPU, and throws the first WebGPU error seen since the last check. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.check();
  }

  /** Throws collected errors (validation, out-of-memory, device lost). */
  async check(): Promise<void> {
    while (this.pending.length) {
      const p = this.pending;
      this.pending = [];
      await Promise.all(p);
    }
    if (this.lost) throw new Error(this.lost);
    if (this.errors.length) {
      const all = this.errors.join('\n');
      this.errors = [];
      throw new Error(all);
    }
  }

  /** Per-kernel GPU time collected while `profile` was on (timestamp queries). */
  async kernelTimes(): Promise<Map<string, KernelTime>> {
    await this.sync();
    return new Map(this.times);
  }

  /** Sizes of the caches: after warm-up, repeating the same work must leave these unchanged. */
  cacheStats(): { pipelines: number; bindGroups: number; uniforms: number; buffersCreated: number; pooledBytes: number; texturesCreated: number; textureBytes: number } {
    return {
      pipelines: this.kernels.size,
      bindGroups: this.bindGroups.size,
      uniforms: this.uniforms.size,
      buffersCreated: this.pool.created,
      pooledBytes: this.pool.allocatedBytes,
      texturesCreated: this.textures.created,
      textureBytes: this.textures.allocatedBytes,
    };
  }

  resetKernelTimes(): void {
    this.times.clear();
  }

  private textureId(t: GPUTexture): number {
    let id = this.textureIds.get(t);
    if (id === undefined) this.textureIds.set(t, (id = this.nextBufferId++));
    return id;
  }

  private bufferId(b: GPUBuffer): number {
    let id = this.bufferIds.get(b);
    if (id === undefined) this.bufferIds.set(b, (id = this.nextBufferId++));
    return id;
  }

  /** Uniform blocks are immutable and shared by content, so cached bind groups stay valid. */
  private uniformBuffer(kernelKey: string, data: Uint32Array): GPUBuffer {
    const key = kernelKey + ':' + data.join(',');
    let buf = this.uniforms.get(key);
    if (!buf) {
      if (this.uniforms.size > 16384) this.dropUniformCache();
      buf = this.createBuffer(data.byteLength, UNIFORM_USAGE, `${kernelKey} params`);
      this.device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
      this.uniforms.set(key, buf);
    }
    return buf;
  }

  private dropUniformCache(): void {
    this.flush();
    this.uniforms.clear();
    this.bindGroups.clear();
  }

  destroy(): void {
    this.flush();
    this.device.destroy();
  }
}
