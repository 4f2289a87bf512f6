/**
 * The report's bootstrap against truths computed without it: degenerate cases with a
 * known answer, a case whose exact bootstrap distribution is enumerated by hand, and
 * numpy (its percentile and an independent numpy bootstrap of the whole Eq. 12 scoring).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { METRIC_IDS } from '../lib/metrics/registry.js';
import type { MetricId } from '../lib/metrics/types.js';
import { bootstrap, interval, mulberry32, percentileSorted, videoMatrix } from '../lib/report/bootstrap.js';
import { boxStats } from '../lib/report/model.js';

type Row = Record<MetricId, number>;
const row = (f: (id: MetricId, k: number) => number): Row => Object.fromEntries(METRIC_IDS.map((id, k) => [id, f(id, k)])) as Row;
const all = (x: number) => row(() => x);

function numpy(script: string, input: unknown): any {
  const r = spawnSync('python3', ['-c', `import json,sys\nimport numpy as np\nd=json.load(sys.stdin)\n${script}`], { input: JSON.stringify(input), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}
const haveNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

describe('report bootstrap', () => {
  it('identical videos give zero-width intervals (raw, normalised, final)', () => {
    const a = videoMatrix('A', Array.from({ length: 7 }, () => row((_id, k) => 0.5 + k)));
    const gt = videoMatrix('GT', Array.from({ length: 5 }, () => row((_id, k) => 1 + k)));
    const b = bootstrap([a], gt, { B: 300, seed: 7 });
    const m = b.methods[0];
    METRIC_IDS.forEach((id, k) => {
      expect(m.raw[id]).toEqual({ lo: 0.5 + k, hi: 0.5 + k, n: 300 });
      const s = 1 - Math.abs(0.5 + k - (1 + k)) / (1 + k);
      expect(m.normalised[id].lo).toBeCloseTo(s, 12);
      expect(m.normalised[id].hi).toBe(m.normalised[id].lo);
    });
    expect(m.final.hi - m.final.lo).toBe(0);
    expect(b.rankProb).toEqual([[1]]);
  });

  it('two well-separated methods: rank probability 1 and P(beats) 1 / 0', () => {
    const rnd = mulberry32(3);
    const near = videoMatrix('near', Array.from({ length: 20 }, () => row(() => 1 + 0.05 * (rnd() - 0.5))));
    const far = videoMatrix('far', Array.from({ length: 20 }, () => row(() => 3 + 0.05 * (rnd() - 0.5))));
    const gt = videoMatrix('GT', Array.from({ length: 20 }, () => row(() => 1 + 0.05 * (rnd() - 0.5))));
    const b = bootstrap([far, near], gt, { B: 500 });
    expect(b.rankProb![1]).toEqual([1, 0]); // near: always first
    expect(b.rankProb![0]).toEqual([0, 1]);
    expect(b.beats![1][0]).toBe(1);
    expect(b.beats![0][1]).toBe(0);
    expect(b.methods[0].final.hi).toBeLessThan(b.methods[1].final.lo);
  });

  it('matches the exactly enumerated bootstrap distribution of a two-video case', () => {
    // GT: every value 1 (constant). B: lip sync 0.75 in both videos, everything else 1.
    // A: lip sync 1 in one video and 0.5 in the other. A resample of A has mean lip sync
    // 1 (p 1/4), 0.75 (p 1/2) or 0.5 (p 1/4), so s = 1, 0.75, 0.5 and final = (7 + s) / 8
    // = 1, 0.96875, 0.9375; B's final is always 0.96875. Hence P(A beats B) = 1/4,
    // P(B beats A) = 1/4, P(A rank 1) = 3/4 (a tie shares rank 1), P(B rank 1) = 3/4,
    // and A's 95% interval is [0.9375, 1].
    const base = (ls: number) => row((id) => (id === 'lip_sync' ? ls : 1));
    const A = videoMatrix('A', [base(1), base(0.5)]);
    const Bm = videoMatrix('B', [base(0.75), base(0.75)]);
    const gt = videoMatrix('GT', [all(1), all(1), all(1)]);
    const B = 8000;
    const r = bootstrap([A, Bm], gt, { B, seed: 11 });
    const tol = 4 * Math.sqrt((0.25 * 0.75) / B); // 4 binomial standard errors
    expect(Math.abs(r.beats![0][1] - 0.25)).toBeLessThan(tol);
    expect(Math.abs(r.beats![1][0] - 0.25)).toBeLessThan(tol);
    expect(Math.abs(r.rankProb![0][0] - 0.75)).toBeLessThan(tol);
    expect(Math.abs(r.rankProb![1][0] - 0.75)).toBeLessThan(tol);
    expect(r.rankProb![0][0] + r.rankProb![0][1]).toBeCloseTo(1, 12);
    expect(r.methods[0].final).toMatchObject({ lo: 0.9375, hi: 1 });
    expect(r.methods[1].final).toMatchObject({ lo: 0.96875, hi: 0.96875 });
    expect(r.methods[0].normalised.lip_sync).toMatchObject({ lo: 0.5, hi: 1 });
  });

  it('is reproducible from its seed and changes with it', () => {
    const rnd = mulberry32(5);
    const m = videoMatrix('A', Array.from({ length: 9 }, () => row(() => rnd())));
    const gt = videoMatrix('GT', Array.from({ length: 9 }, () => row(() => 1 + rnd())));
    expect(bootstrap([m], gt, { B: 200, seed: 9 })).toEqual(bootstrap([m], gt, { B: 200, seed: 9 }));
    expect(bootstrap([m], gt, { B: 200, seed: 9 }).methods[0].final).not.toEqual(bootstrap([m], gt, { B: 200, seed: 10 }).methods[0].final);
  });

  it('NaN videos are skipped in each replicate; a metric NaN everywhere has no interval', () => {
    const m = videoMatrix('A', [row((id) => (id === 'lip_sync' ? NaN : 2)), row((id) => (id === 'lip_sync' ? NaN : 2)), row((id) => (id === 'lip_sync' ? NaN : 4))]);
    // The all-4 resample has probability 1/27 > 2.5%, so the upper end is 4.
    const r = bootstrap([m], null, { B: 4000 });
    expect(r.methods[0].raw.lip_sync.n).toBe(0);
    expect(Number.isNaN(r.methods[0].raw.lip_sync.lo)).toBe(true);
    expect(r.methods[0].raw.head_motion).toMatchObject({ lo: 2, hi: 4, n: 4000 });
    expect(r.rankProb).toBeNull();
  });

  it.skipIf(!haveNumpy)('percentiles and box statistics equal numpy.percentile (linear interpolation)', () => {
    const rnd = mulberry32(21);
    const cases = [1, 2, 5, 40, 999].map((n) => Array.from({ length: n }, () => rnd() * 10 - 3));
    const want = numpy('print(json.dumps([[float(np.percentile(x, q)) for q in (2.5, 25, 50, 75, 97.5)] for x in d]))', cases) as number[][];
    cases.forEach((x, i) => {
      const s = Float64Array.from(x).sort();
      [0.025, 0.25, 0.5, 0.75, 0.975].forEach((q, j) => expect(percentileSorted(s, q)).toBeCloseTo(want[i][j], 12));
      const iv = interval(x);
      expect(iv.lo).toBeCloseTo(want[i][0], 12);
      expect(iv.hi).toBeCloseTo(want[i][4], 12);
      const b = boxStats(x)!;
      expect([b.q1, b.median, b.q3]).toEqual([0, 1, 2].map((j) => expect.closeTo(want[i][j + 1], 12)));
    });
  });

  it.skipIf(!haveNumpy)('agrees with an independent numpy bootstrap of the whole scoring (GT resampled)', () => {
    const rnd = mulberry32(99);
    const mk = (n: number, centre: number[], spread: number) => Array.from({ length: n }, () => row((_id, k) => (rnd() < 0.05 ? NaN : centre[k] * (1 + spread * (rnd() - 0.5)))));
    const gtC = [4.7, 23.8, 0.44, 1.7, 18.5, 0.0068, 0.026, 0.25];
    const rows = {
      A: mk(12, gtC.map((c) => c * 1.1), 0.5),
      B: mk(9, gtC.map((c) => c * 0.85), 0.6),
      C: mk(15, gtC.map((c) => c * 1.05), 0.4),
      GT: mk(10, gtC, 0.4),
    };
    const B = 6000;
    const ours = bootstrap(['A', 'B', 'C'].map((n) => videoMatrix(n, rows[n as 'A'])), videoMatrix('GT', rows.GT), { B, seed: 4 });
    const toJson = (rs: Row[]) => rs.map((r) => METRIC_IDS.map((id) => (Number.isNaN(r[id]) ? null : r[id])));
    const ref = numpy(
      `rng = np.random.default_rng(12345)
B = ${B}
def arr(rs): return np.array([[np.nan if v is None else v for v in r] for r in rs], dtype=float)
M = [arr(d[k]) for k in ('A','B','C')]
G = arr(d['GT'])
finals = np.zeros((B, 3))
for b in range(B):
    g = np.nanmean(G[rng.integers(0, len(G), len(G))], axis=0)
    for i, m in enumerate(M):
        v = np.nanmean(m[rng.integers(0, len(m), len(m))], axis=0)
        s = 1 - np.abs(v - g) / np.abs(g)
        finals[b, i] = np.nanmean(s)
ci = [[float(np.percentile(finals[:, i], 2.5)), float(np.percentile(finals[:, i], 97.5))] for i in range(3)]
rank1 = [float(np.mean(finals[:, i] >= finals.max(axis=1))) for i in range(3)]
beats = [[float(np.mean(finals[:, i] > finals[:, j])) for j in range(3)] for i in range(3)]
print(json.dumps({'ci': ci, 'rank1': rank1, 'beats': beats}))`,
      { A: toJson(rows.A), B: toJson(rows.B), C: toJson(rows.C), GT: toJson(rows.GT) },
    ) as { ci: number[][]; rank1: number[]; beats: number[][] };
    // Two independent Monte Carlo runs of B = 6000: endpoints agree to a small fraction of
    // the interval's width, probabilities to a few binomial standard errors.
    ours.methods.forEach((m, i) => {
      const w = ref.ci[i][1] - ref.ci[i][0];
      expect(w).toBeGreaterThan(0);
      expect(Math.abs(m.final.lo - ref.ci[i][0])).toBeLessThan(0.08 * w);
      expect(Math.abs(m.final.hi - ref.ci[i][1])).toBeLessThan(0.08 * w);
      expect(Math.abs(ours.rankProb![i][0] - ref.rank1[i])).toBeLessThan(0.03);
      for (let j = 0; j < 3; j++) expect(Math.abs(ours.beats![i][j] - ref.beats[i][j])).toBeLessThan(0.03);
    });
  });
});
