// Checkpoint files in Node: written atomically (temporary file in the same directory, fsync, rename), so a
// crash never leaves a half-written checkpoint under the real name.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, existsSync, statSync, unlinkSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';

export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function readFileBytes(path: string, what: string): Uint8Array {
  if (!existsSync(path)) throw new Error(`${what} ${path} does not exist`);
  if (!statSync(path).isFile()) throw new Error(`${what} ${path} is not a file`);
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Makes `dir` (one level at a time, so an impossible path fails at once instead of looping in a recursive
 * mkdir) and proves it writable with a probe file; throws one line naming the path and the reason.
 */
export function ensureWritableDir(dir: string, what: string): void {
  const missing: string[] = [];
  let p = resolve(dir);
  while (!existsSync(p)) {
    missing.unshift(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  try {
    if (!statSync(p).isDirectory()) throw new Error(`${p} is not a directory`);
    for (const m of missing) mkdirSync(m);
    const probe = join(dir, `.write-test.${process.pid}`);
    closeSync(openSync(probe, 'w'));
    unlinkSync(probe);
  } catch (e) {
    throw new Error(`${what} ${dir} cannot be written (${(e as Error).message})`);
  }
}
