/**
 * An output folder of `theval evaluate` as the report reads it: summary.json (the
 * leaderboard and provenance) and the records of results.jsonl that belong to it.
 *
 * results.jsonl is append-only and may hold records of earlier runs with another
 * configuration, or several records of one video (a --retry-errors rerun). The report
 * takes, as evaluate() does, the last record per (method, path) whose configuration hash
 * is summary.json's, and only for the methods summary.json lists: the per-video numbers
 * are then exactly those the dataset values were computed from. A folder made by
 * `theval merge` (cluster shards, device lists: summary.json has `shards: N`) keeps its
 * records in results.shard-i-of-N.jsonl, read the same way; its results.jsonl, if any, is a
 * separate single-process run the merge did not use.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { VideoRecord } from '../analyze.js';
import { TheValError } from '../errors.js';
import type { EvaluationSummary } from '../evaluate.js';
import { RESULTS_FILE, readResults } from '../io/resultsStore.js';
import { shardResultsName } from '../io/shards.js';

export interface RunData {
  dir: string;
  summary: EvaluationSummary;
  /** Method names in summary.json's order. */
  methods: string[];
  /** Records per method, in results.jsonl order. */
  records: Map<string, VideoRecord[]>;
  /** Lines skipped, records of other configurations ignored, ... */
  notes: string[];
}

/** summary.json's numbers come back as null for NaN; the scores need NaN. */
function nullToNaN(_k: string, v: unknown): unknown {
  return v === null ? NaN : v;
}

export function loadRun(dir: string): RunData {
  const summaryFile = path.join(dir, 'summary.json');
  if (!existsSync(summaryFile)) {
    throw new TheValError('BAD_ARGUMENT', `${dir}: no summary.json (is this an output folder of 'theval evaluate'? an interrupted run writes it at the end)`);
  }
  let summary: EvaluationSummary;
  try {
    summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as EvaluationSummary;
  } catch (e) {
    throw new TheValError('BAD_ARGUMENT', `${summaryFile}: not valid JSON: ${(e as Error).message}`);
  }
  if (!summary || typeof summary !== 'object' || !summary.methods || typeof summary.configHash !== 'string') {
    throw new TheValError('BAD_ARGUMENT', `${summaryFile}: not a theval summary (no methods or configHash)`);
  }
  // Scores hold NaN as null in JSON; revive them (only there: values: null means "none" and stays null).
  if (summary.scores) summary.scores = JSON.parse(JSON.stringify(summary.scores), nullToNaN);
  const methods = Object.keys(summary.methods);
  const shards = (summary as { shards?: unknown }).shards;
  const sources =
    typeof shards === 'number' && Number.isInteger(shards) && shards > 0
      ? Array.from({ length: shards }, (_, i) => path.join(dir, shardResultsName({ index: i + 1, count: shards })))
      : [path.join(dir, RESULTS_FILE)];
  const source = sources.length > 1 ? `results.shard-*-of-${shards}.jsonl` : path.basename(sources[0]);
  const reads = sources.map((f) => readResults(f));
  const notes = reads.flatMap((r) => r.problems);
  const latest = new Map<string, VideoRecord>();
  let otherConfig = 0;
  for (const r of reads.flatMap((x) => x.records)) {
    if (r.configHash !== summary.configHash) {
      otherConfig++;
      continue;
    }
    if (!(r.method in summary.methods)) continue;
    const key = `${r.method}\u0000${r.path}`;
    latest.delete(key); // keep file order of the last occurrence
    latest.set(key, r);
  }
  if (otherConfig) notes.push(`${otherConfig} record(s) in ${source} come from another configuration and are not part of this report`);
  const records = new Map<string, VideoRecord[]>(methods.map((m) => [m, []]));
  for (const r of latest.values()) records.get(r.method)!.push(r);
  for (const m of methods) {
    const want = summary.methods[m].recorded;
    const got = records.get(m)!.length;
    if (got !== want) notes.push(`method '${m}': summary.json counts ${want} records, ${source} has ${got} for its configuration`);
  }
  return { dir, summary, methods, records, notes };
}
