/**
 * results.jsonl: the durable record of a run, one VideoRecord per line, appended and
 * fsync'ed as each video finishes, so a crash or kill loses at most the videos in flight.
 *
 * - NaN is written as null; the metric's `reason` says why (JSON has no NaN).
 * - The file is only ever appended to. A rerun keeps the old lines; readers take, per
 *   (method, path), the last record whose configuration hash and input fingerprint match.
 * - A torn last line (the process died mid-write) is cut off when the store is opened for
 *   writing, and reported; an unreadable line elsewhere is skipped and reported. Neither is
 *   fatal.
 * - One writer per folder: a lock file (`results.lock`, holding the pid) stops two runs from
 *   appending to the same file; a lock left by a dead process is taken over.
 */
import { closeSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { TheValError } from '../errors.js';
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
  if (r.video && r.video.duration === null) r.video.duration = NaN;
  return r;
}

export interface ReadResults {
  records: VideoRecord[];
  /** Problems found (torn or unreadable lines), one message each. */
  problems: string[];
  /** Byte length of the file up to the end of its last complete line. */
  goodLength: number;
  /** Whether the last line was torn (no newline at the end, or not a record). */
  tornTail: boolean;
}

/** Reads every complete, valid record of a results.jsonl (missing file = none). */
export function readResults(file: string): ReadResults {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], problems: [], goodLength: 0, tornTail: false };
    throw e;
  }
  const records: VideoRecord[] = [];
  const problems: string[] = [];
  let pos = 0;
  let line = 0;
  let goodLength = 0;
  let tornTail = false;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    const end = nl < 0 ? buf.length : nl;
    line++;
    const text = buf.subarray(pos, end).toString('utf8');
    const isLast = nl < 0 || nl === buf.length - 1;
    if (text.trim() !== '') {
      try {
        if (nl < 0) throw new Error('no newline at the end');
        records.push(parseRecord(text));
      } catch (e) {
        if (isLast) {
          tornTail = true;
          problems.push(`${file}: line ${line} is torn (${end - pos} bytes, ${(e as Error).message}): an interrupted write; ignored, that video is redone`);
          break;
        }
        problems.push(`${file}: line ${line} is not a video record (${(e as Error).message}); skipped`);
      }
    }
    pos = nl < 0 ? buf.length : nl + 1;
    goodLength = pos;
  }
  return { records, problems, goodLength, tornTail };
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

  private constructor(file: string, existing: VideoRecord[], problems: string[], fd: number, lockFile: string) {
    this.file = file;
    this.existing = existing;
    this.problems = problems;
    this.fd = fd;
    this.lockFile = lockFile;
  }

  /**
   * Opens (creating) `<dir>/results.jsonl` for appending; takes the folder's lock. Another
   * `name` (a shard's `results.shard-i-of-N.jsonl`) has its own lock (`<name>.lock`), so
   * shards sharing a folder never wait for each other.
   */
  static open(dir: string, name: string = RESULTS_FILE): ResultsStore {
    const lockFile = path.join(dir, name === RESULTS_FILE ? LOCK_FILE : `${name.replace(/\.jsonl$/, '')}.lock`);
    takeLock(lockFile);
    try {
      const file = path.join(dir, name);
      const read = readResults(file);
      const fd = openSync(file, existsSync(file) ? 'r+' : 'w+');
      if (read.tornTail) {
        // Cut the torn tail so the next record starts on its own line.
        ftruncateSync(fd, read.goodLength);
        fsyncSync(fd);
      }
      closeSync(fd);
      const afd = openSync(file, 'a');
      return new ResultsStore(file, read.records, read.problems, afd, lockFile);
    } catch (e) {
      releaseLock(lockFile);
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
    releaseLock(this.lockFile);
  }
}

function takeLock(lockFile: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) {
        throw new TheValError('BUSY', `${path.dirname(lockFile)} is in use by another theval run (pid ${pid}); wait for it or use another --out`);
      }
      if (pid === process.pid) {
        throw new TheValError('BUSY', `${path.dirname(lockFile)} is already being written by another evaluation in this process`);
      }
      unlinkSync(lockFile); // stale: its process is gone
    }
  }
  throw new TheValError('BUSY', `cannot take the lock ${lockFile}`);
}

function releaseLock(lockFile: string): void {
  try {
    unlinkSync(lockFile);
  } catch {
    /* already gone */
  }
}
