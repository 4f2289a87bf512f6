/**
 * Input fingerprints: cheap enough for tens of thousands of videos (at most 2 MiB read per
 * file), strong enough to notice a replaced or re-encoded file. A video counts as unchanged
 * when size, mtime and the hash all match.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { TheValError } from '../errors.js';

/** The scheme, written into every fingerprint so a later version can tell what was hashed. */
export const FINGERPRINT_SCHEME = 'size+mtime+sha256(first 1 MiB, last 1 MiB)';
const CHUNK = 1 << 20;

export interface Fingerprint {
  scheme: string;
  size: number;
  /** Modification time, milliseconds since the epoch (as fs.stat gives it). */
  mtimeMs: number;
  /** sha256 (hex) of the first 1 MiB followed by the last 1 MiB (the whole file, once, when it is at most 2 MiB). */
  sha256: string;
}

export async function fingerprint(file: string): Promise<Fingerprint> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // The codes probe() gives for the same causes (native/decode/ffmpeg_util.cc): a path that
    // does not exist is FILE_NOT_FOUND, one that exists but cannot be read (permissions, a
    // symlink loop) is NOT_MEDIA.
    const missing = code === 'ENOENT' || code === 'ENOTDIR';
    throw new TheValError(missing ? 'FILE_NOT_FOUND' : 'NOT_MEDIA', `${file}: ${missing ? 'no such file' : `cannot read (${(e as Error).message})`}`, file);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new TheValError('NOT_MEDIA', `${file}: not a regular file`, file);
    const hash = createHash('sha256');
    const readAt = async (pos: number, len: number) => {
      const buf = Buffer.alloc(len);
      let got = 0;
      while (got < len) {
        const { bytesRead } = await fh!.read(buf, got, len - got, pos + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      hash.update(buf.subarray(0, got));
    };
    if (st.size <= 2 * CHUNK) await readAt(0, st.size);
    else {
      await readAt(0, CHUNK);
      await readAt(st.size - CHUNK, CHUNK);
    }
    return { scheme: FINGERPRINT_SCHEME, size: st.size, mtimeMs: st.mtimeMs, sha256: hash.digest('hex') };
  } finally {
    await fh.close();
  }
}

export function sameFingerprint(a: Fingerprint | undefined, b: Fingerprint | undefined): boolean {
  return !!a && !!b && a.scheme === b.scheme && a.size === b.size && a.mtimeMs === b.mtimeMs && a.sha256 === b.sha256;
}

const modelHashes = new Map<string, { size: number; mtimeMs: number; ino: number; sha256: string }>();

/**
 * sha256 (hex) of a whole file, e.g. a user's ONNX model: what identifies the numbers it
 * produces (a file name does not: the file can be replaced). Cached by path, size, mtime
 * and inode, so a batch hashes each model once. Throws MODEL_MISSING when the file cannot
 * be read.
 */
export function fileSha256Sync(file: string): string {
  const abs = path.resolve(file);
  let st;
  try {
    st = statSync(abs);
  } catch (e) {
    throw new TheValError('MODEL_MISSING', `${abs}: ${(e as Error).message}`, abs);
  }
  const hit = modelHashes.get(abs);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs && hit.ino === st.ino) return hit.sha256;
  const hash = createHash('sha256');
  const fd = openSync(abs, 'r');
  try {
    const buf = Buffer.alloc(CHUNK);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  const sha256 = hash.digest('hex');
  modelHashes.set(abs, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, sha256 });
  return sha256;
}
