/**
 * `evaluate --shard i/N` + `theval merge`: N shards merged give what one process gives on the
 * same inputs (every CSV byte for byte, the same values and leaderboard); the split follows
 * the documented rule (sha256 of method + path relative to its folder) and does not move
 * videos when others are added; resume per shard; refusals (other configuration, other N);
 * an unfinished shard makes an incomplete merge that says which.
 * Analysis passes: the test providers (test/fixtures/fakeProviders.mjs), whose quality
 * scores follow the clips' colours.
 */
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate, type Providers } from '../lib/index.js';
import { mergeShards } from '../lib/cluster/merge.js';
import { loadRun } from '../lib/report/load.js';
import { parseShard, shardOf } from '../lib/io/shards.js';
import { isTheValError } from '../lib/errors.js';
import { jsonl, makeBadVideos, tempDir } from './helpers/batch.js';
import { colourClip, expectedShard, makeShardSet, outputTables } from './helpers/shardSet.js';
import { fakeProviders, runCli } from './helpers/cli.js';
// @ts-expect-error: plain JS test fixture
import { makeProviders } from './fixtures/fakeProviders.mjs';

const providers = (): Providers => makeProviders() as Providers;


const metrics = ['global_aesthetic', 'mouth_quality', 'head_motion', 'lip_sync'] as const;

