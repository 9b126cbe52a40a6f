// Parameter sets ↔ safetensors tensors, shared by every model file of the project (UNet checkpoints and
// the MNIST classifier): each set is one flat buffer of a ParamStore ('params', 'ema', Adam moments) saved
// under a name prefix. Reading validates everything (every tensor present with the model's shape, finite,
// nothing extra) before returning, so a bad file is refused with the model untouched.
import type { ParamStore } from '../model/params.ts';
import type { NamedTensor } from './safetensors.ts';

export type FlatKind = 'params' | 'ema' | 'm' | 'v';
/** One saved set: the tensor-name prefix ('' = bare parameter names) and the flat buffer it holds. */
export interface ParamSet { prefix: string; kind: FlatKind }

const tensorName = (prefix: string, name: string) => (prefix ? `${prefix}.${name}` : name);

/** Reads each set's flat buffer off the GPU as named tensors (alignment padding dropped). */
export async function paramSetTensors(ps: ParamStore, sets: readonly ParamSet[]): Promise<NamedTensor[]> {
  const tensors: NamedTensor[] = [];
  for (const { prefix, kind } of sets) {
    const parts = ps.unpack(await ps.flat(kind).read());
    for (const s of ps.specs) tensors.push({ name: tensorName(prefix, s.name), shape: s.shape, data: parts.get(s.name)! });
  }
  return tensors;
}

/**
 * Checks that `tensors` hold exactly the given sets for this store and packs each into a flat array.
 * `what` starts every error ("checkpoint", "classifier file").
 */
export function readParamSets(what: string, tensors: Map<string, NamedTensor>, ps: ParamStore, sets: readonly ParamSet[]): Map<FlatKind, Float32Array> {
  const expected = new Set<string>();
  const flats = new Map<FlatKind, Float32Array>();
  for (const { prefix, kind } of sets) {
    const parts = new Map<string, Float32Array>();
    for (const s of ps.specs) {
      const name = tensorName(prefix, s.name);
      expected.add(name);
      const t = tensors.get(name);
      if (!t) throw new Error(`${what}: tensor ${name} is missing`);
      if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i])) {
        throw new Error(`${what}: tensor ${name} has shape [${t.shape}], the model expects [${s.shape}]`);
      }
      for (const v of t.data) if (!Number.isFinite(v)) throw new Error(`${what}: tensor ${name} holds a non-finite value`);
      parts.set(s.name, t.data);
    }
    flats.set(kind, ps.pack(parts));
  }
  const extra = [...tensors.keys()].filter((n) => !expected.has(n));
  if (extra.length) throw new Error(`${what}: unexpected tensors ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`);
  return flats;
}
