/**
 * Scoring a whole aggregate table: pick the GT row (or the published one), normalise every
 * other row by it (lib/score.ts, paper Eq. 12), rank. What `theval score` prints and what
 * the library's `score()` returns.
 */
import { TheValError } from './errors.js';
import { PUBLISHED_GT, mixingWarning } from './io/publishedGt.js';
import { parseAggregateCsv, type AggregateRow } from './io/referenceCsv.js';
import { mixingProvenanceWarning, rowProvenance, type ProvenanceFile } from './io/provenance.js';
import type { MetricId } from './metrics/types.js';
import type { DiagnosticId } from './diagnostics/registry.js';
import { scoreMethods, type MethodScore, type MetricValues } from './score.js';

export interface ScoreTableOptions {
  /** Name of the GT row (default 'GT'; compared case-insensitively). */
  gtName?: string;
  /** Per-metric weights (default all 1); diagnostics (default 0) may be weighted too. */
  weights?: Partial<Record<MetricId | DiagnosticId, number>>;
  /**
   * Normalise by the published THEval GT row instead of the table's. Adds a warning (the
   * `mixing` field) unless `pipeline` says the numbers come from the reference's models.
   */
  publishedGt?: boolean;
  /** Which models produced the table's numbers (for the published-GT warning). */
  pipeline?: string;
  /** Name for messages (e.g. the file). */
  source?: string;
  /** The table's provenance sidecar (lib/io/provenance.ts): rows from different backends/profiles are warned about. */
  provenance?: ProvenanceFile | null;
}

export interface ScoreTableResult {
  gt: { name: string; source: string; values: MetricValues; diagnostics?: AggregateRow['diagnostics'] };
  /** One per non-GT row, in table order, ranked. */
  methods: MethodScore[];
  warnings: string[];
  /** Set when the published GT row normalises numbers from another pipeline: show it loudly. */
  mixing?: string;
}

/** Scores an aggregate table given as CSV text (the reference's column aliases accepted) or as parsed rows. */
export function scoreTable(table: string | readonly AggregateRow[], options: ScoreTableOptions = {}): ScoreTableResult {
  const source = options.source ?? 'table';
  const warnings: string[] = [];
  let rows: readonly AggregateRow[];
  if (typeof table === 'string') {
    const parsed = parseAggregateCsv(table, options.source);
    rows = parsed.rows;
    warnings.push(...parsed.warnings);
  } else rows = table;
  const gtKey = (options.gtName ?? 'GT').toUpperCase();
  const gtRows = rows.filter((r) => r.model.toUpperCase() === gtKey);
  const methods = rows.filter((r) => r.model.toUpperCase() !== gtKey);
  let gt: ScoreTableResult['gt'];
  let mixing: string | undefined;
  if (options.publishedGt) {
    mixing = mixingWarning(options.pipeline ?? `${source} (which models produced it is not recorded)`);
    if (mixing) warnings.push(mixing);
    if (gtRows.length) warnings.push(`${source}: its own '${gtRows[0].model}' row is ignored (published GT requested)`);
    gt = { name: 'published GT', source: PUBLISHED_GT.source, values: { ...PUBLISHED_GT.values } };
  } else {
    if (gtRows.length !== 1) {
      const n = options.gtName ?? 'GT';
      throw new TheValError('BAD_ARGUMENT', `${source}: ${gtRows.length ? `${gtRows.length} rows are named '${n}'` : `no '${n}' row`}`);
    }
    gt = { name: gtRows[0].model, source, values: gtRows[0].values, ...(gtRows[0].diagnostics ? { diagnostics: gtRows[0].diagnostics } : {}) };
  }
  if (options.provenance) {
    const scoredRows = options.publishedGt ? methods : [...methods, ...gtRows];
    const mixed = mixingProvenanceWarning(scoredRows.map((r) => ({ name: r.model, provenance: rowProvenance(options.provenance!, r.model) })));
    if (mixed) {
      warnings.push(`${source}: ${mixed}`);
      mixing ??= `${source}: ${mixed}`;
    }
  }
  const seen = new Set<string>();
  for (const r of methods) {
    if (seen.has(r.model)) warnings.push(`${source}: model '${r.model}' appears more than once`);
    seen.add(r.model);
  }
  const scored = scoreMethods(
    methods.map((r) => ({ name: r.model, values: r.values, ...(r.diagnostics ? { diagnostics: r.diagnostics } : {}) })),
    gt.values,
    { weights: options.weights, ...(gt.diagnostics ? { gtDiagnostics: gt.diagnostics } : {}) },
  );
  for (const s of scored) warnings.push(...s.warnings);
  return { gt, methods: scored, warnings, ...(mixing ? { mixing } : {}) };
}
