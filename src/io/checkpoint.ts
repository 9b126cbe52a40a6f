// Checkpoints as safetensors: weights (`model.*`), EMA weights (`ema.*`) and AdamW moments
// (`optimizer.m.*`, `optimizer.v.*`), with the model config, schedule, step and training settings in the
// metadata. A model-only file (the shipped models in pretrained/: `model.*` alone, metadata
// `contents: "model"`) loads as weights = EMA weights with fresh optimizer moments, so training can go on
// from it. Loading validates names, shapes, dtypes and config before anything reaches the GPU, so a
// truncated, foreign or mismatched file leaves the model untouched.
import type { UNet } from '../model/unet.ts';
import type { UNetConfig } from '../model/config.ts';
import type { ScheduleConfig } from '../diffusion/schedule.ts';
import type { DatasetRecord } from '../data/image-set.ts';
import { decodeSafetensors, encodeSafetensors } from './safetensors.ts';
import { paramSetTensors, readParamSets, type ParamSet } from './param-sets.ts';

export const CHECKPOINT_FORMAT = 'webgpu-diffusion/1';

const SETS: readonly ParamSet[] = [
  { prefix: 'model', kind: 'params' },
  { prefix: 'ema', kind: 'ema' },
  { prefix: 'optimizer.m', kind: 'm' },
  { prefix: 'optimizer.v', kind: 'v' },
];

export interface CheckpointMeta {
  config: UNetConfig;
  schedule: ScheduleConfig;
  step: number;
  train?: Record<string, unknown>;
  /** The WebGPU adapter that trained it ({kind, vendor, architecture, description}), when known. */
  adapter?: Record<string, string>;
  /** 'full' (weights, EMA, optimizer) or 'model' (one set of weights: a shipped model). */
  contents?: 'full' | 'model';
  /** Free-form facts about how a shipped model was made (image-gradients, wall time, dataset…). */
  about?: Record<string, unknown>;
  /** The set it was trained on (name, kind, source, count, channels, size, class names); absent in older files (MNIST). */
  dataset?: DatasetRecord;
}

export async function checkpointBytes(model: UNet, meta: Omit<CheckpointMeta, 'config'>): Promise<Uint8Array> {
  return encodeSafetensors(await paramSetTensors(model.params, SETS), {
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify(model.config),
    schedule: JSON.stringify(meta.schedule),
    step: String(meta.step),
    train: JSON.stringify(meta.train ?? {}),
    ...(meta.adapter ? { adapter: JSON.stringify(meta.adapter) } : {}),
    ...(meta.dataset ? { dataset: JSON.stringify(meta.dataset) } : {}),
  });
}

/** Reads and checks the metadata only (to build a model of the right config before loading). */
/** The checkpoint's metadata; `source` (its path) prefixes any error, so a user sees which file is wrong. */
export function readCheckpointMeta(bytes: Uint8Array, source?: string): CheckpointMeta {
  try {
    return parseMeta(decodeSafetensors(bytes).metadata);
  } catch (e) {
    if (source === undefined) throw e;
    throw new Error(`${source}: ${(e as Error).message}`);
  }
}

function parseMeta(metadata: Record<string, string>): CheckpointMeta {
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new Error(`checkpoint: metadata format is ${JSON.stringify(metadata.format)}, expected "${CHECKPOINT_FORMAT}" (not a checkpoint of this project)`);
  }
  try {
    const step = Number(metadata.step);
    if (!Number.isInteger(step) || step < 0) throw new Error(`step ${metadata.step}`);
    const contents = metadata.contents ?? 'full';
    if (contents !== 'full' && contents !== 'model') throw new Error(`contents "${contents}" (expected "full" or "model")`);
    return {
      config: JSON.parse(metadata.config), schedule: JSON.parse(metadata.schedule), step, train: JSON.parse(metadata.train ?? '{}'), contents,
      ...(metadata.adapter ? { adapter: JSON.parse(metadata.adapter) } : {}),
      ...(metadata.about ? { about: JSON.parse(metadata.about) } : {}),
      ...(metadata.dataset ? { dataset: JSON.parse(metadata.dataset) } : {}),
    };
  } catch (e) {
    throw new Error(`checkpoint: unreadable metadata (${(e as Error).message})`);
  }
}

/** Validates everything, then writes weights, EMA and optimizer state into the model's GPU buffers. */
export function loadCheckpoint(model: UNet, bytes: Uint8Array): CheckpointMeta {
  const file = decodeSafetensors(bytes);
  const meta = parseMeta(file.metadata);
  if (JSON.stringify(meta.config) !== JSON.stringify(model.config)) {
    throw new Error(`checkpoint: model config differs (file: ${JSON.stringify(meta.config)}; model: ${JSON.stringify(model.config)})`);
  }
  const ps = model.params;
  const flats = readParamSets('checkpoint', file.tensors, ps, meta.contents === 'model' ? SETS.slice(0, 1) : SETS);
  if (meta.contents === 'model') {
    // One set of weights: it is also the EMA; the optimizer starts fresh.
    const zeros = new Float32Array(ps.total);
    flats.set('ema', flats.get('params')!).set('m', zeros).set('v', zeros);
  }
  for (const [kind, data] of flats) model.gpu.write(ps.flat(kind), data);
  return meta;
}
