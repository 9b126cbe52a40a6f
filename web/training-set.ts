// The set the page trains on: MNIST (always at hand) or the user's images, with the record every checkpoint
// keeps of it (the CLI's DatasetRecord). A new model takes the set's channels and classes; a checkpoint that
// recorded MNIST (or nothing: the page's and the shipped models before records) trains on MNIST, any other
// must fit the set chosen on the page, or it is refused with what it needs.
import { datasetRecord, mnistSet, setMismatch, type DatasetRecord, type ImageSet } from '../src/data/image-set.ts';
import type { Digits } from '../src/data/mnist-node.ts';
import type { CheckpointMeta } from '../src/io/checkpoint.ts';
import type { UNetConfig } from '../src/model/config.ts';

export interface TrainingSet {
  set: ImageSet;
  record: DatasetRecord;
}

export function mnistTrainingSet(digits: Digits): TrainingSet {
  const set = mnistSet(digits);
  return { set, record: datasetRecord(set, 'mnist') };
}

export const isMnist = (t: TrainingSet): boolean => t.record.kind === 'mnist';

/** "pets: 12 images, 28×28 RGB, 2 classes (cats, dogs)". */
export function describeSet(set: ImageSet): string {
  const names = set.classNames;
  const classes = names.length ? `${names.length} classes (${names.slice(0, 6).join(', ')}${names.length > 6 ? ', …' : ''})` : 'unlabelled';
  return `${set.name}: ${set.count.toLocaleString('en')} images, ${set.size}×${set.size} ${set.channels === 1 ? 'grey' : 'RGB'}, ${classes}`;
}

/** A preset's config made for the set: its channels, and its classes when conditional (none: unconditional). */
export function configForSet(config: UNetConfig, set: ImageSet, conditional: boolean): UNetConfig {
  return { ...config, inChannels: set.channels, classes: conditional ? set.classNames.length : 0 };
}

/** The set a checkpoint's model trains on in the page; a model that does not fit the chosen set is refused. */
export function setForCheckpoint(meta: CheckpointMeta, mnist: TrainingSet, chosen: TrainingSet): TrainingSet {
  const recorded = meta.dataset;
  const onMnist = !recorded || recorded.kind === 'mnist';
  const data = onMnist ? mnist : chosen;
  const mismatch = setMismatch(data.set, meta.config, "the checkpoint's model");
  if (!mismatch) return data;
  const trainedOn = recorded ? `${recorded.name} (${recorded.channels === 1 ? 'grey' : 'RGB'}, ${recorded.classNames.length || 'no'} classes)` : 'MNIST';
  const what = onMnist ? '' : ' Choose its images under "Train on your images" first.';
  throw new Error(`it trained on ${trainedOn}, and the training set here is ${data.set.name}: ${mismatch.text}.${what}`);
}
