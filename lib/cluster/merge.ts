/**
 * `theval merge <out>`: the shards of one evaluation (`evaluate --shard i/N` into the same
 * folder) -> the per-metric CSVs, aggregate.csv, summary.json and leaderboard a single
 * process would have written. Refuses to mix configurations or shard counts; a shard that
 * has not run or not finished makes the result incomplete (and says which), never wrong.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { VideoRecord } from '../analyze.js';
import { TheValError } from '../errors.js';
import { GT_NAME, aggregateRow, leaderboardOf, summarizeMethod, type EvaluationSummary } from '../evaluate.js';
import { writeMethodTables, writeRunTables } from '../io/outputTables.js';
import { formatProvenance, provenanceOfConfig } from '../io/provenance.js';
import type { AggregateRow } from '../io/referenceCsv.js';
import { RESULTS_FILE, readResults } from '../io/resultsStore.js';
import { listShardFiles, readShardManifest, type ShardManifest } from '../io/shards.js';
import { version as toolVersion } from '../version.js';

export interface MergeOptions {
  onWarning?: (message: string) => void;
}

export interface MergeResult {
  summary: EvaluationSummary & { shards: number };
  /** Every shard ran to the end and every video has a record. */
  complete: boolean;
  records: VideoRecord[];
  outputs: string[];
}

/** The shard count of a folder's shard files; throws when there are none or several. */
function shardCount(counts: number[], dir: string): number {
  const distinct = [...new Set(counts)];
  if (distinct.length === 0) throw new TheValError('SHARD_MISMATCH', `${dir}: no shard files (results.shard-i-of-N.jsonl, shard-i-of-N.json); run \`theval evaluate ... --shard i/N --out ${dir}\` first`, dir);
  if (distinct.length > 1) {
    throw new TheValError(
      'SHARD_MISMATCH',
      `${dir} holds shards of ${distinct.map((n) => `N=${n}`).join(' and ')}: they split the videos differently and cannot be merged. Remove the stale set or use another --out.`,
      dir,
    );
  }
  return distinct[0];
}

/** All manifests must describe the same run: same configuration, same methods. */
function checkSameRun(manifests: ShardManifest[], dir: string, warn: (m: string) => void): void {
  const first = manifests[0];
  for (const m of manifests.slice(1)) {
    if (m.configHash !== first.configHash) {
      throw new TheValError(
        'SHARD_MISMATCH',
        `${dir}: shard ${m.shard.index}/${m.shard.count} was evaluated with another configuration than shard ${first.shard.index}/${first.shard.count} ` +
          `(config ${m.configHash.slice(0, 12)}, metrics ${m.metrics.join(',')} vs ${first.configHash.slice(0, 12)}, ${first.metrics.join(',')}); ` +
          'rerun the odd shard with the same options and models',
        dir,
      );
    }
    const names = (x: ShardManifest) => x.methods.map((k) => k.name).join(',');
    if (names(m) !== names(first)) {
      throw new TheValError('SHARD_MISMATCH', `${dir}: shard ${m.shard.index} has methods ${names(m)}, shard ${first.shard.index} has ${names(first)}`, dir);
    }
    for (const [k, meth] of m.methods.entries()) {
      if (meth.videos !== first.methods[k].videos) {
        warn(`method '${meth.name}': shard ${m.shard.index} saw ${meth.videos} videos, shard ${first.shard.index} saw ${first.methods[k].videos}: the inputs changed between shards; rerun every shard on the same inputs for a complete result`);
      }
    }
  }
}

