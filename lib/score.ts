/**
 * Scoring (paper Eq. 12): each metric's dataset value is compared with the GT value of
 * real videos, s_m = 1 - |M_m - GT_m| / |GT_m|; the final score is the weighted mean of
 * the s_m; group scores are the weighted means over each group's metrics; methods are
 * ranked by final score, descending, ties sharing the lower ("min") rank.
 *
 * Missing values. A metric whose dataset value is NaN (every video NaN) has no s_m. It is
 * left out of that method's final and group scores, the remaining weights are
 * renormalised, `complete` is false, and a warning says so: refusing to score at all
 * would hide the other seven numbers, while silently treating it as 0 or 1 would invent
 * one. A NaN GT value drops that metric for every method (with a warning). A GT value of
 * 0 makes Eq. 12 undefined and is an error.
 *
 * Diagnostics (docs/diagnostics.md) are not part of the score: their weight is 0 unless a
 * user gives one. A weighted diagnostic is normalised like a metric (Eq. 12 against its GT
 * value) and enters the final score (no group).
 */
import { TheValError } from './errors.js';
import { GROUPS, METRIC_IDS, getMetric } from './metrics/registry.js';
import { DIAGNOSTIC_IDS, getDiagnostic, type DiagnosticId } from './diagnostics/registry.js';
import { nanMean } from './metrics/stats.js';
import type { MetricGroup, MetricId } from './metrics/types.js';

export type MetricValues = Record<MetricId, number>;

/** Dataset value of a metric: mean of the per-video values, skipping NaN but not 0.0. */
export function datasetValue(perVideo: ArrayLike<number>): { value: number; videos: number; nanVideos: number } {
  const { mean, count } = nanMean(perVideo);
  return { value: mean, videos: count, nanVideos: perVideo.length - count };
}

/** Eq. 12 for one metric. Throws when gt is 0; NaN in, NaN out. */
export function normalisedScore(value: number, gt: number, metric?: MetricId): number {
  if (gt === 0) {
    const what = metric ? `'${getMetric(metric).name}'` : 'a metric';
    throw new TheValError(
      'BAD_ARGUMENT',
      `GT value of ${what} is 0: Eq. 12 divides by |GT|, so this metric cannot be normalised ` +
        `(check the GT videos: a 0 usually means no face or no speech was found in any of them)`,
    );
  }
  return 1 - Math.abs(value - gt) / Math.abs(gt);
}

export type DiagnosticValues = Partial<Record<DiagnosticId, number>>;

export interface ScoreOptions {
  /** Per-metric weights (>= 0, finite); missing metrics are 1, missing diagnostics 0 (not scored). */
  weights?: Partial<Record<MetricId | DiagnosticId, number>>;
  /** Diagnostic values of the GT row (needed for every diagnostic with a weight > 0). */
  gtDiagnostics?: DiagnosticValues;
}

export interface MethodScore {
  name: string;
  /** s_m per metric (NaN where the method or GT value is NaN). */
  normalised: MetricValues;
  groups: Record<MetricGroup, number>;
  final: number;
  /** 1-based, "min" ranking among the scored methods; NaN when final is NaN. */
  rank: number;
  /** False when some metric was left out of the final score. */
  complete: boolean;
  missing: MetricId[];
  warnings: string[];
  /** Eq. 12 of each diagnostic that was given a weight (absent otherwise). */
  diagnostics?: DiagnosticValues;
}

function weightsOf(opts: ScoreOptions): Record<MetricId, number> {
  const w = {} as Record<MetricId, number>;
  for (const id of METRIC_IDS) {
    const x = opts.weights?.[id] ?? 1;
    if (!Number.isFinite(x) || x < 0) {
      throw new TheValError('BAD_ARGUMENT', `weight of '${id}' must be a finite number >= 0, got ${x}`);
    }
    w[id] = x;
  }
  for (const k of Object.keys(opts.weights ?? {})) {
    if (!(METRIC_IDS as readonly string[]).includes(k) && !(DIAGNOSTIC_IDS as readonly string[]).includes(k)) {
      throw new TheValError('BAD_ARGUMENT', `unknown metric '${k}' in weights`);
    }
  }
  return w;
}

/** The diagnostics a user weighted (> 0), with their weights. */
function diagnosticWeights(opts: ScoreOptions): Array<[DiagnosticId, number]> {
  const out: Array<[DiagnosticId, number]> = [];
  for (const id of DIAGNOSTIC_IDS) {
    const x = opts.weights?.[id];
    if (x === undefined) continue;
    if (!Number.isFinite(x) || x < 0) throw new TheValError('BAD_ARGUMENT', `weight of '${id}' must be a finite number >= 0, got ${x}`);
    if (x > 0) out.push([id, x]);
  }
  return out;
}

