import { describe, expect, it } from 'vitest';
import { frameMean, mouthBox } from '../lib/metrics/quality.js';
import { GROUPS, METRICS, METRIC_IDS, getMetric, metricForName } from '../lib/metrics/registry.js';
import { LIPS } from '../lib/metrics/landmarkSets.js';
import { audio, emptyFace, fillFace, setPoint } from './metrics-helpers.js';

describe('registry', () => {
  it('lists the 8 metrics in the paper order with the reference column names and groups', () => {
    expect(METRIC_IDS).toEqual([
      'global_aesthetic', 'mouth_quality', 'face_quality', 'lip_dynamics',
      'head_motion', 'eyebrow_dynamics', 'silent_lip_stability', 'lip_sync',
    ]);
    expect(METRICS.map((m) => m.name).join(',')).toBe(
      'Global aesthetic,Mouth quality,Face quality,Lip dynamics,Head motion dynamics,Eyebrow dynamics,Silent lip stability,Lip sync',
    );
    expect(METRICS.map((m) => m.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(GROUPS.quality).toEqual(['global_aesthetic', 'mouth_quality', 'face_quality']);
    expect(GROUPS.naturalness).toEqual(['lip_dynamics', 'head_motion', 'eyebrow_dynamics']);
    expect(GROUPS.synchronization).toEqual(['silent_lip_stability', 'lip_sync']);
    for (const m of METRICS) expect(GROUPS[m.group]).toContain(m.id);
  });

  it('has compute functions for the track metrics only, and they run', () => {
    expect(METRICS.filter((m) => m.compute).map((m) => m.id)).toEqual([
      'lip_dynamics', 'head_motion', 'eyebrow_dynamics', 'silent_lip_stability', 'lip_sync',
    ]);
    const input = { face: emptyFace(4), audio: audio([], new Float32Array(4)) };
    expect(getMetric('lip_dynamics').compute!(input).value).toBe(0);
    expect(getMetric('head_motion').compute!(input).value).toBeNaN();
    expect(getMetric('lip_sync').compute!(input).reason).toMatch(/10%/);
  });

  it('maps names and aliases case and punctuation insensitively', () => {
    const cases: Array<[string, string]> = [
      ['Std_Over_Time', 'lip_dynamics'], ['std_over_time', 'lip_dynamics'], ['LIP DYNAMICS', 'lip_dynamics'],
      ['silent_mad', 'silent_lip_stability'], ['Silent MAD', 'silent_lip_stability'],
      ['mean_difference', 'lip_sync'], ['Mean_Difference', 'lip_sync'], ['lip-sync', 'lip_sync'],
      ['micro_expression_intensity', 'eyebrow_dynamics'], ['Micro-Expression Intensity', 'eyebrow_dynamics'],
      ['head_motion', 'head_motion'], ['Head Motion Dynamics', 'head_motion'],
      ['aesthetic_score', 'global_aesthetic'], ['Aesthetic_Score', 'global_aesthetic'],
      ['mouth quality', 'mouth_quality'], ['Face-Quality', 'face_quality'],
    ];
    for (const [name, id] of cases) expect(metricForName(name), name).toBe(id);
    expect(metricForName('Pitch Smoothness')).toBeUndefined();
    expect(metricForName('final score')).toBeUndefined();
    expect(() => metricForName('quality_score')).toThrow(/ambiguous/);
  });
});

describe('quality helpers', () => {
  it('frameMean skips NaN (unscored frames) and is NaN when nothing was scored', () => {
    expect(frameMean([1, NaN, 3, 0]).value).toBeCloseTo(4 / 3, 12); // 0 counts, NaN does not
    const none = frameMean([NaN, NaN], 'no face');
    expect(none.value).toBeNaN();
    expect(none.reason).toBe('no face');
  });

  it('mouthBox spans the plain LIPS points in pixels, +10 px, clipped', () => {
    const f = emptyFace(2, { width: 200, height: 100 });
    fillFace(f, 'plain', 0, 0.5, 0.5);
    for (const k of LIPS) setPoint(f, 'plain', 0, k, 0.5, 0.5);
    // Landmarks are float32: f32(0.3) = 0.30000001192, f32(0.95) = 0.94999998808,
    // f32(0.6) = 0.60000002384, f32(0.45) = 0.44999998808. int() truncates:
    setPoint(f, 'plain', 0, LIPS[3], 0.3, 0.95); // int(60.0000024) = 60, int(94.999998) = 94
    setPoint(f, 'plain', 0, LIPS[7], 0.6, 0.45); // int(120.0000048) = 120, int(44.999998) = 44
    // x: 60..120 -> 50..130; y: 44..94 -> 34..104, clipped to 100
    expect(mouthBox(f, 0)).toEqual({ x0: 50, y0: 34, x1: 130, y1: 100 });
    expect(mouthBox(f, 1)).toBeNull();
  });
});
