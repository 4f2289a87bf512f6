/**
 * `theval evaluate` / `leaderboard` as a user runs them: a child process, killed mid-batch
 * and rerun; interrupted with SIGINT; a batch with broken inputs; exit codes and outputs.
 * Face tracks come from the documented plugin hook (THEVAL_PROVIDERS -> test fixture).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { exited, fakeProviders, runCli, spawnCli } from './helpers/cli.js';
import { jsonl, makeBadVideos, makeBatch, tempDir } from './helpers/batch.js';

async function waitForRecords(file: string, n: number, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (existsSync(file) && jsonl(file).length >= n) return;
    await sleep(50);
  }
  throw new Error(`${file}: fewer than ${n} records after ${timeoutMs} ms`);
}

describe('theval evaluate (CLI)', () => {
  it('resumes after SIGKILL: every video exactly once in results.jsonl, earlier records reused', async () => {
    const dir = tempDir();
    const videos = makeBatch(path.join(dir, 'clips'), 8);
    const out = path.join(dir, 'out');
    const results = path.join(out, 'results.jsonl');
    const child = spawnCli(['evaluate', path.join(dir, 'clips'), '--out', out, '--jobs', '1', '--name', 'M'], {
      env: { THEVAL_PROVIDERS: fakeProviders, FAKE_FACE_DELAY_MS: '700' },
    });
    await waitForRecords(results, 2);
    child.kill('SIGKILL');
    const { signal } = await exited(child);
    expect(signal).toBe('SIGKILL');
    const before = jsonl(results);
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(8);
    expect(existsSync(path.join(out, 'summary.json'))).toBe(false); // it never got that far

    const r = runCli(['evaluate', path.join(dir, 'clips'), '--out', out, '--jobs', '2', '--name', 'M'], { env: { THEVAL_PROVIDERS: fakeProviders } });
    expect(r.status, r.stderr).toBe(0);
    const after = jsonl(results);
    const paths = after.map((x) => x.path).sort();
    expect(paths).toEqual([...videos].sort()); // each exactly once
    expect(after.slice(0, before.length)).toEqual(before); // nothing written earlier was lost or rewritten
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.complete).toBe(true);
    expect(summary.methods.M).toMatchObject({ videos: 8, recorded: 8, failed: 0, reused: before.length });
    // The per-metric CSVs hold every video.
    const csv = readFileSync(path.join(out, 'M/head_motion.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('Video Path,Pitch Smoothness,Yaw Smoothness,Roll Smoothness,Head Motion Dynamics');
    expect(csv.filter((l) => l.startsWith(path.join(dir, 'clips')))).toHaveLength(8);
    expect(csv.some((l) => l.startsWith('Mean head motion dynamics: '))).toBe(true);
  });

  it('SIGINT: finishes the video in flight, records it, exits 130; a rerun completes', async () => {
    const dir = tempDir();
    makeBatch(path.join(dir, 'clips'), 6);
    const out = path.join(dir, 'out');
    const results = path.join(out, 'results.jsonl');
    const env = { THEVAL_PROVIDERS: fakeProviders, FAKE_FACE_DELAY_MS: '1500' };
    const child = spawnCli(['evaluate', path.join(dir, 'clips'), '--out', out, '--jobs', '1'], { env });
    await waitForRecords(results, 1);
    await sleep(500); // the second video is now inside its 1.5 s face pass
    child.kill('SIGINT');
    const { code } = await exited(child);
    expect(code, child.output().stderr).toBe(130);
    expect(child.output().stderr).toMatch(/no new video will be started/);
    const got = jsonl(results);
    expect(got.length).toBeGreaterThanOrEqual(2); // the one in flight at SIGINT was finished and recorded
    expect(got.length).toBeLessThan(6);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.complete).toBe(false);
    const r = runCli(['evaluate', path.join(dir, 'clips'), '--out', out], { env: { THEVAL_PROVIDERS: fakeProviders } });
    expect(r.status, r.stderr).toBe(0);
    // Every video has its record; the one whose quality pass the signal abandoned was redone (its new line comes last).
    const final = new Map(jsonl(results).map((x) => [x.path, x]));
    expect(final.size).toBe(6);
    for (const x of final.values()) expect(x.passFailures).toBeUndefined();
  });

  it('a corrupt, a truncated and a missing video each get an error record; the others complete; exit 1', () => {
    const dir = tempDir();
    const good = makeBatch(path.join(dir, 'clips'), 2);
    const { garbage, truncated } = makeBadVideos(path.join(dir, 'clips'));
    const missing = path.join(dir, 'clips', 'missing.mp4');
    const list = path.join(dir, 'list.txt');
    writeFileSync(list, ['# test batch', ...good, garbage, '', 'clips/truncated.mp4', missing].join('\n'));
    const out = path.join(dir, 'out');
    const r = runCli(['evaluate', `@${list}`, '--out', out, '--name', 'M'], { env: { THEVAL_PROVIDERS: fakeProviders } });
    expect(r.status, r.stderr).toBe(1);
    const recs = jsonl(path.join(out, 'results.jsonl'));
    expect(recs).toHaveLength(5);
    const by = Object.fromEntries(recs.map((x) => [x.path, x]));
    for (const g of good) expect(by[g].status).toBe('ok');
    expect(by[garbage].error.code).toBe('NOT_MEDIA');
    expect(by[truncated].status).toBe('error');
    expect(by[missing].error.code).toBe('FILE_NOT_FOUND');
    expect(r.stderr).toMatch(/3 failed/);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.methods.M.failures.map((f: { path: string }) => f.path).sort()).toEqual([garbage, missing, truncated].sort());
    expect(summary.methods.M.validVideos.head_motion).toBe(2);
  });

  it('without analysis passes: records carry NaN with reasons, stderr warns, exit 0', () => {
    const dir = tempDir();
    makeBatch(path.join(dir, 'clips'), 1);
    const out = path.join(dir, 'out');
    const none = path.join(path.dirname(fakeProviders), 'noProviders.mjs');
    const r = runCli(['evaluate', path.join(dir, 'clips'), '--out', out, '--metrics', 'lip_sync,Head motion dynamics'], { env: { THEVAL_PROVIDERS: none } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/face pipeline is not available in this build/);
    const [rec] = jsonl(path.join(out, 'results.jsonl'));
    expect(rec.metrics.head_motion).toEqual({ value: null, reason: 'face pipeline not available in this build' });
    expect(rec.metrics.global_aesthetic).toEqual({ value: null, reason: 'not requested' });
    expect(readFileSync(path.join(out, 'aggregate.csv'), 'utf8').trim().split('\n')[1]).toBe('clips,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN');
  });

  it('leaderboard: GT folder + method folders named after the folders; a method equal to GT scores 1.0', () => {
    const dir = tempDir();
    makeBatch(path.join(dir, 'real'), 2);
    makeBatch(path.join(dir, 'ModelA'), 2);
    const out = path.join(dir, 'out');
    const r = runCli(['leaderboard', '--gt', path.join(dir, 'real'), path.join(dir, 'ModelA'), '--out', out, '--json', '-q'], { env: { THEVAL_PROVIDERS: fakeProviders } });
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(Object.keys(summary.methods)).toEqual(['ModelA', 'GT']);
    expect(summary.scores[0]).toMatchObject({ name: 'ModelA', rank: 1 });
    expect(summary.scores[0].final).toBeCloseTo(1, 12);
    expect(r.stderr).toMatch(/Leaderboard/);
    const noGt = runCli(['leaderboard', path.join(dir, 'ModelA')]);
    expect(noGt.status).toBe(2);
    expect(noGt.stderr).toMatch(/--gt is required/);
  });

  it('bad usage exits 2', () => {
    expect(runCli(['evaluate']).status).toBe(2);
    expect(runCli(['evaluate', 'x', '--jobs', '0']).status).toBe(2);
    expect(runCli(['evaluate', 'x', '--metrics', 'nope']).stderr).toMatch(/unknown metric 'nope'/);
    expect(runCli(['evaluate', 'x', '--bogus']).status).toBe(2);
    expect(runCli(['nonsense']).status).toBe(2);
  });
});
