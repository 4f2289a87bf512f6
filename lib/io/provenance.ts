/**
 * Provenance of the tables theval writes: which tool, backends, models and profile produced
 * the numbers. It lives in a sidecar file next to each CSV (`lip_sync.csv` ->
 * `lip_sync.provenance.json`, `aggregate.csv` -> `aggregate.provenance.json`), so the CSVs
 * stay byte for byte what the reference's collect and score steps parse.
 *
 * `theval collect` carries each folder's provenance into the aggregate's sidecar (one entry
 * per row); `theval score` reads the sidecar and warns when rows of one leaderboard come from
 * different backends or profiles (their numbers are not comparable).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AnalysisConfig } from '../analyze.js';
import { TheValError } from '../errors.js';

export const PROVENANCE_FORMAT = 'theval-provenance';
export const PROVENANCE_VERSION = 1;

/** What produced one table's (or one row's) numbers. */
export interface Provenance {
  tool: string;
  /** The analysis configuration's hash (records with the same hash are comparable). */
  configHash: string;
  /** lib/profile.ts label: 'clean', 'reference', or a base with toggled quirks. */
  profile: string;
  quirks: string[];
  /** 'name version' of each pass's backend; null when the pass did not feed the table. */
  face: string | null;
  audio: string | null;
  quality: Record<string, string>;
}

export interface ProvenanceFile extends Provenance {
  format: typeof PROVENANCE_FORMAT;
  version: number;
  /** Aggregate tables: per row (model name), where it differs from the table's own. */
  rows?: Record<string, Provenance>;
}

/** The provenance of an evaluation's tables, from its configuration and hash. */
export function provenanceOfConfig(config: AnalysisConfig, configHash: string): Provenance {
  const b = (x: { name: string; version: string } | null): string | null => (x ? `${x.name} ${x.version}` : null);
  return {
    tool: config.tool,
    configHash,
    profile: config.profile?.label ?? 'clean',
    quirks: config.profile?.quirks ?? [],
    face: b(config.face),
    audio: b(config.audio),
    quality: config.quality ? { ...config.quality.scorers } : {},
  };
}

/** `dir/name.csv` -> `dir/name.provenance.json`. */
export function provenancePath(csvFile: string): string {
  const ext = path.extname(csvFile);
  return path.join(path.dirname(csvFile), `${path.basename(csvFile, ext.toLowerCase() === '.csv' ? ext : '')}.provenance.json`);
}

export function formatProvenance(p: Provenance, rows?: Record<string, Provenance>): string {
  const out: ProvenanceFile = { format: PROVENANCE_FORMAT, version: PROVENANCE_VERSION, ...p, ...(rows && Object.keys(rows).length ? { rows } : {}) };
  return JSON.stringify(out, null, 2) + '\n';
}

function isProvenance(x: unknown): x is Provenance {
  const p = x as Provenance;
  return (
    !!p &&
    typeof p === 'object' &&
    typeof p.tool === 'string' &&
    typeof p.configHash === 'string' &&
    typeof p.profile === 'string' &&
    Array.isArray(p.quirks) &&
    (p.face === null || typeof p.face === 'string') &&
    (p.audio === null || typeof p.audio === 'string') &&
    !!p.quality &&
    typeof p.quality === 'object'
  );
}

function core(p: Provenance): Provenance {
  return { tool: p.tool, configHash: p.configHash, profile: p.profile, quirks: [...p.quirks], face: p.face, audio: p.audio, quality: { ...p.quality } };
}

