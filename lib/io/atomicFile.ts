/**
 * Replacing an output file so that a crash or power loss leaves either the old file or the
 * new one, never a half-written or empty one: write a temporary file next to it, fsync it,
 * rename it over the target, then fsync the folder (the rename itself lives in the folder's
 * metadata; without that fsync a power loss can undo it after the old data is gone).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A temporary name next to `file` (same folder: rename(2) is only atomic within one file system). */
export function tempNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** fsyncs a folder, so that a rename or a new file in it survives a power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
  } catch {
    return; // a platform that cannot open folders (Windows): nothing more to do
  }
  try {
    await fh.sync();
  } catch {
    /* some file systems refuse fsync on a folder; the rename is still atomic */
  } finally {
    await fh.close();
  }
}

/** fsyncDir, synchronously (for the results store, which works synchronously). */
export function fsyncDirSync(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    /* see fsyncDir */
  } finally {
    closeSync(fd);
  }
}

/** Writes `text` to `file` atomically and durably (see the file comment). */
export async function writeFileAtomic(file: string, text: string | Uint8Array): Promise<void> {
  await replaceFile(file, (tmp) => writeFile(tmp, text, { flag: 'wx' }));
}

/**
 * The general form: `fill` writes the new content to the temporary path it is given (with
 * a stream when the content is too big for one string); then fsync, rename over `file`,
 * fsync the folder. When `fill` throws, the temporary file is removed and `file` is left as
 * it was.
 */
export async function replaceFile(file: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = tempNameFor(file);
  try {
    await fill(tmp);
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(path.dirname(file));
}
