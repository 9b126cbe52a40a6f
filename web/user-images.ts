// "Train on your images": files picked (several at once, a whole folder, a .zip) or dropped, decoded by the
// browser (createImageBitmap: PNG, JPEG and whatever else it reads) and made into a training set by the same
// rules as the CLI's `--dataset DIR|FILE.zip` (src/data/user-images.ts): class subfolders become classes, bad
// files are skipped and named, all-grey images make a 1-channel set, the centred square is resized to the
// model's size with the same area average, and the set is cut to fit one GPU buffer.
import { capToBinding, datasetRecord, DatasetError } from '../src/data/image-set.ts';
import { imageFormat, rgbaToRgb, type Rgba } from '../src/data/rgba.ts';
import { centreSquare } from '../src/data/resize.ts';
import { isClutter, planUserImages, unzipFiles, UserImageCollector, type SetFile, type Skipped, type UserImagesRequest } from '../src/data/user-images.ts';
import type { TrainingSet } from './training-set.ts';

/** A file the user gave: its path inside what was given ('photos/cats/1.png' for a folder) and its contents. */
export interface PickedFile {
  path: string;
  file: Blob;
}

/** What came of a pick: the set (null when no image was usable, said in `error`), the skipped files, a cut. */
export interface PickResult {
  data: TrainingSet | null;
  skipped: Skipped[];
  error: string | null;
  note: string | null;
}

interface Entry extends SetFile {
  blob: Blob;
}

const isZip = (p: PickedFile) => p.path.toLowerCase().endsWith('.zip');
const fileName = (path: string) => path.split('/').pop() ?? path;

/** What the set is called and recorded as: the zip's or the folder's name, else "your images". */
function nameOf(picked: PickedFile[]): { name: string; kind: 'folder' | 'zip'; source: string } {
  if (picked.length === 1 && isZip(picked[0])) {
    const source = fileName(picked[0].path);
    return { name: source.replace(/\.zip$/i, ''), kind: 'zip', source };
  }
  const top = picked[0]?.path.split('/')[0] ?? '';
  const oneFolder = picked.length > 0 && picked.every((p) => p.path.includes('/') && p.path.split('/')[0] === top);
  return oneFolder ? { name: top, kind: 'folder', source: top } : { name: 'your images', kind: 'folder', source: 'your images' };
}

/** The files of the set: zips opened (an unreadable one is skipped), clutter left out. */
async function entriesOf(picked: PickedFile[], collector: UserImageCollector): Promise<Entry[]> {
  const out: Entry[] = [];
  for (const p of picked) {
    if (isClutter(p.path)) continue;
    if (!isZip(p)) {
      out.push({ path: p.path, shown: p.path, blob: p.file });
      continue;
    }
    try {
      for (const f of unzipFiles(new Uint8Array(await p.file.arrayBuffer()))) {
        out.push({ path: f.path, shown: `${fileName(p.path)}:${f.path}`, blob: new Blob([f.bytes as BlobPart]) });
      }
    } catch (e) {
      collector.skip(p.path, (e as Error).message);
    }
  }
  return out;
}

/**
 * The centred square of an image file as RGBA, decoded by the browser without colour management (as the
 * CLI's decoders). A square larger than `maxSide` is first shrunk by the browser to it: a phone photo at full
 * size would take hundreds of MB as floats, and the area average after it does the rest of the shrinking.
 */
async function decodeSquare(blob: Blob, maxSide: number): Promise<Rgba> {
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  try {
    const { left, top, side } = centreSquare(bitmap.width, bitmap.height);
    if (side < 1) throw new Error('image has no pixels');
    const out = Math.min(side, maxSide);
    const ctx = new OffscreenCanvas(out, out).getContext('2d', { willReadFrequently: true })!;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, left, top, side, side, 0, 0, out, out);
    return { width: out, height: out, data: ctx.getImageData(0, 0, out, out).data };
  } finally {
    bitmap.close();
  }
}

/** Why the browser could not read a file, in the CLI's words where the first bytes say what it claims to be. */
async function unreadable(blob: Blob): Promise<string> {
  const format = imageFormat(new Uint8Array(await blob.slice(0, 4).arrayBuffer()));
  return format ? `damaged ${format} file` : 'not an image this browser can read';
}

/** Reads the picked files into a training set of the model's size; `progress` hears of each file read. */
export async function readPickedImages(picked: PickedFile[], req: UserImagesRequest, progress: (done: number, total: number) => void): Promise<PickResult> {
  const collector = new UserImageCollector();
  const { name, kind, source } = nameOf(picked);
  try {
    const entries = await entriesOf(picked, collector);
    // A lone unreadable zip has no files but one skipped: that is "no usable image", not "no files".
    const plan = entries.length || !collector.skipped.length ? planUserImages(entries, kind) : [];
    for (const [k, { file, folder, skip }] of plan.entries()) {
      progress(k, plan.length);
      if (skip) {
        collector.skip(file.shown, skip);
        continue;
      }
      try {
        collector.add(rgbaToRgb(await decodeSquare(file.blob, 8 * req.size), req.size), folder);
      } catch {
        collector.skip(file.shown, await unreadable(file.blob));
      }
    }
    const capped = capToBinding(collector.finish(name, kind, req));
    return { data: { set: capped.set, record: datasetRecord(capped.set, source) }, skipped: collector.skipped, error: null, note: capped.note };
  } catch (e) {
    if (!(e instanceof DatasetError)) throw e;
    return { data: null, skipped: collector.skipped, error: e.message, note: null };
  }
}