function weightedMean(ids: readonly MetricId[], s: MetricValues, w: Record<MetricId, number>): number {
  let num = 0, den = 0;
  for (const id of ids) {
    if (Number.isNaN(s[id]) || w[id] === 0) continue;
    num += w[id] * s[id];
    den += w[id];
  }
  return den === 0 ? NaN : num / den;
}

function checkRow(values: MetricValues, what: string): void {
  for (const id of METRIC_IDS) {
    if (typeof values[id] !== 'number') throw new TheValError('BAD_ARGUMENT', `${what} has no value for '${id}'`);
  }
}

/** Scores one method against GT (rank is left NaN: use scoreMethods to rank). */
export function scoreMethod(
  name: string,
  values: MetricValues,
  gt: MetricValues,
  opts: ScoreOptions = {},
  diagnostics: DiagnosticValues = {},
): MethodScore {
  checkRow(values, `method '${name}'`);
  checkRow(gt, 'the GT row');
  const w = weightsOf(opts);
  const normalised = {} as MetricValues;
  const missing: MetricId[] = [];
  const warnings: string[] = [];
  for (const id of METRIC_IDS) {
    const label = getMetric(id).name;
    if (Number.isNaN(gt[id])) {
      normalised[id] = NaN;
      missing.push(id);
      warnings.push(`${label}: the GT value is NaN, so this metric is left out of every score`);
      continue;
    }
    normalised[id] = normalisedScore(values[id], gt[id], id);
    if (Number.isNaN(values[id])) {
      missing.push(id);
      warnings.push(`${label}: '${name}' has no value (NaN for every video); left out of its final and group scores`);
    }
  }
  const groups = {} as Record<MetricGroup, number>;
  for (const g of Object.keys(GROUPS) as MetricGroup[]) groups[g] = weightedMean(GROUPS[g], normalised, w);
  let final = weightedMean(METRIC_IDS, normalised, w);
  const dw = diagnosticWeights(opts);
  let diagScores: DiagnosticValues | undefined;
  if (dw.length) {
    // The weighted diagnostics join the final score's weighted mean (metrics' weights as above).
    diagScores = {};
    let num = 0, den = 0;
    for (const id of METRIC_IDS) {
      if (Number.isNaN(normalised[id]) || w[id] === 0) continue;
      num += w[id] * normalised[id];
      den += w[id];
    }
    for (const [id, wd] of dw) {
      const g = opts.gtDiagnostics?.[id];
      const label = getDiagnostic(id).name;
      if (g === undefined || Number.isNaN(g)) throw new TheValError('BAD_ARGUMENT', `${label} has a weight but no GT value to normalise by`);
      if (g === 0) throw new TheValError('BAD_ARGUMENT', `the GT value of ${label} is 0: Eq. 12 cannot normalise by it`);
      const v = diagnostics[id] ?? NaN;
      const sd = 1 - Math.abs(v - g) / Math.abs(g);
      diagScores[id] = sd;
      if (Number.isNaN(sd)) {
        warnings.push(`${label}: '${name}' has no value; left out of its final score`);
        continue;
      }
      num += wd * sd;
      den += wd;
    }
    final = den === 0 ? NaN : num / den;
  }
  if (Number.isNaN(final)) warnings.push(`'${name}': no metric could be scored (all NaN or zero weight)`);
  return { name, normalised, groups, final, rank: NaN, complete: missing.length === 0, missing, warnings, ...(diagScores ? { diagnostics: diagScores } : {}) };
}

/**
 * "min" ranking, descending: the highest value gets 1, equal values share the lowest rank
 * of their tie (scores 0.9, 0.8, 0.9, 0.7 -> 1, 3, 1, 4). NaN values get rank NaN and do
 * not take a place. Equality is exact (as pandas' rank(method='min')).
 */
export function rankDescendingMin(values: readonly number[]): number[] {
  const finite = values.filter((v) => !Number.isNaN(v));
  return values.map((v) => (Number.isNaN(v) ? NaN : 1 + finite.filter((u) => u > v).length));
}

/** Scores and ranks several methods against one GT row. Output keeps the input order. */
export function scoreMethods(
  methods: ReadonlyArray<{ name: string; values: MetricValues; diagnostics?: DiagnosticValues }>,
  gt: MetricValues,
  opts: ScoreOptions = {},
): MethodScore[] {
  const scored = methods.map((m) => scoreMethod(m.name, m.values, gt, opts, m.diagnostics));
  const ranks = rankDescendingMin(scored.map((s) => s.final));
  scored.forEach((s, i) => (s.rank = ranks[i]));
  return scored;
}
