/**
 * results.jsonl: the durable record of a run, one VideoRecord per line, appended and
 * fsync'ed as each video finishes, so a crash or kill loses at most the videos in flight.
 *
 * - NaN is written as null; the metric's `reason` says why (JSON has no NaN).
 * - The file is only ever appended to. A rerun keeps the old lines; readers take, per
 *   (method, path), the last record whose configuration hash and input fingerprint match.
 * - Nothing in it is ever deleted. A last line without its newline (the process died
 *   mid-write) is cut off when the store is opened for writing, after its bytes are copied
 *   to `results.jsonl.bad-<time>`; if that line is in fact a whole record (an editor dropped
 *   the final newline) it is kept and the newline added. A complete line that is not a
 *   record, wherever it is, stays where it is and is skipped with a warning.
 * - One writer per folder: a lock file (`results.lock`) stops two runs from appending to
 *   the same file. It is created with its content in one step (a temporary file hard-linked
 *   into place), so no run ever sees a lock without its pid; a lock whose process is gone is
 *   taken over, one whose content is unreadable only once it is older than a minute.
 *   The lock names its host too: on a shared file system (a cluster's nodes) a pid means
 *   nothing on another host, so there the holder refreshes the lock's mtime every
 *   LOCK_HEARTBEAT_MS and a lock from another host counts as held until it has not been
 *   refreshed for REMOTE_LOCK_STALE_MS (a requeued Slurm task waits that out: --wait-lock).
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TheValError } from '../errors.js';
import { fsyncDirSync } from './atomicFile.js';
import type { VideoRecord } from '../analyze.js';
import { METRIC_IDS } from '../metrics/registry.js';

export const RESULTS_FILE = 'results.jsonl';
const LOCK_FILE = 'results.lock';

/** JSON.stringify replacer: non-finite numbers become null. */
export function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/** One record as its results.jsonl line (with the trailing newline). */
export function serializeRecord(r: VideoRecord): string {
  return JSON.stringify(r, jsonNumbers) + '\n';
}

/** A results.jsonl line back into a record (metric null -> NaN). Throws on anything that is not a record. */
export function parseRecord(line: string): VideoRecord {
  const r = JSON.parse(line) as VideoRecord;
  if (!r || typeof r !== 'object' || typeof r.path !== 'string' || typeof r.configHash !== 'string' || !r.metrics) {
    throw new Error('not a video record');
  }
  for (const id of METRIC_IDS) {
    const m = r.metrics[id];
    if (m && m.value === null) m.value = NaN;
  }
  for (const m of Object.values(r.diagnostics ?? {})) if (m && m.value === null) m.value = NaN;
  if (r.video && r.video.duration === null) r.video.duration = NaN;
  return r;
}

export interface ReadResults {
  records: VideoRecord[];
  /** Problems found (torn or unreadable lines), one message each. */
  problems: string[];
  /** Byte length of the file up to the end of its last complete line. */
  goodLength: number;
  /** Whether the file ends in a line without its newline that is not a whole record (an interrupted write). */
  tornTail: boolean;
  /** Whether the file ends in a whole record that only lacks its newline. */
  missingNewline: boolean;
}

/** Reads every complete, valid record of a results.jsonl (missing file = none). */
export function readResults(file: string): ReadResults {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], problems: [], goodLength: 0, tornTail: false, missingNewline: false };
    throw e;
  }
  const records: VideoRecord[] = [];
  const problems: string[] = [];
  let pos = 0;
  let line = 0;
  let goodLength = 0;
  let tornTail = false;
  let missingNewline = false;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    const end = nl < 0 ? buf.length : nl;
    line++;
    const text = buf.subarray(pos, end).toString('utf8');
    let record: VideoRecord | undefined;
    let why = '';
    if (text.trim() !== '') {
      try {
        record = parseRecord(text);
      } catch (e) {
        why = (e as Error).message;
      }
    }
    if (nl < 0) {
      // The last line has no newline: either a write cut short, or a whole record whose newline an editor dropped.
      if (record) {
        records.push(record);
        missingNewline = true;
      } else if (text.trim() !== '') {
        tornTail = true;
        problems.push(`${file}: line ${line} is torn (${end - pos} bytes, no newline at the end${why ? `, ${why}` : ''}): an interrupted write; that video is redone`);
      }
      break;
    }
    if (record) records.push(record);
    else if (text.trim() !== '') problems.push(`${file}: line ${line} is not a video record (${why}); left in place and skipped`);
    pos = nl + 1;
    goodLength = pos;
  }
  return { records, problems, goodLength, tornTail, missingNewline };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The writer of one output folder's results.jsonl. Appends are synchronous (write + fsync
 * before returning), so a signal handler never sees half a line in flight from this
 * process.
 */
