/**
 * Turning command-line inputs into video paths: files, folders (searched recursively by
 * extension) and list files (`@list.txt`: one path per line).
 */
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { TheValError } from '../errors.js';

/** Extensions (lower case, no dot) that a folder search picks up. */
export const VIDEO_EXTENSIONS: readonly string[] = ['mp4', 'mov', 'mkv', 'webm', 'avi', 'm4v'];

export function isVideoName(name: string): boolean {
  return VIDEO_EXTENSIONS.includes(path.extname(name).slice(1).toLowerCase());
}

/** Code-unit order: the same on every machine and locale. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every video under `dir` (recursive, by extension, case-insensitive), as absolute paths,
 * sorted. Symbolic links are followed; a folder reached twice (a link cycle) is read once.
 * Hidden entries (names starting with '.') are skipped.
 */
export async function listVideos(dir: string): Promise<string[]> {
  const root = path.resolve(dir);
  const seen = new Set<string>();
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const real = await realpath(d);
    if (seen.has(real)) return;
    seen.add(real);
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const st = await stat(p);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          continue; // dangling link
        }
      }
      if (isDir) await walk(p);
      else if (isFile && isVideoName(e.name)) out.push(p);
    }
  };
  let st;
  try {
    st = await stat(root);
  } catch {
    throw new TheValError('FILE_NOT_FOUND', `${dir}: no such folder`, dir);
  }
  if (!st.isDirectory()) throw new TheValError('BAD_ARGUMENT', `${dir}: not a folder`, dir);
  await walk(root);
  return out.sort(byCodeUnit);
}

/**
 * The paths in a list file: one per line; blank lines and lines starting with '#' are
 * skipped; relative paths are taken relative to the list file's folder.
 */
export async function readListFile(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new TheValError('FILE_NOT_FOUND', `list file ${file}: ${(e as Error).message}`, file);
  }
  const base = path.dirname(path.resolve(file));
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => path.resolve(base, l));
}

export type InputKind = 'file' | 'folder' | 'list';

/** What one input argument is. `@x` is always a list; an existing folder is a folder; anything else a file (a missing file becomes that video's error record, not a usage error). */
export async function inputKind(arg: string): Promise<InputKind> {
  if (arg.startsWith('@')) return 'list';
  try {
    return (await stat(arg)).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'file';
  }
}

/**
 * Expands inputs (files, folders, `@list` files, and `lists` given separately) into
 * absolute video paths, without duplicates, keeping first-seen order (folders sorted).
 */
export async function expandInputs(inputs: readonly string[], lists: readonly string[] = []): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (p: string) => {
    const abs = path.resolve(p);
    if (!seen.has(abs)) {
      seen.add(abs);
      out.push(abs);
    }
  };
  for (const arg of inputs) {
    const kind = await inputKind(arg);
    if (kind === 'list') (await readListFile(arg.slice(1))).forEach(add);
    else if (kind === 'folder') {
      const found = await listVideos(arg);
      // A folder that holds no video is a mistake to say, not an empty success (exit 0).
      if (found.length === 0) {
        throw new TheValError('BAD_ARGUMENT', `${arg}: no video files in this folder (searched recursively for .${VIDEO_EXTENSIONS.join(', .')})`, arg);
      }
      found.forEach(add);
    }
    else add(arg);
  }
  for (const l of lists) (await readListFile(l)).forEach(add);
  return out;
}
