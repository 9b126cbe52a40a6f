// A folder or .zip of the user's own PNG/JPEG images on disk as an ImageSet of the model's size (the CLI's
// `--dataset DIR|FILE.zip`). Which files count, their classes, grey/RGB and the skipped list are the shared
// rules of src/data/user-images.ts; this file walks the folder or opens the zip and decodes with pngjs/jpeg-js.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { imageToRgb } from './decode-image-node.ts';
import type { ImageSet } from './image-set.ts';
import { isClutter, planUserImages, unzipFiles, UserImageCollector, type SetFile, type Skipped, type UserImagesRequest } from './user-images.ts';

/** One file of the set, its bytes read on demand (a folder's files are read one at a time). */
interface Entry extends SetFile {
  read(): Uint8Array;
}

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
  return unzipFiles(new Uint8Array(readFileSync(file))).map(({ path, bytes }) => ({ path, shown: `${file}:${path}`, read: () => bytes }));
}

/** Loads a folder or a .zip file of images (`kind` says which). */
export function loadUserImages(source: string, kind: 'folder' | 'zip', req: UserImagesRequest): { set: ImageSet; skipped: Skipped[] } {
  const collector = new UserImageCollector();
  for (const { file, folder, skip } of planUserImages(kind === 'zip' ? zipEntries(source) : folderEntries(source), kind)) {
    if (skip) {
      collector.skip(file.shown, skip);
      continue;
    }
    try {
      collector.add(imageToRgb(file.read(), req.size), folder);
    } catch (err) {
      collector.skip(file.shown, (err as Error).message);
    }
  }
  return { set: collector.finish(basename(source, '.zip'), kind, req), skipped: collector.skipped };
}
