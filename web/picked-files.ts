// The files given to "Train on your images", each with its path inside what was given: from the file inputs
// (several files, or a folder through webkitdirectory: each file's webkitRelativePath starts with the
// folder's name) and from a drop (files and whole folders, walked with the File and Directory Entries API).
import type { PickedFile } from './user-images.ts';

export function pickedFromInput(input: HTMLInputElement): PickedFile[] {
  return Array.from(input.files ?? []).map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** A drop's files and folders. The items are read before the first await: the DataTransfer empties after it. */
export async function pickedFromDrop(dt: DataTransfer): Promise<PickedFile[]> {
  const entries = Array.from(dt.items).map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  const loose = Array.from(dt.files).map((file) => ({ path: file.name, file }));
  if (!entries.length) return loose;
  const out: PickedFile[] = [];
  for (const e of entries) await walk(e, out);
  return out;
}

async function walk(entry: FileSystemEntry, out: PickedFile[]): Promise<void> {
  const path = entry.fullPath.replace(/^\//, '');
  if (entry.isFile) {
    out.push({ path, file: await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject)) });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries hands a folder's entries out in batches (100 at a time in Chromium) until one comes back empty.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) return;
    for (const child of batch) await walk(child, out);
  }
}
