/**
 * Output folder safety at the file level: results.jsonl's tail handling (nothing a run
 * wrote is ever deleted), the lock (a lock is never taken for stale while its owner may be
 * writing it), and the fsync-before-rename order of the CSVs and summary.json, read off the
 * system calls themselves (strace).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REMOTE_LOCK_STALE_MS, ResultsStore, serializeRecord, readResults } from '../lib/io/resultsStore.js';
import { evaluate, type Providers } from '../lib/index.js';
import { replaceFile, writeFileAtomic } from '../lib/io/atomicFile.js';
import { makeBatch, tempDir } from './helpers/batch.js';
import { fakeProviders } from './helpers/cli.js';
// @ts-expect-error: plain JS test fixture
import { makeCrashProviders } from './fixtures/crashProviders.mjs';

const providers = (): Providers => makeCrashProviders({}) as Providers;

async function oneRecordLine(dir: string): Promise<string> {
  const [v] = makeBatch(path.join(dir, 'clips'), 1);
  const r = await evaluate([v], { providers: providers() });
  return serializeRecord(r.records[0]);
}

describe('results.jsonl tail', () => {
  it('a complete but unparsable last line is kept in place (skipped with a warning), not cut as if torn', async () => {
    const dir = tempDir();
    const line = await oneRecordLine(dir);
    const file = path.join(dir, 'results.jsonl');
    const bad = '{"this is": "a complete line, but no record"}\n';
    writeFileSync(file, line + bad);
    const store = ResultsStore.open(dir);
    expect(store.existing).toHaveLength(1);
    expect(store.problems.join('\n')).toMatch(/line 2 is not a video record.*left in place/);
    store.append(JSON.parse(line));
    store.close();
    expect(readFileSync(file, 'utf8')).toBe(line + bad + line);
  });

  it('a torn last line (no newline) is moved to results.jsonl.bad-<time> before it is cut', async () => {
    const dir = tempDir();
    const line = await oneRecordLine(dir);
    const file = path.join(dir, 'results.jsonl');
    const torn = line.slice(0, 57);
    writeFileSync(file, line + torn);
    const store = ResultsStore.open(dir);
    store.close();
    expect(readFileSync(file, 'utf8')).toBe(line);
    const aside = readdirSync(dir).filter((f) => f.startsWith('results.jsonl.bad-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(path.join(dir, aside[0]), 'utf8')).toBe(torn);
    expect(store.problems.join('\n')).toMatch(new RegExp(`moved to ${aside[0]}`));
  });

  it('a whole record that only lacks its final newline is kept, and the newline added', async () => {
    const dir = tempDir();
    const line = await oneRecordLine(dir);
    const file = path.join(dir, 'results.jsonl');
    writeFileSync(file, line + line.trimEnd());
    const store = ResultsStore.open(dir);
    expect(store.existing).toHaveLength(2);
    store.close();
    expect(readFileSync(file, 'utf8')).toBe(line + line);
    expect(readResults(file).records).toHaveLength(2);
  });
});

describe('results.lock', () => {
  it('an empty lock file (its owner has not written its pid yet) is held, not taken over as stale', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'results.lock'), '');
    expect(() => ResultsStore.open(dir)).toThrow(/locked .* without a readable pid/);
    expect(readFileSync(path.join(dir, 'results.lock'), 'utf8')).toBe(''); // left alone
  });

  it('an unreadable lock older than a minute is taken over, with a warning', () => {
    const dir = tempDir();
    const lock = path.join(dir, 'results.lock');
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 120_000);
    utimesSync(lock, old, old);
    const store = ResultsStore.open(dir);
    expect(store.problems.join('\n')).toMatch(/unreadable and older than a minute: lock taken over/);
    expect(readFileSync(lock, 'utf8')).toMatch(new RegExp(`^${process.pid} [0-9a-f]{16} \\S+\\n$`));
    store.close();
  });

  it('a lock of a dead process is taken over; a live one (this test runner as another pid) is not', () => {
    const dir = tempDir();
    const lock = path.join(dir, 'results.lock');
    // A pid that is not running: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(lock, `${dead.stdout.trim()}\n`);
    const store = ResultsStore.open(dir);
    expect(store.problems.join('\n')).toMatch(`its run (pid ${dead.stdout.trim()}) is gone: lock taken over`);
    // While this store holds it, a second open (same process) is refused.
    expect(() => ResultsStore.open(dir)).toThrow(/already being written/);
    store.close();
    // The parent of this process is alive: its pid in the lock means busy.
    writeFileSync(lock, `${process.ppid}\n`);
    expect(() => ResultsStore.open(dir)).toThrow(new RegExp(`in use by another theval run \\(pid ${process.ppid}\\)`));
  });
});

describe('results.lock on a shared file system (another host)', () => {
  // A pid from another host says nothing here: the lock's host and its mtime decide.
  const otherHost = `not-${os.hostname().replace(/\s+/g, '_')}`;
  const deadPid = (): string => spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();

  it('a fresh lock from another host is held even though its pid is not running here', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'results.lock'), `${deadPid()} 0123456789abcdef ${otherHost}\n`);
    expect(() => ResultsStore.open(dir)).toThrow(new RegExp(`in use by a theval run on host ${otherHost} \\(pid \\d+; its lock was refreshed \\d+ s ago\\)`));
  });

  it('a lock from another host not refreshed for REMOTE_LOCK_STALE_MS is taken over, with a warning', () => {
    const dir = tempDir();
    const lock = path.join(dir, 'results.lock');
    writeFileSync(lock, `4242 0123456789abcdef ${otherHost}\n`);
    const old = new Date(Date.now() - REMOTE_LOCK_STALE_MS - 5_000);
    utimesSync(lock, old, old);
    const store = ResultsStore.open(dir);
    expect(store.problems.join('\n')).toMatch(new RegExp(`its run on host ${otherHost} \\(pid 4242\\) stopped refreshing it \\d+ s ago: lock taken over`));
    expect(readFileSync(lock, 'utf8')).toBe(`${process.pid} ${readFileSync(lock, 'utf8').split(' ')[1]} ${os.hostname().replace(/\s+/g, '_')}\n`);
    store.close();
  });

  it('the holder refreshes its lock (heartbeat), so other hosts keep seeing it held', async () => {
    const dir = tempDir();
    const child = path.join(dir, 'hold.mjs');
    // A holder in its own process with a 200 ms heartbeat; it holds the lock for 1.5 s.
    writeFileSync(
      child,
      `import { ResultsStore } from ${JSON.stringify(path.resolve('dist/io/resultsStore.js'))};
       const s = ResultsStore.open(${JSON.stringify(dir)}); console.log('held'); setTimeout(() => { s.close(); }, 1500);`,
    );
    const lock = path.join(dir, 'results.lock');
    const { spawn } = await import('node:child_process');
    const p = spawn(process.execPath, [child], { env: { ...process.env, THEVAL_LOCK_HEARTBEAT_MS: '200' }, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => p.stdout!.once('data', () => resolve()));
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(lock, old, old);
    await new Promise((r) => setTimeout(r, 700));
    expect(Date.now() - statSync(lock).mtimeMs).toBeLessThan(5_000);
    await new Promise<void>((resolve) => p.once('exit', () => resolve()));
    expect(existsSync(lock)).toBe(false); // released on close
  });
});

/** strace's log of a command: lines of (syscall, args, result), all threads and children. */
function strace(args: string[], env: Record<string, string>): string[] {
  const log = path.join(tempDir('theval-strace-'), 'log');
  const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=openat,fsync,fdatasync,rename,renameat,renameat2,close', '-o', log, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  if (r.status !== 0 && r.status !== 1) throw new Error(`strace run failed: ${r.stderr.slice(-2000)}`);
  return readFileSync(log, 'utf8').split('\n');
}

