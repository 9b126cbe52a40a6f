// The platform-neutral part of a set of the user's own images, shared by the CLI (a folder or .zip on disk:
// src/data/user-images-node.ts) and the page (files, a folder or a .zip picked or dropped: web/user-images.ts).
// Layout: images in class subfolders (`cats/…`, `dogs/…`: the sorted subfolder names are the classes) or all
// in one place (unlabelled: the model trains unconditional). A single top folder holding everything (as zips
// often have) is looked into; hidden files and __MACOSX/ are system clutter and ignored. Grey or RGB is
// detected (every image grey → 1 channel, else 3) unless forced. A file that is not a usable image is skipped
// and named; no usable image at all is a DatasetError. Reading and decoding the files is the platform's.
import { unzipSync } from 'fflate';
import { DatasetError, type ImageSet } from './image-set.ts';
import { isGrey, rgbToGrey } from './rgba.ts';

export interface Skipped {
  file: string;
  reason: string;
}

/** One file of a set: its '/'-separated path inside the set, and its name for messages. */
export interface SetFile {
  path: string;
  shown: string;
}

export const isClutter = (path: string): boolean => path.split('/').some((seg) => seg.startsWith('.') || seg === '__MACOSX');

/** The files of a zip (clutter and folder entries left out); an unreadable zip is a DatasetError. */
export function unzipFiles(bytes: Uint8Array): { path: string; bytes: Uint8Array }[] {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (f) => !f.name.endsWith('/') && !isClutter(f.name) });
  } catch (e) {
    throw new DatasetError(`not a readable zip file (${(e as Error).message})`);
  }
  return Object.entries(files).map(([path, data]) => ({ path, bytes: data }));
}

/** Drops a first folder that every file shares (a zip of `photos/` holds `photos/cats/1.png`…). */
function stripSharedTop<T extends SetFile>(files: T[]): T[] {
  let out = files;
  for (;;) {
    const first = out[0]?.path.split('/')[0];
    if (!out.length || !out.every((e) => e.path.includes('/') && e.path.split('/')[0] === first)) return out;
    out = out.map((e) => ({ ...e, path: e.path.slice(first.length + 1) }));
  }
}

/** A file in reading order with its class folder ('' when the set is unlabelled), or why it is skipped. */
export interface PlannedFile<T> {
  file: T;
  folder: string;
  skip: string | null;
}

/** The files of a set in reading order (sorted by path), each with its class folder or why it is skipped. */
export function planUserImages<T extends SetFile>(files: T[], kind: 'folder' | 'zip'): PlannedFile<T>[] {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (!sorted.length) throw new DatasetError(`the ${kind} holds no files`);
  const inSet = stripSharedTop(sorted);
  const labelled = inSet.some((e) => e.path.includes('/'));
  return inSet.map((file) => {
    if (!labelled) return { file, folder: '', skip: null };
    if (!file.path.includes('/')) return { file, folder: '', skip: 'not inside a class folder (the other images are)' };
    return { file, folder: file.path.split('/')[0], skip: null };
  });
}

/** What to make of the decoded images: the set's name and kind, the model's size, channels forced or not. */
export interface UserImagesRequest {
  /** The model's image size: every image is centre-cropped to a square and resized to it. */
  size: number;
  /** 1 or 3 to force grey or RGB; absent: detected. */
  channels?: number;
}

/** Gathers a set's decoded images and skipped files in reading order, then packs them into an ImageSet. */
export class UserImageCollector {
  readonly skipped: Skipped[] = [];
  private readonly good: { rgb: Float32Array; folder: string }[] = [];

  skip(file: string, reason: string): void {
    this.skipped.push({ file, reason });
  }

  /** One decoded image: planar RGB [3, size, size] in [0, 1], and its class folder ('' unlabelled). */
  add(rgb: Float32Array, folder: string): void {
    this.good.push({ rgb, folder });
  }

  /** The set; a DatasetError naming the first skipped file when no image was usable. */
  finish(name: string, kind: 'folder' | 'zip', req: UserImagesRequest): ImageSet {
    const good = this.good;
    if (!good.length) {
      const first = this.skipped[0];
      const n = this.skipped.length;
      throw new DatasetError(`no usable image in the ${kind} (${n} file${n > 1 ? 's' : ''} skipped; ${lastSegment(first.file)}: ${first.reason})`);
    }
    // Classes are the folders that kept at least one image: an empty class would never be trained.
    const classNames = good.some((g) => g.folder) ? [...new Set(good.map((g) => g.folder))].sort() : [];
    if (classNames.length > 255) throw new DatasetError(`${classNames.length} class folders; at most 255 are supported`);
    const channels = req.channels ?? (good.every((g) => isGrey(g.rgb)) ? 1 : 3);
    const plane = req.size * req.size;
    const images = new Float32Array(good.length * channels * plane);
    good.forEach(({ rgb }, k) => {
      const at = k * channels * plane;
      if (channels === 3) images.set(rgb, at);
      else images.set(rgbToGrey(rgb), at);
    });
    const labels = Uint8Array.from(good, (g) => (classNames.length ? classNames.indexOf(g.folder) : 0));
    return { images, labels, count: good.length, size: req.size, channels, name, kind, classNames };
  }
}

/** A file's own name from a path or a `zip:entry` name (either separator). */
const lastSegment = (file: string) => file.split(/[\\/:]/).pop() ?? file;