describe('shards and merge', () => {
  it('parses i/N', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    for (const bad of ['0/3', '4/3', '1/0', 'x', '1/2/3', '-1/2']) expect(() => parseShard(bad), bad).toThrow(/i\/N/);
  });

  it('3 shards merged = one process on the same inputs (every CSV, values, leaderboard), with a failing video', async () => {
    const dir = tempDir('theval-shard-');
    const set = makeShardSet(dir);
    const { garbage } = makeBadVideos(path.join(dir, 'beta'));
    const methods = set.methods.map((m) => ({ name: path.basename(m), inputs: [m] }));
    const single = await evaluate(methods, { gt: [set.gt], out: path.join(dir, 'single'), metrics: [...metrics], providers: providers(), jobs: 2 });
    expect(single.summary.scores?.length).toBe(2);
    expect(single.summary.methods.beta.failed).toBe(2); // garbage + truncated

    const out = path.join(dir, 'sharded');
    for (const i of [3, 1, 2]) {
      const r = await evaluate(methods, { gt: [set.gt], out, metrics: [...metrics], providers: providers(), jobs: 2, shard: { index: i, count: 3 } });
      // A shard writes its own results and manifest, never the shared tables.
      expect(r.summary.scores).toBeUndefined();
      expect(existsSync(path.join(out, `results.shard-${i}-of-3.jsonl`))).toBe(true);
    }
    expect(existsSync(path.join(out, 'aggregate.csv'))).toBe(false);
    expect(existsSync(path.join(out, 'results.jsonl'))).toBe(false);

    // Each video in exactly the shard the rule names.
    const all = { ...set.videos, beta: [...set.videos.beta, garbage, path.join(dir, 'beta', 'truncated.mp4')] };
    const roots: Record<string, string> = { GT: set.gt, alpha: set.methods[0], beta: set.methods[1] };
    for (let i = 1; i <= 3; i++) {
      const got = jsonl(path.join(out, `results.shard-${i}-of-3.jsonl`)).map((r) => `${r.method}:${r.path}`).sort();
      const want = Object.entries(all).flatMap(([m, ps]) => ps.filter((p) => expectedShard(m, path.relative(roots[m], p), 3) === i).map((p) => `${m}:${p}`)).sort();
      expect(got).toEqual(want);
    }

    const merged = await mergeShards(out);
    expect(merged.complete).toBe(true);
    expect(outputTables(out)).toEqual(outputTables(path.join(dir, 'single')));
    const s = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    const one = JSON.parse(readFileSync(path.join(dir, 'single', 'summary.json'), 'utf8'));
    expect(s.complete).toBe(true);
    expect(s.shards).toBe(3);
    expect(s.configHash).toBe(one.configHash);
    expect(s.scores).toEqual(one.scores);
    for (const m of ['alpha', 'beta', 'GT']) {
      const { reused: _a, ...mine } = s.methods[m];
      const { reused: _b, ...theirs } = one.methods[m];
      expect(mine).toEqual(theirs);
    }
    // The leaderboard is a real one: two methods with different final scores.
    expect(new Set(s.scores.map((x: { final: number }) => x.final)).size).toBe(2);

    // `theval score` reads the merged table as it reads a single run's.
    const a = runCli(['score', path.join(out, 'aggregate.csv'), '--json']);
    const b = runCli(['score', path.join(dir, 'single', 'aggregate.csv'), '--json']);
    expect(a.status, a.stderr).toBe(0);
    const scored = (stdout: string) => {
      const { gt, methods: scores } = JSON.parse(stdout);
      return { gt: { ...gt, source: undefined }, scores };
    };
    expect(scored(a.stdout)).toEqual(scored(b.stdout));

    // `theval report` reads the merged folder's per-video records (in the shard files) as it
    // reads a single run's results.jsonl: the same videos, the same values, nothing missing.
    const perVideo = (dirOf: string) => {
      const run = loadRun(dirOf);
      return {
        notes: run.notes,
        records: Object.fromEntries(
          [...run.records].map(([m, rs]) => [m, rs.map((r) => `${r.path} ${r.status} ${metrics.map((id) => r.metrics[id].value).join(' ')}`).sort()]),
        ),
      };
    };
    const mergedView = perVideo(out);
    expect(mergedView.notes).toEqual([]);
    expect(mergedView).toEqual(perVideo(path.join(dir, 'single')));
    expect(mergedView.records.GT.length).toBeGreaterThan(0);
    const report = runCli(['report', out, '-o', path.join(dir, 'merged.html'), '--bootstrap', '50']);
    expect(report.status, report.stderr).toBe(0);
    expect(report.stderr).not.toMatch(/note:/);
    expect(readFileSync(path.join(dir, 'merged.html'), 'utf8')).not.toContain('summary.json counts');
  });

  it('adding videos moves no other video to another shard; a shard resumes from its own file', async () => {
    const dir = tempDir('theval-shard-');
    const set = makeShardSet(dir);
    const methods = [{ name: 'alpha', inputs: [set.methods[0]] }];
    const out = path.join(dir, 'out');
    const before = new Map<string, number>();
    for (let i = 1; i <= 4; i++) {
      const r = await evaluate(methods, { out, metrics: ['global_aesthetic'], providers: providers(), shard: { index: i, count: 4 } });
      for (const rec of r.records) before.set(rec.path, i);
    }
    expect(before.size).toBe(4);
    for (let k = 0; k < 6; k++) copyFileSync(colourClip(k), path.join(set.methods[0], `new${k}.mp4`));
    const out2 = path.join(dir, 'out2');
    const after = new Map<string, number>();
    for (let i = 1; i <= 4; i++) {
      const r = await evaluate(methods, { out: out2, metrics: ['global_aesthetic'], providers: providers(), shard: { index: i, count: 4 } });
      for (const rec of r.records) after.set(rec.path, i);
    }
    expect(after.size).toBe(10);
    for (const [p, i] of before) expect(after.get(p), p).toBe(i);

    // Resume: shard 2 again reuses every record, appends none.
    const file = path.join(out2, 'results.shard-2-of-4.jsonl');
    const lines = jsonl(file).length;
    expect(lines).toBeGreaterThan(0);
    const again = await evaluate(methods, { out: out2, metrics: ['global_aesthetic'], providers: providers(), shard: { index: 2, count: 4 } });
    expect(jsonl(file).length).toBe(lines);
    const manifest = JSON.parse(readFileSync(path.join(out2, 'shard-2-of-4.json'), 'utf8'));
    expect(manifest.complete).toBe(true);
    expect(manifest.methods[0].reused).toBe(again.records.length);
    expect(manifest.methods[0].assigned.map((a: { path: string }) => a.path)).toEqual(again.records.map((r) => r.path));
  });

  it('refuses to merge other configurations or other N; an unfinished shard gives an incomplete merge naming it', async () => {
    const dir = tempDir('theval-shard-');
    const set = makeShardSet(dir);
    const methods = [{ name: 'alpha', inputs: [set.methods[0]] }, { name: 'beta', inputs: [set.methods[1]] }];
    const run = (out: string, index: number, count: number, m: string[]) =>
      evaluate(methods, { out, metrics: m as never, providers: providers(), shard: { index, count } });

    const mixed = path.join(dir, 'mixed');
    await run(mixed, 1, 2, ['global_aesthetic']);
    await run(mixed, 2, 2, ['lip_sync']);
    await expect(mergeShards(mixed)).rejects.toSatisfy((e: unknown) => isTheValError(e, 'SHARD_MISMATCH') && /another configuration/.test((e as Error).message));

    const twoN = path.join(dir, 'twoN');
    await run(twoN, 1, 2, ['global_aesthetic']);
    await run(twoN, 1, 3, ['global_aesthetic']);
    await expect(mergeShards(twoN)).rejects.toThrow(/N=2 and N=3/);

    const partial = path.join(dir, 'partial');
    await run(partial, 1, 3, ['global_aesthetic']);
    await run(partial, 3, 3, ['global_aesthetic']);
    const warnings: string[] = [];
    const m = await mergeShards(partial, { onWarning: (w) => warnings.push(w) });
    expect(m.complete).toBe(false);
    expect(warnings.some((w) => w.startsWith('shard 2/3 has not run'))).toBe(true);
    const missing = Object.values(set.videos).flat().length - set.videos.GT.length - m.records.length;
    const inShard2 = ['alpha', 'beta'].flatMap((k) => set.videos[k].filter((p) => expectedShard(k, path.relative(path.join(dir, k), p), 3) === 2));
    expect(missing).toBe(inShard2.length);

    // The CLI: merge exit statuses, a shard run's outputs.
    const cliOut = path.join(dir, 'cli');
    const r1 = runCli(['evaluate', ...set.methods, '--out', cliOut, '--shard', '1/2', '--metrics', 'global_aesthetic', '-q'], { env: { THEVAL_PROVIDERS: fakeProviders } });
    expect(r1.status, r1.stderr).toBe(0);
    expect(readdirSync(cliOut).sort()).toEqual(['results.shard-1-of-2.jsonl', 'shard-1-of-2.json']);
    const m1 = runCli(['merge', cliOut]);
    expect(m1.status).toBe(1);
    expect(m1.stderr).toMatch(/shard 2\/2 has not run/);
    const r2 = runCli(['evaluate', ...set.methods, '--out', cliOut, '--shard', '2/2', '--metrics', 'global_aesthetic', '-q'], { env: { THEVAL_PROVIDERS: fakeProviders } });
    expect(r2.status, r2.stderr).toBe(0);
    const m2 = runCli(['merge', cliOut, '--json']);
    expect(m2.status, m2.stderr).toBe(0);
    expect(JSON.parse(m2.stdout).methods.alpha.recorded).toBe(4);
    expect(runCli(['merge', mixed]).status).toBe(3);
  });
});

describe('shardOf', () => {
  it('spreads keys over every shard about evenly', () => {
    const counts = [0, 0, 0, 0, 0];
    for (let k = 0; k < 5000; k++) counts[shardOf('m', `clip${k}.mp4`, 5) - 1]++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
});