export async function mergeShards(dir: string, options: MergeOptions = {}): Promise<MergeResult> {
  const out = path.resolve(dir);
  if (!existsSync(out)) throw new TheValError('FILE_NOT_FOUND', `${dir}: no such folder`, dir);
  const warnings: string[] = [];
  const warn = (m: string) => {
    if (warnings.includes(m)) return;
    warnings.push(m);
    options.onWarning?.(m);
  };
  const files = listShardFiles(out);
  const count = shardCount(files.map((f) => f.shard.count), dir);
  let complete = true;
  const manifests: ShardManifest[] = [];
  for (let i = 1; i <= count; i++) {
    const f = files.find((x) => x.shard.index === i);
    if (!f?.manifest) {
      complete = false;
      warn(`shard ${i}/${count} has not run (no shard-${i}-of-${count}.json): its videos are missing; run \`theval evaluate ... --shard ${i}/${count}\``);
      continue;
    }
    manifests.push(readShardManifest(f.manifest));
  }
  if (manifests.length === 0) throw new TheValError('SHARD_MISMATCH', `${dir}: no shard has run yet (no shard-i-of-${count}.json)`, dir);
  checkSameRun(manifests, dir, warn);
  if (existsSync(path.join(out, RESULTS_FILE))) warn(`${path.join(dir, RESULTS_FILE)} (a single-process run) is not part of the merge; its tables are overwritten`);

  const base = manifests[0];
  const perMethod = new Map<string, { videos: number; reused: number; got: Array<{ index: number; record: VideoRecord }> }>();
  for (const m of base.methods) perMethod.set(m.name, { videos: 0, reused: 0, got: [] });
  for (const m of manifests) {
    for (const w of m.warnings) warn(`shard ${m.shard.index}/${m.shard.count}: ${w}`);
    const file = files.find((x) => x.shard.index === m.shard.index)!.results;
    const read = file ? readResults(file) : { records: [], problems: [] };
    for (const p of read.problems) warn(p);
    // The last record per video with this run's configuration (a results file is append-only).
    const last = new Map<string, VideoRecord>();
    for (const r of read.records) if (r.configHash === m.configHash) last.set(`${r.method}\u0000${r.path}`, r);
    let missing = 0;
    for (const meth of m.methods) {
      const acc = perMethod.get(meth.name)!;
      acc.videos = Math.max(acc.videos, meth.videos);
      acc.reused += meth.reused;
      for (const a of meth.assigned) {
        const r = last.get(`${meth.name}\u0000${a.path}`);
        if (r) acc.got.push({ index: a.index, record: r });
        else missing++;
      }
    }
    if (!m.complete || missing > 0) {
      complete = false;
      warn(`shard ${m.shard.index}/${m.shard.count} has not finished (killed, interrupted or still running): ${missing} of its videos have no record; run it again (it resumes)`);
    }
  }

  const summary: EvaluationSummary & { shards: number } = {
    tool: `theval ${toolVersion}`,
    createdAt: new Date().toISOString(),
    complete,
    configHash: base.configHash,
    config: base.config,
    metrics: base.metrics,
    ffmpeg: null,
    methods: {},
    gt: base.methods.some((m) => m.name === GT_NAME) ? GT_NAME : null,
    warnings,
    shards: count,
  };
  const provenance = formatProvenance(provenanceOfConfig(base.config, base.configHash));
  const outputs: string[] = [];
  const records: VideoRecord[] = [];
  const rows: AggregateRow[] = [];
  for (const [name, acc] of perMethod) {
    // The order a single process uses: the method's expanded input order.
    const recs = acc.got.sort((a, b) => a.index - b.index || (a.record.path < b.record.path ? -1 : 1)).map((g) => g.record);
    if (recs.length < acc.videos) summary.complete = false;
    records.push(...recs);
    const ms = summarizeMethod(recs, acc.videos, acc.reused, base.metrics);
    summary.methods[name] = ms;
    rows.push(aggregateRow(name, ms));
    summary.ffmpeg ??= recs.find((r) => r.versions.ffmpeg !== 'unknown')?.versions.ffmpeg ?? null;
    outputs.push(...(await writeMethodTables(out, name, recs, base.metrics, provenance)));
  }
  if (summary.gt) {
    const scores = leaderboardOf(rows, warn);
    if (scores) summary.scores = scores;
  }
  outputs.push(...(await writeRunTables(out, rows, summary, provenance)));
  return { summary, complete: summary.complete, records, outputs };
}
