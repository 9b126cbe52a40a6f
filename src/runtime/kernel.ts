// Kernel reflection: reads a compute entry point's bindings and its uniform Params struct out of the WGSL
// with wgsl_reflect, so the TypeScript side packs parameters and checks bindings from the shader itself.
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';

export type ScalarType = 'u32' | 'i32' | 'f32';

export interface ParamField {
  name: string;
  offset: number; // byte offset inside the uniform block
  type: ScalarType;
}

export interface BindingInfo {
  name: string;
  binding: number;
  /**
   * 'texture': a sampled texture_2d<f32> read with textureLoad (an rgba32float texel panel, filled by a copy).
   */
  kind: 'uniform' | 'storage' | 'texture';
  writable: boolean;
  /** Fields of the uniform struct (uniform bindings only). */
  fields?: ParamField[];
  /** Byte size of the uniform struct, rounded up to 16. */
  uniformBytes?: number;
}

export interface KernelInfo {
  /** "file.entry", used in every error message. */
  name: string;
  entry: string;
  workgroupSize: [number, number, number];
  bindings: BindingInfo[];
  overrides: string[];
}

const reflectCache = new Map<string, WgslReflect>();

function reflectSource(source: string): WgslReflect {
  let r = reflectCache.get(source);
  if (!r) {
    r = new WgslReflect(source);
    reflectCache.set(source, r);
  }
  return r;
}

/** Reflects one compute entry point. Throws if the shader breaks the project's conventions. */
export function reflectKernel(file: string, source: string, entry: string): KernelInfo {
  const name = `${file}.${entry}`;
  const r = reflectSource(source);
  const fn = r.entry.compute.find((f) => f.name === entry);
  if (!fn) {
    const have = r.entry.compute.map((f) => f.name).join(', ');
    throw new Error(`kernel ${name}: no compute entry point "${entry}" (shader has: ${have})`);
  }
  const bindings: BindingInfo[] = [];
  for (const v of fn.resources) {
    if (v.group !== 0) throw new Error(`kernel ${name}: binding ${v.name} is in group ${v.group}; only group 0 is used`);
    // wgsl_reflect's ResourceType: 0 uniform, 1 storage, 3 texture. (Storage textures are not supported: on
    // lavapipe a kernel's textureStore costs ~3× a storage store, so packs write buffers that are copied.)
    const kind = ({ 0: 'uniform', 1: 'storage', 3: 'texture' } as const)[v.resourceType as number];
    if (!kind) throw new Error(`kernel ${name}: binding ${v.name} is not a uniform, storage buffer or texture_2d<f32> (storage textures are not supported)`);
    const isUniform = kind === 'uniform';
    if (kind === 'texture' && v.type.getTypeName() !== 'texture_2d<f32>') {
      throw new Error(`kernel ${name}: texture ${v.name} is ${v.type.getTypeName()}; only texture_2d<f32> (rgba32float panels) is supported`);
    }
    const info: BindingInfo = {
      name: v.name,
      binding: v.binding,
      kind,
      writable: kind === 'storage' && v.access === 'read_write',
    };
    if (isUniform) {
      const members = v.type.isStruct ? (v.type as unknown as { members: { name: string; offset: number; type: { name: string } }[] }).members : null;
      if (!members) throw new Error(`kernel ${name}: uniform ${v.name} must be a struct of scalars`);
      info.fields = members.map((m) => {
        const t = m.type.name;
        if (t !== 'u32' && t !== 'i32' && t !== 'f32') {
          throw new Error(`kernel ${name}: uniform field ${v.name}.${m.name} has type ${t}; only u32/i32/f32 are supported`);
        }
        return { name: m.name, offset: m.offset, type: t };
      });
      info.uniformBytes = Math.max(16, Math.ceil(v.type.size / 16) * 16);
    }
    bindings.push(info);
  }
  bindings.sort((a, b) => a.binding - b.binding);
  for (let i = 1; i < bindings.length; i++) {
    if (bindings[i].binding === bindings[i - 1].binding) {
      // wgsl_reflect attributes resources to an entry point by identifier, unscoped: a local variable or
      // parameter named like another entry's binding makes that binding look used here too.
      throw new Error(
        `kernel ${name}: bindings ${bindings[i - 1].name} and ${bindings[i].name} share @binding(${bindings[i].binding}); ` +
          `if only one is really used, rename the local identifier that shadows the other`,
      );
    }
  }
  const wg = fn.workgroupSize ?? [1, 1, 1];
  return {
    name,
    entry,
    workgroupSize: [wg[0] || 1, wg[1] || 1, wg[2] || 1],
    bindings,
    // Module-level list: wgsl_reflect does not trace overrides used only inside helper functions.
    overrides: [...new Set(r.overrides.map((o) => o.name))],
  };
}

/**
 * Packs a params object into the uniform block's bytes. Every struct field must be given, and nothing else:
 * a missing or unknown name is an error naming the kernel, so TypeScript and WGSL cannot drift apart.
 */
export function packParams(kernel: string, b: BindingInfo, params: Record<string, number>): Uint32Array {
  const fields = b.fields!;
  const bytes = new ArrayBuffer(b.uniformBytes!);
  const view = new DataView(bytes);
  const given = new Set(Object.keys(params));
  for (const f of fields) {
    const v = params[f.name];
    if (v === undefined) {
      throw new Error(`kernel ${kernel}: missing parameter "${f.name}" (expected fields: ${fields.map((x) => x.name).join(', ')})`);
    }
    given.delete(f.name);
    if (f.type === 'f32') view.setFloat32(f.offset, v, true);
    else {
      if (!Number.isInteger(v)) throw new Error(`kernel ${kernel}: parameter "${f.name}" is ${f.type} but got ${v}`);
      if (f.type === 'u32') {
        if (v < 0 || v > 0xffffffff) throw new Error(`kernel ${kernel}: parameter "${f.name}" = ${v} does not fit u32`);
        view.setUint32(f.offset, v, true);
      } else view.setInt32(f.offset, v, true);
    }
  }
  if (given.size > 0) {
    throw new Error(`kernel ${kernel}: unknown parameter(s) ${[...given].join(', ')} (shader fields: ${fields.map((x) => x.name).join(', ')})`);
  }
  return new Uint32Array(bytes);
}
