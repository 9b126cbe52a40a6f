// `npm run train -- --dataset mnist|fashion-mnist|DIR|FILE.zip [--channels 1|3]`: loads the training set
// before any GPU work and fits the model config to it — a fresh model takes the set's channels and classes;
// a checkpoint's model (--resume, --from) must already match them, else a one-line error. --resume goes on
// with the set its checkpoint recorded unless --dataset says otherwise. Skipped files are warned about here.
import type { Command } from 'commander';
import { UsageError } from './common.ts';
import { loadTrainingSet, PACKAGED_DATASETS, type LoadedDataset } from '../src/data/datasets-node.ts';
import { DatasetError, setMismatch, type ImageSet } from '../src/data/image-set.ts';
import type { UNetConfig } from '../src/model/config.ts';
import type { CheckpointMeta } from '../src/io/checkpoint.ts';

/** Loads `source` at the model's size; dataset problems become one-line usage errors, warnings go to stderr. */
function load(source: string, size: number, channels: number | undefined): LoadedDataset {
  if (channels !== undefined && (PACKAGED_DATASETS as readonly string[]).includes(source)) {
    throw new UsageError(`--channels applies to a folder or .zip of images; ${source} is grey (1 channel)`);
  }
  let loaded: LoadedDataset;
  try {
    loaded = loadTrainingSet({ source, size, channels });
  } catch (e) {
    if (e instanceof DatasetError) throw new UsageError(`--dataset ${source}: ${e.message}`);
    throw e;
  }
  for (const w of loaded.warnings) console.warn(`warning: ${w}`);
  return loaded;
}

/** A fresh run: the set decides the model's input channels and classes (none with --unconditional). */
export function datasetForFresh(program: Command, config: UNetConfig, fromFile: boolean): LoadedDataset {
  const o = program.opts();
  const loaded = load(o.dataset, config.imageSize, o.channels);
  const classes = o.unconditional ? 0 : loaded.set.classNames.length;
  // A preset is a shape, not a dataset: it follows the set silently; a config file's own values get a note.
  if (fromFile && (config.inChannels !== loaded.set.channels || config.classes !== classes)) {
    console.warn(`note: the model takes the dataset's ${loaded.set.channels} channel(s) and ${classes} classes (--config said ${config.inChannels} and ${config.classes})`);
  }
  config.inChannels = loaded.set.channels;
  config.classes = classes;
  return loaded;
}

/** --resume or --from: the checkpoint fixes the model, and the set must fit it. */
export function datasetForCheckpoint(program: Command, meta: CheckpointMeta, flag: '--resume' | '--from'): LoadedDataset {
  const o = program.opts();
  const given = program.getOptionValueSource('dataset') === 'cli';
  const recorded = meta.dataset;
  // A resumed run trains on what it trained on (checkpoints without a record are MNIST runs).
  const source: string = flag === '--resume' && !given ? (recorded?.source ?? 'mnist') : o.dataset;
  const sameSet = recorded !== undefined && source === recorded.source;
  const channels: number | undefined = o.channels ?? (sameSet && (recorded.kind === 'folder' || recorded.kind === 'zip') ? recorded.channels : undefined);
  const loaded = load(source, meta.config.imageSize, channels);
  checkFits(loaded.set, meta.config, flag, source);
  if (flag === '--resume' && given && (recorded?.source ?? 'mnist') !== source) {
    console.warn(`note: continuing on ${source} (the checkpoint trained on ${recorded?.source ?? 'mnist'})`);
  }
  return loaded;
}

function checkFits(set: ImageSet, config: UNetConfig, flag: string, source: string): void {
  const mismatch = setMismatch(set, config, `the model of ${flag}`);
  if (!mismatch) return;
  const userImages = set.kind === 'folder' || set.kind === 'zip';
  const hint = mismatch.field === 'channels' && userImages ? ` (--channels ${config.inChannels} loads them as ${config.inChannels === 1 ? 'grey' : 'RGB'})` : '';
  throw new UsageError(`--dataset ${source}: ${mismatch.text}${hint}`);
}
