/**
 * Crash safety as a user meets it: `theval evaluate` in child processes, killed by pid
 * (SIGKILL, SIGTERM) mid-batch and rerun, and two runs on one folder at once. The face pass
 * of test/fixtures/crashProviders.mjs appends each video it analyses to a counter file, so
 * "nothing that was finished is computed again" is counted, not assumed.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exited, runCli, spawnCli } from './helpers/cli.js';
import { jsonl, makeBatch, tempDir } from './helpers/batch.js';

const providers = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'crashProviders.mjs');

function counts(file: string): Record<string, number> {
  const out: Record<string, number> = {};
  if (!existsSync(file)) return out;
  for (const l of readFileSync(file, 'utf8').split('\n').filter(Boolean)) out[l] = (out[l] ?? 0) + 1;
  return out;
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (cond()) return;
    await sleep(30);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const records = (out: string) => (existsSync(path.join(out, 'results.jsonl')) ? jsonl(path.join(out, 'results.jsonl')) : []);

/** Kills a batch with `signal` once `n` records are written and the next video is inside its face pass; reruns; checks exactly-once. */
async function interruptAndRerun(signal: NodeJS.Signals, n: number) {
  const dir = tempDir();
  const videos = makeBatch(path.join(dir, 'clips'), 6);
  const out = path.join(dir, 'out');
  const calls = path.join(dir, 'calls.txt');
  const env = { THEVAL_PROVIDERS: providers, FAKE_CALLS_FILE: calls, FAKE_FACE_DELAY_MS: '400' };
  const child = spawnCli(['evaluate', path.join(dir, 'clips'), '--out', out, '--jobs', '1', '--name', 'M', '-q'], { env });
  await waitFor(() => records(out).length >= n && Object.keys(counts(calls)).length > n, `${n} records and the next video started`);
  child.kill(signal);
  const first = await exited(child);
  const before = records(out);
  const started = Object.keys(counts(calls)).length;
  const r = runCli(['evaluate', path.join(dir, 'clips'), '--out', out, '--jobs', '2', '--name', 'M', '-q'], { env: { THEVAL_PROVIDERS: providers, FAKE_CALLS_FILE: calls } });
  expect(r.status, r.stderr).toBe(0);
  const after = records(out);
  // Every video exactly once in the final results: readers take the last record per path.
  const final = new Map(after.map((x) => [x.path, x]));
  expect([...final.keys()].sort()).toEqual([...videos].sort());
  for (const x of final.values()) {
    expect(x.passFailures, x.path).toBeUndefined();
    // The quality metrics have their numbers (no NaN kept from a pass the signal abandoned).
    for (const id of ['global_aesthetic', 'face_quality', 'mouth_quality']) expect(typeof x.metrics[id].value, `${x.path} ${id}`).toBe('number');
  }
  // The records written before the interruption are untouched.
  expect(after.slice(0, before.length)).toEqual(before);
  // Sound ones are reused as they were; one whose pass was abandoned by the signal (the
  // quality pass stops when the run is being stopped) is redone, not kept with NaN.
  const sound = before.filter((x) => !x.passFailures);
  for (const x of before.filter((y) => y.passFailures)) expect(x.passFailures.every((f: { abandoned?: boolean }) => f.abandoned)).toBe(true);
  const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
  expect(summary.methods.M).toMatchObject({ videos: 6, recorded: 6, failed: 0, reused: sound.length });
  const csv = readFileSync(path.join(out, 'M', 'head_motion.csv'), 'utf8').split('\n');
  expect(csv.filter((l) => l.startsWith(path.join(dir, 'clips'))).length).toBe(6);
  // Analysed exactly once: every soundly recorded video once; a video in flight at the kill at most twice.
  const c = counts(calls);
  for (const x of sound) expect(c[x.path], x.path).toBe(1);
  for (const v of videos) expect(c[v]).toBeGreaterThanOrEqual(1);
  expect(videos.filter((v) => c[v] > 1).length).toBeLessThanOrEqual(1);
  return { first, before, after, started, stderr: child.output().stderr };
}

