/**
 * How certain is a leaderboard? A percentile bootstrap over videos.
 *
 * Each replicate draws, for every method independently, as many videos as it has, with
 * replacement, from its own videos (all eight metrics of a drawn video come together, so
 * their correlation is kept). The dataset values are recomputed from the drawn videos
 * exactly as summary.json's are (mean skipping NaN). When the GT videos are part of the
 * run, they are resampled the same way and the GT row, hence the Eq. 12 normalisation, is
 * recomputed per replicate too: the GT row is itself an estimate from a finite set of real
 * videos, and holding it fixed would understate the uncertainty. A GT value of 0 in a
 * replicate leaves that metric out for that replicate (as evaluate() does for the point
 * estimate). Scoring and ranking go through lib/score.ts, the same code as the leaderboard.
 *
 * Intervals are the 2.5th and 97.5th percentiles of the replicates (linear interpolation
 * between order statistics, numpy's default), over the replicates where the value exists.
 */
import { METRIC_IDS } from '../metrics/registry.js';
import type { MetricGroup, MetricId } from '../metrics/types.js';
import { rankDescendingMin, scoreMethods, type MetricValues } from '../score.js';
import { mulberry32 } from '../util/random.js';

/** The seeded PRNG of the bootstrap (a report is reproducible from its seed). */
export { mulberry32 };

/** One method's per-video values: videos x 8 metrics, row-major (METRIC_IDS order), NaN for none. */
export interface VideoMatrix {
  name: string;
  videos: number;
  values: Float64Array;
}

export function videoMatrix(name: string, rows: ReadonlyArray<Record<MetricId, number>>): VideoMatrix {
  const K = METRIC_IDS.length;
  const values = new Float64Array(rows.length * K);
  rows.forEach((r, i) => METRIC_IDS.forEach((id, k) => (values[i * K + k] = r[id])));
  return { name, videos: rows.length, values };
}

export interface Interval {
  lo: number;
  hi: number;
  /** Replicates where the value existed (not NaN). */
  n: number;
}

export interface MethodIntervals {
  name: string;
  final: Interval;
  groups: Record<MetricGroup, Interval>;
  normalised: Record<MetricId, Interval>;
  raw: Record<MetricId, Interval>;
}

export interface BootstrapOptions {
  /** Replicates (default 1000). */
  B?: number;
  seed?: number;
  /** Confidence level (default 0.95). */
  level?: number;
  weights?: Partial<Record<MetricId, number>>;
}

export interface BootstrapResult {
  B: number;
  seed: number;
  level: number;
  /** True when the GT row was recomputed per replicate (GT videos in the run). */
  gtResampled: boolean;
  methods: MethodIntervals[];
  /** Raw-value intervals of the GT videos, when present. */
  gt: { name: string; raw: Record<MetricId, Interval> } | null;
  /** rankProb[i][r]: fraction of replicates where method i had rank r+1 (ties share the lower rank); only with a GT. */
  rankProb: number[][] | null;
  /** beats[i][j]: fraction of replicates where method i's final score is strictly higher than j's; only with a GT. */
  beats: number[][] | null;
}

/** Percentile of sorted finite values, linear interpolation (numpy.percentile's default). */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < n ? sorted[i] + f * (sorted[i + 1] - sorted[i]) : sorted[i];
}

export function interval(samples: ArrayLike<number>, level = 0.95): Interval {
  const finite = Float64Array.from(Array.prototype.filter.call(samples, (x: number) => !Number.isNaN(x)) as number[]).sort();
  const a = (1 - level) / 2;
  return { lo: percentileSorted(finite, a), hi: percentileSorted(finite, 1 - a), n: finite.length };
}

/**
 * Dataset values (mean skipping NaN) of one resample, given how many times each video was
 * drawn. Column-major with NaN as 0 plus a 0/1 validity column: a sequential, branch-free
 * inner loop (the 50,000-video bench spends its time here).
 */
function resampledMeans(cols: Columns, counts: Uint32Array | null, out: Float64Array): void {
  const n = cols.n;
  for (let k = 0; k < cols.K; k++) {
    const v = cols.value[k], ok = cols.valid[k];
    let sum = 0, cnt = 0;
    if (counts) {
      for (let j = 0; j < n; j++) {
        const c = counts[j];
        sum += c * v[j];
        cnt += c * ok[j];
      }
    } else {
      for (let j = 0; j < n; j++) {
        sum += v[j];
        cnt += ok[j];
      }
    }
    out[k] = cnt ? sum / cnt : NaN;
  }
}

interface Columns {
  n: number;
  K: number;
  value: Float64Array[];
  valid: Float64Array[];
}

function columns(m: VideoMatrix): Columns {
  const K = METRIC_IDS.length;
  const value = Array.from({ length: K }, () => new Float64Array(m.videos));
  const valid = Array.from({ length: K }, () => new Float64Array(m.videos));
  for (let j = 0; j < m.videos; j++) {
    for (let k = 0; k < K; k++) {
      const x = m.values[j * K + k];
      if (!Number.isNaN(x)) {
        value[k][j] = x;
        valid[k][j] = 1;
      }
    }
  }
  return { n: m.videos, K, value, valid };
}