export class ResultsStore {
  readonly file: string;
  /** Valid records already in the file when it was opened. */
  readonly existing: VideoRecord[];
  /** Torn / unreadable lines found when it was opened. */
  readonly problems: string[];
  private fd: number | null;
  private readonly lockFile: string;
  private readonly lockContent: string;
  private readonly heartbeat: NodeJS.Timeout;

  private constructor(file: string, existing: VideoRecord[], problems: string[], fd: number, lockFile: string, lockContent: string) {
    this.file = file;
    this.existing = existing;
    this.problems = problems;
    this.fd = fd;
    this.lockFile = lockFile;
    this.lockContent = lockContent;
    // Keeps the lock fresh for runs on other hosts (they cannot ask whether our pid lives).
    this.heartbeat = setInterval(() => refreshLock(lockFile, lockContent), lockHeartbeatMs());
    this.heartbeat.unref();
  }

  /**
   * Opens (creating) `<dir>/results.jsonl` for appending; takes the folder's lock. Another
   * `name` (a shard's `results.shard-i-of-N.jsonl`) has its own lock (`<name>.lock`), so
   * shards sharing a folder never wait for each other.
   */
  static open(dir: string, name: string = RESULTS_FILE): ResultsStore {
    const lockFile = path.join(dir, name === RESULTS_FILE ? LOCK_FILE : `${name.replace(/\.jsonl$/, '')}.lock`);
    const lock = takeLock(lockFile);
    try {
      const file = path.join(dir, name);
      const read = readResults(file);
      const problems = [...lock.warnings, ...read.problems];
      const created = !existsSync(file);
      const fd = openSync(file, created ? 'w+' : 'r+');
      try {
        if (read.tornTail) {
          // Keep the cut bytes (never delete what a run wrote), then cut them so the next record starts on its own line.
          const size = statSync(file).size;
          const aside = `${file}.bad-${new Date().toISOString().replace(/[:.]/g, '-')}`;
          const tail = Buffer.alloc(size - read.goodLength);
          readIntoSync(fd, tail, read.goodLength);
          writeFileSync(aside, tail, { flag: 'wx' });
          const afd = openSync(aside, 'r');
          fsyncSync(afd);
          closeSync(afd);
          ftruncateSync(fd, read.goodLength);
          fsyncSync(fd);
          problems.push(`${file}: the torn last line (${tail.length} bytes) was moved to ${path.basename(aside)}`);
        } else if (read.missingNewline) {
          writeSync(fd, '\n', statSync(file).size);
          fsyncSync(fd);
        }
      } finally {
        closeSync(fd);
      }
      // A new file's (or a new .bad- file's) name lives in the folder: make it as durable as the appends.
      if (created || read.tornTail) fsyncDirSync(dir);
      const afd = openSync(file, 'a');
      return new ResultsStore(file, read.records, problems, afd, lockFile, lock.content);
    } catch (e) {
      releaseLock(lockFile, lock.content);
      throw e;
    }
  }

  /** Appends one record and fsyncs it. */
  append(record: VideoRecord): void {
    if (this.fd === null) throw new TheValError('CLOSED', `${this.file}: the results store is closed`);
    const data = Buffer.from(serializeRecord(record), 'utf8');
    let off = 0;
    while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    clearInterval(this.heartbeat);
    releaseLock(this.lockFile, this.lockContent);
  }
}

function readIntoSync(fd: number, buf: Buffer, position: number): void {
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, position + got);
    if (n === 0) break;
    got += n;
  }
}

/** A lock with unreadable content (e.g. written by hand, or by an old version mid-write) counts as held this long. */
export const UNREADABLE_LOCK_GRACE_MS = 60_000;

/** How often a holder refreshes its lock's mtime (THEVAL_LOCK_HEARTBEAT_MS overrides it, for tests). */
export const LOCK_HEARTBEAT_MS = 20_000;
/** A lock written on another host counts as held until its mtime is this old (THEVAL_LOCK_STALE_MS overrides). */
export const REMOTE_LOCK_STALE_MS = 120_000;

function envMs(name: string, dflt: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
}
const lockHeartbeatMs = (): number => envMs('THEVAL_LOCK_HEARTBEAT_MS', LOCK_HEARTBEAT_MS);
const remoteLockStaleMs = (): number => envMs('THEVAL_LOCK_STALE_MS', REMOTE_LOCK_STALE_MS);

