/**
 * Shards: `evaluate --shard i/N` takes the videos whose key hashes to i, so N processes
 * (a Slurm array, one worker per GPU) split one evaluation without talking to each other.
 *
 * - The key is the method name + the video's path relative to its method folder (or list
 *   file's folder; a loose file: its name). A video's shard depends on nothing else, so
 *   adding or removing videos never moves the others, and the same inputs mounted under
 *   another prefix on another node shard the same way.
 * - Each shard appends to its own `results.shard-i-of-N.jsonl` (own lock) in the shared
 *   output folder, and writes `shard-i-of-N.json` (its plan, then its outcome), which
 *   `theval merge` reads to know what every shard was meant to do.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { TheValError } from '../errors.js';
import type { AnalysisConfig } from '../analyze.js';
import type { MetricId } from '../metrics/types.js';
import { inputKind } from './inputs.js';

/** Shard `index` (1-based, as Slurm's usual `--array=1-N`) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** `i/N` with 1 <= i <= N. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
    throw new TheValError('BAD_ARGUMENT', `--shard '${text}': expected i/N with 1 <= i <= N (e.g. 2/8)`);
  }
  return { index, count };
}

/** The shard (1..count) of one video, from its method and its path relative to the method's folder. */
export function shardOf(method: string, relativePath: string, count: number): number {
  const rel = relativePath.split(path.sep).join('/');
  const digest = createHash('sha256').update(`${method}\u0000${rel}`).digest();
  // 64 bits of the hash modulo N: uniform enough for any practical N.
  return Number(digest.readBigUInt64BE(0) % BigInt(count)) + 1;
}

/**
 * Each expanded path's key path: relative to the first folder input that contains it, else
 * to the folder of the first list file, else its file name.
 */
export async function keyPaths(inputs: readonly string[], paths: readonly string[]): Promise<string[]> {
  const roots: string[] = [];
  for (const arg of inputs) {
    const kind = await inputKind(arg);
    if (kind === 'folder') roots.push(path.resolve(arg));
    else if (kind === 'list') roots.push(path.dirname(path.resolve(arg.slice(1))));
  }
  return paths.map((p) => {
    for (const r of roots) {
      const rel = path.relative(r, p);
      if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel;
    }
    return path.basename(p);
  });
}

/**
 * Keeps in each planned method only this shard's videos (in place) and returns the shard's
 * part of the manifest. `groups[k]` are the inputs `planned[k]` was expanded from.
 */
export async function planShard(
  groups: ReadonlyArray<{ name: string; inputs: readonly string[] }>,
  planned: Array<{ method: string; paths: string[] }>,
  shard: Shard,
): Promise<ShardManifest['methods']> {
  const plan: ShardManifest['methods'] = [];
  for (const p of planned) {
    const inputs = groups.find((g) => g.name === p.method)!.inputs;
    const keys = await keyPaths(inputs, p.paths);
    const assigned = p.paths.map((file, index) => ({ path: file, index })).filter((_, k) => shardOf(p.method, keys[k], shard.count) === shard.index);
    plan.push({ name: p.method, videos: p.paths.length, assigned, reused: 0 });
    p.paths = assigned.map((a) => a.path);
  }
  return plan;
}

export const shardResultsName = (s: Shard): string => `results.shard-${s.index}-of-${s.count}.jsonl`;
export const shardManifestName = (s: Shard): string => `shard-${s.index}-of-${s.count}.json`;

/** What one shard was asked to do and how far it got (`shard-i-of-N.json`). */
export interface ShardManifest {
  tool: string;
  shard: Shard;
  /** False until the shard's run finished every video it was given. */
  complete: boolean;
  updatedAt: string;
  configHash: string;
  config: AnalysisConfig;
  metrics: MetricId[];
  /** Every method of the run, in the run's order (GT last), even when this shard has none of its videos. */
  methods: Array<{
    name: string;
    /** Videos of the method over all shards. */
    videos: number;
    /** This shard's videos, with their position in the method's full (unsharded) order. */
    assigned: Array<{ path: string; index: number }>;
    /** Records this shard's last run took from an earlier run. */
    reused: number;
  }>;
  warnings: string[];
}

export async function writeShardManifest(dir: string, manifest: ShardManifest): Promise<string> {
  const file = path.join(dir, shardManifestName(manifest.shard));
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(manifest, null, 2) + '\n');
  await rename(tmp, file);
  return file;
}

export interface ShardFiles {
  shard: Shard;
  manifest?: string;
  results?: string;
}

/** The shard files in an output folder, by shard, sorted by N then i. */
export function listShardFiles(dir: string): ShardFiles[] {
  const found = new Map<string, ShardFiles>();
  for (const name of readdirSync(dir)) {
    const m = /^(?:results\.shard-(\d+)-of-(\d+)\.jsonl|shard-(\d+)-of-(\d+)\.json)$/.exec(name);
    if (!m) continue;
    const shard = { index: Number(m[1] ?? m[3]), count: Number(m[2] ?? m[4]) };
    const k = `${shard.index}/${shard.count}`;
    const f = found.get(k) ?? { shard };
    if (m[1] !== undefined) f.results = path.join(dir, name);
    else f.manifest = path.join(dir, name);
    found.set(k, f);
  }
  return [...found.values()].sort((a, b) => a.shard.count - b.shard.count || a.shard.index - b.shard.index);
}

export function readShardManifest(file: string): ShardManifest {
  let m: ShardManifest;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as ShardManifest;
  } catch (e) {
    throw new TheValError('SHARD_MISMATCH', `${file}: not a shard manifest (${(e as Error).message})`, file);
  }
  if (!m || typeof m.configHash !== 'string' || !m.shard || !Array.isArray(m.methods)) {
    throw new TheValError('SHARD_MISMATCH', `${file}: not a shard manifest`, file);
  }
  return m;
}
