// A folder or .zip of the user's own PNG/JPEG images as an ImageSet of the model's size. Layout: images in
// class subfolders (`cats/…`, `dogs/…`: the sorted subfolder names are the classes) or all in one place
// (unlabelled: the model trains unconditional). A single top folder holding everything (as zips often have)
// is looked into. Grey or RGB is detected (every image grey → 1 channel, else 3) unless forced. A file that
// is not a usable image is skipped and named in `skipped`; hidden files and __MACOSX/ are system clutter and
// ignored. No usable image at all is a DatasetError.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { unzipSync } from 'fflate';
import { imageToRgb, isGrey } from './decode-image-node.ts';
import { DatasetError, type ImageSet } from './image-set.ts';

/** One file of the set: its '/'-separated path inside the set, its name for messages, its bytes on demand. */
interface Entry {
  path: string;
  shown: string;
  read(): Uint8Array;
}

export interface Skipped {
  file: string;
  reason: string;
}

const isClutter = (path: string) => path.split('/').some((seg) => seg.startsWith('.') || seg === '__MACOSX');

function folderEntries(dir: string, rel = ''): Entry[] {
  const out: Entry[] = [];
  for (const name of readdirSync(join(dir, rel))) {
    const path = rel ? `${rel}/${name}` : name;
    if (isClutter(path)) continue;
    const full = join(dir, path);
    if (statSync(full).isDirectory()) out.push(...folderEntries(dir, path));
    else out.push({ path, shown: full, read: () => new Uint8Array(readFileSync(full)) });
  }
  return out;
}

function zipEntries(file: string): Entry[] {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(new Uint8Array(readFileSync(file)), { filter: (f) => !f.name.endsWith('/') && !isClutter(f.name) });
  } catch (e) {
    throw new DatasetError(`not a readable zip file (${(e as Error).message})`);
  }
  return Object.entries(files).map(([path, bytes]) => ({ path, shown: `${file}:${path}`, read: () => bytes }));
}

/** Drops a first folder that every entry shares (a zip of `photos/` holds `photos/cats/1.png`…). */
function stripSharedTop(entries: Entry[]): Entry[] {
  let out = entries;
  for (;;) {
    const first = out[0]?.path.split('/')[0];
    if (!out.length || !out.every((e) => e.path.includes('/') && e.path.split('/')[0] === first)) return out;
    out = out.map((e) => ({ ...e, path: e.path.slice(first.length + 1) }));
  }
}

export interface UserImagesRequest {
  /** The model's image size: every image is centre-cropped to a square and resized to it. */
  size: number;
  /** 1 or 3 to force grey or RGB; absent: detected. */
  channels?: number;
}

/** Loads a folder or a .zip file of images (`kind` says which). */
export function loadUserImages(source: string, kind: 'folder' | 'zip', req: UserImagesRequest): { set: ImageSet; skipped: Skipped[] } {
  const all = (kind === 'zip' ? zipEntries(source) : folderEntries(source)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (!all.length) throw new DatasetError(`the ${kind} holds no files`);
  const entries = stripSharedTop(all);
  const labelled = entries.some((e) => e.path.includes('/'));
  const skipped: Skipped[] = [];
  const good: { rgb: Float32Array; folder: string }[] = [];
  for (const e of entries) {
    if (labelled && !e.path.includes('/')) {
      skipped.push({ file: e.shown, reason: 'not inside a class folder (the other images are)' });
      continue;
    }
    try {
      good.push({ rgb: imageToRgb(e.read(), req.size), folder: labelled ? e.path.split('/')[0] : '' });
    } catch (err) {
      skipped.push({ file: e.shown, reason: (err as Error).message });
    }
  }
  if (!good.length) {
    const first = skipped[0];
    throw new DatasetError(`no usable image in the ${kind} (${skipped.length} file${skipped.length > 1 ? 's' : ''} skipped; ${basename(first.file)}: ${first.reason})`);
  }
  // Classes are the folders that kept at least one image: an empty class would never be trained.
  const classNames = labelled ? [...new Set(good.map((g) => g.folder))].sort() : [];
  if (classNames.length > 255) throw new DatasetError(`${classNames.length} class folders; at most 255 are supported`);
  const channels = req.channels ?? (good.every((g) => isGrey(g.rgb)) ? 1 : 3);
  return { set: assemble(good, classNames, channels, req.size, basename(source, '.zip'), kind), skipped };
}

/** Packs decoded RGB images into one ImageSet of `channels` (grey = Rec. 601 luma). */
function assemble(good: { rgb: Float32Array; folder: string }[], classNames: string[], channels: number, size: number, name: string, kind: 'folder' | 'zip'): ImageSet {
  const plane = size * size;
  const images = new Float32Array(good.length * channels * plane);
  good.forEach(({ rgb }, k) => {
    const at = k * channels * plane;
    if (channels === 3) images.set(rgb, at);
    else for (let i = 0; i < plane; i++) images[at + i] = 0.299 * rgb[i] + 0.587 * rgb[plane + i] + 0.114 * rgb[2 * plane + i];
  });
  const labels = Uint8Array.from(good, (g) => (classNames.length ? classNames.indexOf(g.folder) : 0));
  return { images, labels, count: good.length, size, channels, name, kind, classNames };
}
