/**
 * `theval slurm` against a real Slurm (Debian's slurm-wlm + munge, a one-node cluster on
 * this machine, test/helpers/slurmCluster.ts): an array of 3 shards and the dependent merge
 * job give the tables and leaderboard of a single-process run; a task requeued while it
 * runs (what Slurm does when a node fails) starts again and resumes from its shard file.
 * Analysis passes: the test providers (THEVAL_PROVIDERS, passed on by sbatch's default
 * --export=ALL).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellQuote } from '../lib/cluster/slurm.js';
import { jsonl, tempDir } from './helpers/batch.js';
import { fakeProviders, runCli } from './helpers/cli.js';
import { makeShardSet, outputTables } from './helpers/shardSet.js';
import { jobState, slurmCmd, slurmUnavailableReason, startLocalSlurm, type LocalSlurm } from './helpers/slurmCluster.js';

const reason = slurmUnavailableReason();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** theval from the sources (as the other CLI tests run it), as shell words for the job scripts. */
const theval = [process.execPath, '--import', import.meta.resolve('tsx'), path.join(root, 'test/helpers/cli-entry.ts')].map(shellQuote).join(' ');


async function until(what: string, ok: () => boolean, cluster: LocalSlurm, timeoutMs = 240_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not after ${timeoutMs / 1000} s\n${slurmCmd(cluster, 'squeue', [])}\n${cluster.logs()}`);
    await sleep(500);
  }
}

const ended = (s: string | undefined) => s !== undefined && !['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'REQUEUED', 'RESIZING', 'SUSPENDED'].includes(s);

describe.skipIf(!!reason)(`theval slurm on a local Slurm cluster${reason ? ` [skipped: ${reason}]` : ''}`, () => {
  let cluster: LocalSlurm;
  beforeAll(() => {
    cluster = startLocalSlurm();
  }, 60_000);
  afterAll(() => cluster?.stop());

  it('an array of 3 shards + the dependent merge job = a single-process run', async () => {
    const dir = tempDir('theval-slurm-');
    const set = makeShardSet(path.join(dir, 'clips'));
    const evalArgs = [...set.methods, '--gt', set.gt, '--metrics', 'global_aesthetic,mouth_quality,head_motion,lip_sync'];
    const env = { THEVAL_PROVIDERS: fakeProviders, ...cluster.env };
    const single = runCli(['evaluate', ...evalArgs, '--out', path.join(dir, 'single'), '-q'], { env });
    expect(single.status, single.stderr).toBe(0);

    const out = path.join(dir, 'out');
    const r = runCli(['slurm', '--shards', '3', '--out', out, '--time', '00:10:00', '--mem', '1G', '--cpus-per-task', '1', '--theval', theval, '--submit', '--', ...evalArgs], { env, cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const m = /array job (\d+) \(3 tasks\), merge job (\d+)/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const [, arrayJob, mergeJob] = m!;
    const script = readFileSync(path.join(out, 'slurm', 'evaluate.sbatch'), 'utf8');
    expect(script).toMatch(/^#SBATCH --array=1-3$/m);
    expect(script).toMatch(/^#SBATCH --requeue$/m);

    await until('merge job ended', () => ended(jobState(cluster, mergeJob)), cluster);
    expect(jobState(cluster, mergeJob)).toBe('COMPLETED');
    for (let i = 1; i <= 3; i++) expect(jobState(cluster, `${arrayJob}_${i}`), `task ${i}`).toBe('COMPLETED');
    // Each task evaluated its own shard, into its own file; the merge job wrote the tables.
    for (let i = 1; i <= 3; i++) {
      const log = readFileSync(path.join(out, 'slurm', 'logs', `evaluate-${arrayJob}_${i}.out`), 'utf8');
      expect(log).toContain(`theval: shard ${i}/3 on `);
      expect(JSON.parse(readFileSync(path.join(out, `shard-${i}-of-3.json`), 'utf8')).complete).toBe(true);
    }
    const total = Object.values(set.videos).flat().length;
    expect([1, 2, 3].map((i) => jsonl(path.join(out, `results.shard-${i}-of-3.jsonl`)).length).reduce((a, b) => a + b)).toBe(total);
    expect(readFileSync(path.join(out, 'slurm', 'logs', `merge-${mergeJob}.out`), 'utf8')).toMatch(/merged 3 shard\(s\)/);
    expect(outputTables(out)).toEqual(outputTables(path.join(dir, 'single')));
    const a = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    const b = JSON.parse(readFileSync(path.join(dir, 'single', 'summary.json'), 'utf8'));
    expect(a.complete).toBe(true);
    expect(a.scores).toEqual(b.scores);
  }, 300_000);

  it('a task requeued while it runs starts again and resumes from its shard file', async () => {
    const dir = tempDir('theval-slurm-');
    const set = makeShardSet(path.join(dir, 'clips'));
    const out = path.join(dir, 'out');
    // One shard, slow videos (1.5 s each, one at a time): time to requeue it mid-run.
    const env = { THEVAL_PROVIDERS: fakeProviders, FAKE_FACE_DELAY_MS: '1500', ...cluster.env };
    const r = runCli(['slurm', '--shards', '1', '--out', out, '--theval', theval, '--submit', '--', set.methods[0], '--metrics', 'head_motion', '--jobs', '1'], { env, cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const [, arrayJob, mergeJob] = /array job (\d+) \(1 tasks\), merge job (\d+)/.exec(r.stdout)!;
    const results = path.join(out, 'results.shard-1-of-1.jsonl');
    await until('first record', () => existsSync(results) && jsonl(results).length >= 1, cluster);
    const before = jsonl(results);
    expect(before.length).toBeLessThan(4);
    slurmCmd(cluster, 'scontrol', ['requeue', `${arrayJob}_1`]);
    // Slurm holds a requeued job back for a while (BeginTime, about 2-3 minutes here); let it
    // start as soon as it is pending again.
    // Release it only once the attempt it replaces has ended (it finishes its video in flight
    // on SIGTERM): slurmd refuses to start a job whose previous step is still being cleaned up
    // ("Job credential revoked"), which is why Slurm itself holds requeued jobs back.
    const logFile = path.join(out, 'slurm', 'logs', `evaluate-${arrayJob}_1.out`);
    await until('first attempt ended', () => existsSync(logFile) && /theval: wrote/.test(readFileSync(logFile, 'utf8')), cluster, 60_000);
    await new Promise((r) => setTimeout(r, 3000));
    await until('requeued task released', () => {
      if (jobState(cluster, `${arrayJob}_1`) !== 'PENDING') return false;
      slurmCmd(cluster, 'scontrol', ['update', `JobId=${arrayJob}_1`, 'StartTime=now']);
      return true;
    }, cluster, 60_000);
    await until('merge job ended', () => ended(jobState(cluster, mergeJob)), cluster);
    expect(jobState(cluster, `${arrayJob}_1`)).toBe('COMPLETED');
    const log = readFileSync(path.join(out, 'slurm', 'logs', `evaluate-${arrayJob}_1.out`), 'utf8');
    expect(log).toMatch(/restart 0/);
    expect(log).toMatch(/restart 1/);
    // Every video exactly once; what was recorded before the requeue was kept and reused.
    const after = jsonl(results);
    expect(after.map((x) => x.path).sort()).toEqual([...set.videos.alpha].sort());
    expect(after.slice(0, before.length)).toEqual(before);
    const manifest = JSON.parse(readFileSync(path.join(out, 'shard-1-of-1.json'), 'utf8'));
    expect(manifest.complete).toBe(true);
    expect(manifest.methods[0].reused).toBeGreaterThanOrEqual(before.length);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.methods.alpha).toMatchObject({ videos: 4, recorded: 4, failed: 0 });
  }, 300_000);
});
