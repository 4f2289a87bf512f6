/**
 * One node, several GPUs, checked without a GPU: `evaluate --device cuda:0,cuda:3` starts
 * one worker per device, each evaluating the shard the documented rule gives it and seeing
 * only its own device (CUDA_VISIBLE_DEVICES), and merges them into what one process writes.
 * Each record names the environment its worker had (test/fixtures/envProviders.mjs).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deviceWorkers, parseDeviceList, withoutOptions } from '../lib/cluster/devices.js';
import { jsonl, tempDir } from './helpers/batch.js';
import { fakeProviders, runCli } from './helpers/cli.js';
import { expectedShard, makeShardSet, outputTables } from './helpers/shardSet.js';

const envProviders = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/envProviders.mjs');


describe('--device: one worker per GPU', () => {
  it('parses device lists', () => {
    expect(parseDeviceList('cuda:0,cuda:1')).toEqual(['cuda:0', 'cuda:1']);
    expect(parseDeviceList('cuda:2, 5')).toEqual(['cuda:2', 'cuda:5']);
    expect(() => parseDeviceList('cuda:0,cuda:0')).toThrow(/twice/);
    expect(() => parseDeviceList('cpu')).toThrow(/not a CUDA device/);
    expect(() => parseDeviceList('')).toThrow(/empty/);
    expect(deviceWorkers(['cuda:1', 'cuda:3']).map((w) => [w.shard, w.env.CUDA_VISIBLE_DEVICES])).toEqual([
      [{ index: 1, count: 2 }, '1'],
      [{ index: 2, count: 2 }, '3'],
    ]);
    expect(withoutOptions(['a', '--device', 'cuda:0', '--json', '--out=x', '--device=cuda:1', 'b'], ['device'], ['json'])).toEqual(['a', '--out=x', 'b']);
  });

  it('each worker evaluates its shard with its own CUDA_VISIBLE_DEVICES; the merge equals one process', () => {
    const dir = tempDir('theval-devices-');
    const set = makeShardSet(path.join(dir, 'clips'));
    const args = [...set.methods, '--gt', set.gt, '--metrics', 'global_aesthetic,mouth_quality,lip_sync'];
    const single = runCli(['evaluate', ...args, '--out', path.join(dir, 'single'), '-q'], { env: { THEVAL_PROVIDERS: fakeProviders } });
    expect(single.status, single.stderr).toBe(0);

    const out = path.join(dir, 'out');
    const r = runCli(['evaluate', ...args, '--out', out, '--device', 'cuda:0,cuda:3', '--json', '--report', '--published-gt'], { env: { THEVAL_PROVIDERS: envProviders } });
    expect(r.status, r.stderr).toBe(0);
    // --report: not passed to the workers (shards have no tables), written after the merge from the shard files.
    expect(r.stderr).not.toMatch(/no summary\.json|note:/);
    expect(existsSync(path.join(out, 'report.html'))).toBe(true);
    // --published-gt: one leaderboard, of the merged values (not one per worker from its shard's).
    expect((r.stdout + r.stderr).match(/Leaderboard against the PUBLISHED GT row/g)).toHaveLength(1);
    expect(r.stderr).toMatch(/2 workers: shard 1\/2 on cuda:0, shard 2\/2 on cuda:3/);
    const roots: Record<string, string> = { GT: set.gt, alpha: set.methods[0], beta: set.methods[1] };
    for (const [i, visible] of [[1, '0'], [2, '3']] as const) {
      const recs = jsonl(path.join(out, `results.shard-${i}-of-2.jsonl`));
      for (const rec of recs) expect(rec.warnings, rec.path).toContain(`env CUDA_VISIBLE_DEVICES=${visible} THEVAL_DEVICE=cuda:0`);
      const want = Object.entries(set.videos).flatMap(([m, ps]) => ps.filter((p) => expectedShard(m, path.relative(roots[m], p), 2) === i).map((p) => `${m}:${p}`));
      expect(recs.map((x) => `${x.method}:${x.path}`).sort()).toEqual(want.sort());
    }
    expect(JSON.parse(r.stdout).shards).toBe(2);
    expect(outputTables(out)).toEqual(outputTables(path.join(dir, 'single')));
    expect(r.stdout + r.stderr).toMatch(/Leaderboard/);
  });

  it('--report with --shard is a usage error before any work (the merge writes it)', () => {
    const dir = tempDir('theval-shard-report-');
    const out = path.join(dir, 'out');
    const r = runCli(['evaluate', 'x.mp4', '--shard', '1/2', '--report', '--out', out], { env: { THEVAL_PROVIDERS: fakeProviders } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--report with --shard: .*theval merge .* --report/);
    expect(existsSync(out)).toBe(false);
  });

  it('--published-gt with --shard is a usage error naming the way after the merge', () => {
    const r = runCli(['evaluate', 'x.mp4', '--shard', '2/3', '--published-gt', '--out', 'res']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--published-gt with --shard: .*theval score res\/aggregate\.csv --published-gt/);
  });

  it('a device list with --shard is a usage error', () => {
    const r = runCli(['evaluate', 'x.mp4', '--device', 'cuda:0,cuda:1', '--shard', '1/2']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--device with several devices and --shard/);
  });
});
