import { describe, expect, it } from 'vitest';
import { PUBLISHED_GT, PUBLISHED_LEADERBOARD, REFERENCE_PIPELINE, mixingWarning } from '../lib/io/publishedGt.js';
import type { MetricId } from '../lib/metrics/types.js';
import { datasetValue, normalisedScore, rankDescendingMin, scoreMethod, scoreMethods, type MetricValues } from '../lib/score.js';
import { isTheValError } from '../lib/errors.js';

const row = (v: number[]): MetricValues => ({
  global_aesthetic: v[0], mouth_quality: v[1], face_quality: v[2], lip_dynamics: v[3],
  head_motion: v[4], eyebrow_dynamics: v[5], silent_lip_stability: v[6], lip_sync: v[7],
});

describe('datasetValue', () => {
  it('skips NaN but counts 0.0', () => {
    // (0 + 2 + 4) / 3 = 2
    expect(datasetValue([0, NaN, 2, 4])).toEqual({ value: 2, videos: 3, nanVideos: 1 });
    expect(datasetValue([NaN]).value).toBeNaN();
  });
});

describe('normalisedScore (Eq. 12)', () => {
  it('is 1 - |M - GT| / |GT|, negative when far, symmetric around GT', () => {
    expect(normalisedScore(3, 4)).toBe(0.75); // 1 - 1/4
    expect(normalisedScore(5, 4)).toBe(0.75);
    expect(normalisedScore(13, 4)).toBe(-1.25); // 1 - 9/4
    expect(normalisedScore(-1, -2)).toBe(0.5); // |GT| in the denominator
  });

  it('GT = 0 is an error naming the metric', () => {
    let err: unknown;
    try {
      normalisedScore(1, 0, 'eyebrow_dynamics');
    } catch (e) {
      err = e;
    }
    expect(isTheValError(err, 'BAD_ARGUMENT')).toBe(true);
    expect((err as Error).message).toMatch(/Eyebrow dynamics.*is 0/);
  });
});