export function parseProvenance(text: string, source = 'provenance'): ProvenanceFile {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (e) {
    throw new TheValError('BAD_ARGUMENT', `${source}: not JSON (${(e as Error).message})`);
  }
  const f = x as ProvenanceFile;
  if (!f || f.format !== PROVENANCE_FORMAT) throw new TheValError('BAD_ARGUMENT', `${source}: not a ${PROVENANCE_FORMAT} file`);
  if (f.version !== PROVENANCE_VERSION) throw new TheValError('BAD_ARGUMENT', `${source}: provenance version ${String(f.version)}, this tool reads ${PROVENANCE_VERSION}`);
  if (!isProvenance(f)) throw new TheValError('BAD_ARGUMENT', `${source}: incomplete provenance`);
  const rows: Record<string, Provenance> = {};
  for (const [k, v] of Object.entries(f.rows ?? {})) {
    if (!isProvenance(v)) throw new TheValError('BAD_ARGUMENT', `${source}: incomplete provenance for row '${k}'`);
    rows[k] = core(v);
  }
  return { format: PROVENANCE_FORMAT, version: PROVENANCE_VERSION, ...core(f), ...(Object.keys(rows).length ? { rows } : {}) };
}

/**
 * The sidecar of `csvFile`: null when there is none (tables from the reference or from older
 * theval versions); `warning` when there is one that cannot be read.
 */
export async function readProvenance(csvFile: string): Promise<{ provenance: ProvenanceFile | null; warning?: string }> {
  const file = provenancePath(csvFile);
  if (!existsSync(file)) return { provenance: null };
  try {
    return { provenance: parseProvenance(await readFile(file, 'utf8'), file) };
  } catch (e) {
    return { provenance: null, warning: `${file}: ignored: ${(e as Error).message}` };
  }
}

/** One line for messages: profile and backends. */
export function describeProvenance(p: Provenance): string {
  const q = Object.entries(p.quality)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  return `profile ${p.profile}; face ${p.face ?? '-'}; audio ${p.audio ?? '-'}; quality ${q || '-'}`;
}

/** What must agree for numbers to be comparable: the profile and every backend (not the tool build or metric subset). */
function comparableKey(p: Provenance): string {
  return JSON.stringify([p.profile, p.face, p.audio, Object.keys(p.quality).sort().map((k) => [k, p.quality[k]])]);
}

/** The face/BRISQUE engine named in a provenance: 'theval-cuda', 'theval-cuda-emulated' or 'cpu'. */
function inferenceEngine(p: Provenance): string {
  const text = [p.face ?? '', ...Object.values(p.quality)].join(' ');
  return /theval-cuda-emulated/.test(text) ? 'theval-cuda-emulated' : /theval-cuda/.test(text) ? 'theval-cuda' : 'cpu';
}

/**
 * A warning when the named entries (rows, tables) do not all come from the same backends and
 * profile; also when some have provenance and others none. Undefined when they agree (or
 * none has any: nothing to compare).
 */
export function mixingProvenanceWarning(entries: ReadonlyArray<{ name: string; provenance: Provenance | null }>): string | undefined {
  const known = entries.filter((e) => e.provenance);
  if (known.length === 0) return undefined;
  const groups = new Map<string, string[]>();
  for (const e of known) {
    const k = comparableKey(e.provenance!);
    groups.set(k, [...(groups.get(k) ?? []), e.name]);
  }
  const unknown = entries.filter((e) => !e.provenance).map((e) => e.name);
  if (groups.size === 1 && unknown.length === 0) return undefined;
  const parts = [...groups.values()].map((names) => {
    const p = known.find((e) => e.name === names[0])!.provenance!;
    return `${names.join(', ')}: ${describeProvenance(p)}`;
  });
  if (unknown.length) parts.push(`${unknown.join(', ')}: provenance not recorded`);
  // Rows from the CUDA backend (--device cuda) next to CPU rows: say so plainly, with where
  // their measured agreement is written down.
  const engines = new Set(known.map((e) => inferenceEngine(e.provenance!)));
  const devices = engines.size > 1 ? `; inference backends differ (${[...engines].sort().join(' vs ')}: docs/gpu.md gives how far they agree)` : '';
  return `the scored rows come from different backends/profiles, so their numbers are not comparable (${parts.join(' | ')})${devices}`;
}

/** Per-row provenance of an aggregate sidecar: the row's own entry, else the table's. */
export function rowProvenance(file: ProvenanceFile | Provenance | null, model: string): Provenance | null {
  if (!file) return null;
  return ('rows' in file ? (file as ProvenanceFile).rows?.[model] : undefined) ?? core(file);
}