describe('crash safety (CLI)', () => {
  it('kill -9 mid-batch, then rerun: every video exactly once, nothing finished is analysed again', async () => {
    const { first, before } = await interruptAndRerun('SIGKILL', 2);
    expect(first.signal).toBe('SIGKILL');
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(6);
  }, 120_000);

  it('SIGTERM mid-batch: the video in flight is finished and recorded, exit 143; a rerun completes the rest', async () => {
    const { first, before, started, stderr } = await interruptAndRerun('SIGTERM', 2);
    expect(first.code, stderr).toBe(143);
    expect(stderr).toMatch(/SIGTERM: no new video will be started/);
    // Every video started before SIGTERM (the one in its face pass included) was finished and recorded; none after it.
    expect(before.length).toBe(started);
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.length).toBeLessThan(6);
  }, 120_000);

  it('SIGINT mid-batch: same as SIGTERM, exit 130', async () => {
    const { first, before, started, stderr } = await interruptAndRerun('SIGINT', 1);
    expect(first.code, stderr).toBe(130);
    expect(before.length).toBe(started);
  }, 120_000);

  it('two runs on one folder at once: exactly one proceeds, the other exits 3 with a clear error and writes nothing', async () => {
    const dir = tempDir();
    const videos = makeBatch(path.join(dir, 'clips'), 3);
    const out = path.join(dir, 'out');
    const calls = path.join(dir, 'calls.txt');
    // 1.5 s per video: the first run holds the folder for 4.5 s, longer than the two start-ups can drift apart.
    const env = { THEVAL_PROVIDERS: providers, FAKE_CALLS_FILE: calls, FAKE_FACE_DELAY_MS: '1500' };
    const args = ['evaluate', path.join(dir, 'clips'), '--out', out, '--jobs', '1', '--name', 'M', '-q'];
    const a = spawnCli(args, { env });
    const b = spawnCli(args, { env });
    const [ra, rb] = await Promise.all([exited(a), exited(b)]);
    const codes = [ra.code, rb.code].sort();
    expect(codes, a.output().stderr + b.output().stderr).toEqual([0, 3]);
    const loser = ra.code === 3 ? a : b;
    expect(loser.output().stderr).toMatch(/BUSY|in use by another theval run|locked/);
    const recs = records(out);
    expect(recs.map((x) => x.path).sort()).toEqual([...videos].sort());
    expect(Object.values(counts(calls))).toEqual([1, 1, 1]);
    expect(existsSync(path.join(out, 'results.lock'))).toBe(false);
  }, 120_000);

  it('two runs at once over a lock left by a killed run: exactly one takes it over', async () => {
    const dir = tempDir();
    const videos = makeBatch(path.join(dir, 'clips'), 2);
    const out = path.join(dir, 'out');
    const calls = path.join(dir, 'calls.txt');
    // A run killed with SIGKILL leaves its lock behind.
    const victim = spawnCli(['evaluate', path.join(dir, 'clips'), '--out', out, '--jobs', '1', '-q'], { env: { THEVAL_PROVIDERS: providers, FAKE_FACE_DELAY_MS: '60000' } });
    await waitFor(() => existsSync(path.join(out, 'results.lock')), 'the first run to take the lock');
    victim.kill('SIGKILL');
    await exited(victim);
    expect(readFileSync(path.join(out, 'results.lock'), 'utf8')).toMatch(new RegExp(`^${victim.pid} `));
    const env = { THEVAL_PROVIDERS: providers, FAKE_CALLS_FILE: calls, FAKE_FACE_DELAY_MS: '1500' };
    const args = ['evaluate', path.join(dir, 'clips'), '--out', out, '--jobs', '1', '-q'];
    const a = spawnCli(args, { env });
    const b = spawnCli(args, { env });
    const [ra, rb] = await Promise.all([exited(a), exited(b)]);
    expect([ra.code, rb.code].sort(), a.output().stderr + b.output().stderr).toEqual([0, 3]);
    const winner = ra.code === 0 ? a : b;
    expect(winner.output().stderr).toMatch(`its run (pid ${victim.pid}) is gone: lock taken over`);
    expect(Object.values(counts(calls))).toEqual([1, 1]);
    expect(new Set(records(out).map((x) => x.path))).toEqual(new Set(videos));
  }, 120_000);

  it('resume rules through the CLI: a failed audio pass (missing model) is redone by the next run, the rest reused', () => {
    const dir = tempDir();
    makeBatch(path.join(dir, 'clips'), 2);
    const out = path.join(dir, 'out');
    const calls = path.join(dir, 'calls.txt');
    const args = ['evaluate', path.join(dir, 'clips'), '--out', out, '--name', 'M', '-q', '--metrics', 'lip_sync,head_motion'];
    const r1 = runCli(args, { env: { THEVAL_PROVIDERS: providers, FAKE_CALLS_FILE: calls, FAKE_AUDIO_FAIL: 'MODEL_MISSING' } });
    expect(r1.status, r1.stderr).toBe(0);
    expect(records(out).every((x) => x.metrics.lip_sync.value === null)).toBe(true);
    const r2 = runCli([...args.filter((x) => x !== '-q')], { env: { THEVAL_PROVIDERS: providers, FAKE_CALLS_FILE: calls } });
    expect(r2.status, r2.stderr).toBe(0);
    expect(r2.stderr).toMatch(/2 videos analysed again although recorded earlier: its audio pass failed \(MODEL_MISSING\)/);
    const last = records(out).slice(-2);
    for (const x of last) expect(x.metrics.lip_sync.value).toBeCloseTo(0.5, 6);
    const r3 = runCli(args, { env: { THEVAL_PROVIDERS: providers, FAKE_CALLS_FILE: calls } });
    expect(r3.status, r3.stderr).toBe(0);
    expect(Object.values(counts(calls))).toEqual([2, 2]);
  }, 120_000);
});