function asValues(a: Float64Array): MetricValues {
  const v = {} as MetricValues;
  METRIC_IDS.forEach((id, k) => (v[id] = a[k]));
  return v;
}

/**
 * The bootstrap of a run: `methods` are the scored methods (GT excluded), `gt` the GT
 * videos or null (then only raw-value intervals are computed: there is no score).
 */
export function bootstrap(methods: readonly VideoMatrix[], gt: VideoMatrix | null, options: BootstrapOptions = {}): BootstrapResult {
  const B = options.B ?? 1000;
  const seed = options.seed ?? 1;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(B) || B < 1) throw new RangeError(`bootstrap: B must be a positive integer, got ${B}`);
  const K = METRIC_IDS.length;
  const M = methods.length;
  const rand = mulberry32(seed);
  // One draw = how many times each video is picked in n draws with replacement.
  const draw = (n: number, counts: Uint32Array) => {
    counts.fill(0);
    for (let j = 0; j < n; j++) counts[Math.floor(rand() * n)]++;
  };
  const cols = methods.map(columns);
  const gtCols = gt ? columns(gt) : null;
  const idx = methods.map((m) => new Uint32Array(m.videos));
  const gtIdx = gt ? new Uint32Array(gt.videos) : null;
  // Replicate arrays: raw[i][k][b], normalised[i][k][b], final[i][b], groups[i][g][b].
  const raw = methods.map(() => METRIC_IDS.map(() => new Float64Array(B)));
  const norm = methods.map(() => METRIC_IDS.map(() => new Float64Array(B)));
  const groupIds: MetricGroup[] = ['quality', 'naturalness', 'synchronization'];
  const groups = methods.map(() => groupIds.map(() => new Float64Array(B)));
  const final = methods.map(() => new Float64Array(B));
  const gtRaw = METRIC_IDS.map(() => new Float64Array(B));
  const rankCount = gt ? methods.map(() => new Float64Array(M)) : null;
  const beatCount = gt ? methods.map(() => new Float64Array(M)) : null;
  const means = new Float64Array(K);
  const gtMeans = new Float64Array(K);
  for (let b = 0; b < B; b++) {
    const rows: Array<{ name: string; values: MetricValues }> = [];
    methods.forEach((m, i) => {
      draw(m.videos, idx[i]);
      resampledMeans(cols[i], idx[i], means);
      for (let k = 0; k < K; k++) raw[i][k][b] = means[k];
      rows.push({ name: m.name, values: asValues(means) });
    });
    if (!gt) continue;
    draw(gt.videos, gtIdx!);
    resampledMeans(gtCols!, gtIdx, gtMeans);
    for (let k = 0; k < K; k++) {
      gtRaw[k][b] = gtMeans[k];
      if (gtMeans[k] === 0) gtMeans[k] = NaN; // Eq. 12 cannot divide by 0: left out, as evaluate() does
    }
    const scored = scoreMethods(rows, asValues(gtMeans), { weights: options.weights });
    const finals = scored.map((s) => s.final);
    const ranks = rankDescendingMin(finals);
    scored.forEach((s, i) => {
      final[i][b] = s.final;
      METRIC_IDS.forEach((id, k) => (norm[i][k][b] = s.normalised[id]));
      groupIds.forEach((g, gi) => (groups[i][gi][b] = s.groups[g]));
      if (!Number.isNaN(ranks[i])) rankCount![i][ranks[i] - 1]++;
      for (let j = 0; j < M; j++) if (finals[i] > finals[j]) beatCount![i][j]++;
    });
  }
  const rec = <T>(f: (id: MetricId, k: number) => T) => Object.fromEntries(METRIC_IDS.map((id, k) => [id, f(id, k)])) as Record<MetricId, T>;
  const nanInterval: Interval = { lo: NaN, hi: NaN, n: 0 };
  return {
    B,
    seed,
    level,
    gtResampled: gt !== null,
    methods: methods.map((m, i) => ({
      name: m.name,
      final: gt ? interval(final[i], level) : nanInterval,
      groups: Object.fromEntries(groupIds.map((g, gi) => [g, gt ? interval(groups[i][gi], level) : nanInterval])) as Record<MetricGroup, Interval>,
      normalised: rec((_id, k) => (gt ? interval(norm[i][k], level) : nanInterval)),
      raw: rec((_id, k) => interval(raw[i][k], level)),
    })),
    gt: gt ? { name: gt.name, raw: rec((_id, k) => interval(gtRaw[k], level)) } : null,
    rankProb: rankCount ? rankCount.map((row) => Array.from(row, (c) => c / B)) : null,
    beats: beatCount ? beatCount.map((row) => Array.from(row, (c) => c / B)) : null,
  };
}