describe('scoreMethod / scoreMethods', () => {
  it('GT scored against itself is 1.0 on every metric, every group and the final', () => {
    const gt = { ...PUBLISHED_GT.values };
    const s = scoreMethod('GT', gt, gt);
    for (const v of Object.values(s.normalised)) expect(v).toBe(1);
    expect(s.groups).toEqual({ quality: 1, naturalness: 1, synchronization: 1 });
    expect(s.final).toBe(1);
    expect(s.complete).toBe(true);
  });

  it('final = mean of the 8 s_m, groups = means of 1-3, 4-6, 7-8', () => {
    const gt = row([2, 2, 2, 2, 2, 2, 2, 2]);
    // s = 0.5, 0.5, 1, 0, 0, 1, 1, 1  (values 1, 3, 2, 4, 0, 2, 2, 2)
    const s = scoreMethod('A', row([1, 3, 2, 4, 0, 2, 2, 2]), gt);
    expect(Object.values(s.normalised)).toEqual([0.5, 0.5, 1, 0, 0, 1, 1, 1]);
    expect(s.final).toBe(5 / 8);
    expect(s.groups.quality).toBeCloseTo(2 / 3, 15);
    expect(s.groups.naturalness).toBeCloseTo(1 / 3, 15);
    expect(s.groups.synchronization).toBe(1);
  });

  it('weights: sum(w s) / sum(w)', () => {
    const gt = row([2, 2, 2, 2, 2, 2, 2, 2]);
    // s = 0.5, 0.5, 1, 0, 0, 1, 1, 1; weight 3 on lip_sync: (4 + 3*1) / (7 + 3) = 0.7
    const s = scoreMethod('A', row([1, 3, 2, 4, 0, 2, 2, 2]), gt, { weights: { lip_sync: 3 } });
    expect(s.final).toBeCloseTo(0.7, 15);
    // synchronization: (1*1 + 3*1)/4 = 1
    expect(s.groups.synchronization).toBe(1);
    expect(() => scoreMethod('A', gt, gt, { weights: { lip_sync: -1 } })).toThrow(/weight/);
    expect(() => scoreMethod('A', gt, gt, { weights: { nope: 1 } as unknown as Partial<Record<MetricId, number>> })).toThrow(/unknown metric/);
  });

  it('a NaN metric is left out of the final and its group, with a warning', () => {
    const gt = row([2, 2, 2, 2, 2, 2, 2, 2]);
    // s = 0.5, 0.5, 1, 0, 0, 1, 1, (NaN) -> final (0.5+0.5+1+0+0+1+1)/7 = 4/7; sync = 1
    const s = scoreMethod('A', row([1, 3, 2, 4, 0, 2, 2, NaN]), gt);
    expect(s.final).toBeCloseTo(4 / 7, 15);
    expect(s.groups.synchronization).toBe(1);
    expect(s.complete).toBe(false);
    expect(s.missing).toEqual(['lip_sync']);
    expect(s.warnings.join('\n')).toMatch(/Lip sync.*left out/);
    // a whole group missing -> that group NaN
    const t = scoreMethod('B', row([2, 2, 2, 2, 2, 2, NaN, NaN]), gt);
    expect(t.groups.synchronization).toBeNaN();
    expect(t.final).toBe(1);
    // NaN in GT drops the metric for everyone
    const u = scoreMethod('C', row([1, 2, 2, 2, 2, 2, 2, 2]), row([NaN, 2, 2, 2, 2, 2, 2, 2]));
    expect(u.final).toBe(1);
    expect(u.warnings.join()).toMatch(/GT value is NaN/);
    // GT 0 is an error even when the method's value is NaN
    expect(() => scoreMethod('D', row([1, 1, 1, 1, 1, 1, 1, NaN]), row([1, 1, 1, 1, 1, 1, 1, 0]))).toThrow(/is 0/);
  });

  it('ranks descending, ties share the lower (min) rank, NaN unranked', () => {
    expect(rankDescendingMin([0.9, 0.8, 0.9, 0.7])).toEqual([1, 3, 1, 4]);
    expect(rankDescendingMin([0.5, NaN, 0.5, 0.5, 0.6])).toEqual([2, NaN, 2, 2, 1]);
    const gt = row([2, 2, 2, 2, 2, 2, 2, 2]);
    const scored = scoreMethods(
      [
        { name: 'low', values: row([1, 2, 2, 2, 2, 2, 2, 2]) }, // 1 - 0.5/8 = 0.9375
        { name: 'best', values: gt }, // 1
        { name: 'low-too', values: row([2, 2, 2, 2, 2, 2, 2, 3]) }, // 0.9375
        { name: 'worst', values: row([0, 2, 2, 2, 2, 2, 2, 2]) }, // 1 - 1/8 = 0.875
      ],
      gt,
    );
    expect(scored.map((s) => [s.name, s.final, s.rank])).toEqual([
      ['low', 0.9375, 2], ['best', 1, 1], ['low-too', 0.9375, 2], ['worst', 0.875, 4],
    ]);
  });
});

describe('published GT and leaderboard', () => {
  it('holds the METRICS.md numbers and says which pipeline made them', () => {
    expect(Object.values(PUBLISHED_GT.values)).toEqual([4.6842, 23.835, 0.4425, 1.716603, 18.46757, 0.006777, 0.0263, 0.2528]);
    expect(PUBLISHED_GT.models).toBe('reference (TOPIQ-IAA, MUSIQ, TOPIQ-NR-face, FaceXFormer, MediaPipe)');
    expect(PUBLISHED_LEADERBOARD.finals).toHaveLength(17);
    expect(PUBLISHED_LEADERBOARD.finals[0]).toEqual({ model: 'LivePortrait', final: 0.9345 });
    expect(PUBLISHED_LEADERBOARD.finals[16]).toEqual({ model: 'Wav2Lip', final: 0.6502 });
    const f = PUBLISHED_LEADERBOARD.finals.map((x) => x.final);
    expect([...f].sort((a, b) => b - a)).toEqual(f);
    expect(mixingWarning(REFERENCE_PIPELINE)).toBeUndefined();
    expect(mixingWarning('theval 0.1 (BRISQUE, ...)')).toMatch(/not a like-for-like/);
  });
});