describe('durable outputs', () => {
  // Needs strace (scripts/setup.sh installs it) and ptrace permission (a container without
  // CAP_SYS_PTRACE refuses it): skipped, saying so, where either is missing.
  const canTrace = spawnSync('strace', ['-o', '/dev/null', 'true']).status === 0;
  if (!canTrace) console.warn('skipping the fsync-order test: strace is missing or may not trace here');
  it.skipIf(!canTrace)('summary.json, aggregate.csv and every metric CSV: written to a temporary file, fsync\'ed, renamed, then the folder fsync\'ed', () => {
    const dir = tempDir();
    makeBatch(path.join(dir, 'clips'), 1);
    const out = path.join(dir, 'out');
    const entry = path.resolve('test/helpers/cli-entry.ts');
    const lines = strace([process.execPath, '--import', import.meta.resolve('tsx'), entry, 'evaluate', path.join(dir, 'clips'), '--out', out, '-q'], { THEVAL_PROVIDERS: fakeProviders });
    const targets = ['summary.json', 'aggregate.csv', 'clips/head_motion.csv', 'clips/lip_sync.csv'].map((f) => path.join(out, f));
    for (const target of targets) {
      // rename("<tmp>", "<target>") = 0
      const ri = lines.findIndex((l) => /rename(at2?)?\(/.test(l) && l.includes(`"${target}"`) && / = 0$/.test(l));
      expect(ri, `no rename onto ${target}`).toBeGreaterThan(0);
      const tmp = /"([^"]+)"/.exec(lines[ri].slice(lines[ri].indexOf('rename')))![1];
      expect(tmp).not.toBe(target);
      // The last open of the temporary file before the rename, and an fsync of that fd between the two.
      let oi = -1;
      for (let i = ri - 1; i >= 0; i--) if (lines[i].includes(`"${tmp}"`) && /openat\(/.test(lines[i])) { oi = i; break; }
      expect(oi, `${tmp} never opened`).toBeGreaterThanOrEqual(0);
      const fd = / = (\d+)$/.exec(lines[oi])![1];
      const synced = lines.slice(oi, ri).some((l) => new RegExp(`f(data)?sync\\(${fd}\\)\\s+= 0`).test(l));
      expect(synced, `${tmp}: no fsync(${fd}) before the rename onto ${target}`).toBe(true);
      // After the rename: the folder opened and fsync'ed.
      const folder = path.dirname(target);
      const di = lines.findIndex((l, i) => i > ri && /openat\(/.test(l) && l.includes(`"${folder}"`) && /O_DIRECTORY/.test(l));
      expect(di, `${folder} not opened after the rename`).toBeGreaterThan(ri);
      const dfd = / = (\d+)$/.exec(lines[di])![1];
      // The first thing done with that fd is an fsync (not a close).
      const next = lines.slice(di + 1).find((l) => new RegExp(`(fsync|close)\\(${dfd}\\)`).test(l));
      expect(next, `${folder}: no fsync after the rename`).toMatch(new RegExp(`fsync\\(${dfd}\\)\\s+= 0`));
    }
  }, 120_000);

  it('replaceFile: a write that fails half-way leaves the old file whole and no temporary file behind', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'summary.json');
    writeFileSync(file, 'old\n');
    await expect(
      replaceFile(file, async (tmp) => {
        writeFileSync(tmp, 'half of the new');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    expect(readdirSync(dir)).toEqual(['summary.json']);
    await writeFileAtomic(file, 'new\n');
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(readdirSync(dir)).toEqual(['summary.json']);
  });
});