/** What a lock file says: `pid nonce host` on the first line (locks of older versions: `pid nonce`). */
function parseLock(text: string): { pid: number; nonce: string; host: string } | null {
  const m = /^(\d+)(?:[ \t]+(\S+))?(?:[ \t]+(\S+))?\s*(?:\n|$)/.exec(text);
  if (!m) return null;
  const pid = Number(m[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? { pid, nonce: m[2] ?? '', host: m[3] ?? '' } : null;
}

/** The host name as a lock records it (no blanks: the lock is one line of blank-separated fields). */
function lockHost(): string {
  return os.hostname().replace(/\s+/g, '_') || 'unknown-host';
}

function refreshLock(lockFile: string, content: string): void {
  try {
    if (readFileSync(lockFile, 'utf8') !== content) return;
    const now = new Date();
    utimesSync(lockFile, now, now);
  } catch {
    /* gone or unreadable: the next taker judges it */
  }
}

/**
 * Takes `lockFile`, or throws BUSY. The lock is created complete (content written to a
 * temporary file, then link(2)ed into place, which fails if a lock exists), so another run
 * never sees an empty lock of ours. A stale lock (its pid is gone, or its content is
 * unreadable and it is older than UNREADABLE_LOCK_GRACE_MS) is taken over by renaming it
 * aside and checking that what was moved is the very lock judged stale (same content,
 * which holds a random nonce); if another run replaced it meanwhile, that lock is put back.
 * Returns the lock's content (to release only our own lock) and warnings (a stale lock taken over).
 */
function takeLock(lockFile: string): { content: string; warnings: string[] } {
  const dir = path.dirname(lockFile);
  const nonce = randomBytes(8).toString('hex');
  const host = lockHost();
  const content = `${process.pid} ${nonce} ${host}\n`;
  const tmp = `${lockFile}.${process.pid}.${nonce}.tmp`;
  writeFileSync(tmp, content, { flag: 'wx' });
  const warnings: string[] = [];
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(tmp, lockFile);
        return { content, warnings };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      let seen: string;
      let mtimeMs: number;
      try {
        seen = readFileSync(lockFile, 'utf8');
        mtimeMs = statSync(lockFile).mtimeMs;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
        throw e;
      }
      const held = parseLock(seen);
      const ageS = Math.round((Date.now() - mtimeMs) / 1000);
      const remote = held !== null && held.host !== '' && held.host !== host;
      if (remote) {
        if (Date.now() - mtimeMs < remoteLockStaleMs())
          throw new TheValError(
            'BUSY',
            `${dir} is in use by a theval run on host ${held.host} (pid ${held.pid}; its lock was refreshed ${ageS} s ago); wait for it or use another --out`,
          );
      } else if (held) {
        if (held.pid === process.pid) throw new TheValError('BUSY', `${dir} is already being written by another evaluation in this process`);
        if (pidAlive(held.pid)) throw new TheValError('BUSY', `${dir} is in use by another theval run (pid ${held.pid}); wait for it or use another --out`);
      } else if (Date.now() - mtimeMs < UNREADABLE_LOCK_GRACE_MS) {
        throw new TheValError(
          'BUSY',
          `${dir} is locked (${LOCK_FILE} was written ${Math.round((Date.now() - mtimeMs) / 1000)} s ago without a readable pid: another run may be starting); try again later or use another --out`,
        );
      }
      // Stale: move it aside, then make sure the lock moved is the one judged stale.
      const aside = `${lockFile}.stale.${process.pid}.${nonce}`;
      try {
        renameSync(lockFile, aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      const moved = readFileSync(aside, 'utf8');
      if (moved !== seen) {
        // Another run took the lock between our read and our rename: give it back.
        try {
          linkSync(aside, lockFile);
        } finally {
          unlinkSync(aside);
        }
        throw new TheValError('BUSY', `${dir} was just locked by another theval run; wait for it or use another --out`);
      }
      unlinkSync(aside);
      const why = remote
        ? `its run on host ${held.host} (pid ${held.pid}) stopped refreshing it ${ageS} s ago`
        : held
          ? `its run (pid ${held.pid}) is gone`
          : 'unreadable and older than a minute';
      warnings.push(`${lockFile}: ${why}: lock taken over`);
    }
    throw new TheValError('BUSY', `cannot take the lock ${lockFile}`);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
  }
}
/** Removes the lock if it is still ours (a run that judged it stale may have replaced it). */
function releaseLock(lockFile: string, content: string): void {
  try {
    if (readFileSync(lockFile, 'utf8') === content) unlinkSync(lockFile);
  } catch {
    /* already gone */
  }
}
