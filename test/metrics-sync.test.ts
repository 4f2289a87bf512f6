import { describe, expect, it } from 'vitest';
import { INNER_LOWER, INNER_UPPER } from '../lib/metrics/landmarkSets.js';
import { lipSync } from '../lib/metrics/lipSync.js';
import { silentLipStability } from '../lib/metrics/silentLipStability.js';
import { audio, emptyFace, fillFace, setPoint } from './metrics-helpers.js';

type Face = ReturnType<typeof emptyFace>;

describe('silentLipStability', () => {
  // Refined landmarks, 256-space. Eye corners 33 at (0.5, 0.25), 263 at (0.5625, 0.25):
  // e = 0.0625 * 256 = 16. Upper lip points at y 0.25, lower at 0.25 + gap:
  // d = mean |y_up - y_lo| * 256 / 16 = 16 * mean gap.
  function mouth(face: Face, t: number, gaps: number[]) {
    fillFace(face, 'refined', t, 0.5, 0.25);
    setPoint(face, 'refined', t, 33, 0.5, 0.25);
    setPoint(face, 'refined', t, 263, 0.5625, 0.25);
    INNER_UPPER.forEach((k, i) => setPoint(face, 'refined', t, k, 0.5, 0.25));
    INNER_LOWER.forEach((k, i) => setPoint(face, 'refined', t, k, 0.5, 0.25 + gaps[i % gaps.length]));
  }

  // fps 10, T 20. Speech [0, 0.5] -> frames 0..5, [0.8, 1.2] -> frames 8..12.
  // Silent runs: 6..7 (2 frames < 3, dropped), 13..19 (7 frames, kept).
  function video() {
    const f = emptyFace(20, { fps: 10, width: 300, height: 200 });
    mouth(f, 6, [0.5]); // short run: must not count (d = 8)
    mouth(f, 7, [0.4]);
    mouth(f, 3, [0.6]); // speech: must not count
    mouth(f, 13, [1 / 16]); // d = 1
    mouth(f, 14, [1 / 16, 3 / 16]); // gaps alternate 1/16, 3/16: mean 2/16 -> d = 2
    mouth(f, 15, [3 / 16]); // d = 3
    // frame 16: no face; 17: eyes coincide (e < 1e-3), skipped
    mouth(f, 17, [0.5]);
    setPoint(f, 'refined', 17, 263, 0.5, 0.25);
    mouth(f, 18, [10 / 16]); // d = 10
    return f;
  }
  const speech: Array<[number, number]> = [[0, 0.5], [0.8, 1.2]];

  it('is the median of |d - mean(d)| over kept silent frames', () => {
    // d = 1, 2, 3, 10: mean 4, deviations 3, 2, 1, 6 -> median (2+3)/2 = 2.5.
    // (About the median instead, as the paper says, it would be 1.0.)
    const r = silentLipStability(video(), audio(speech, new Float32Array(20)));
    expect(r.value).toBeCloseTo(2.5, 12);
    expect(r.details).toMatchObject({ keptSilentFrames: 7, values: 4 });
    expect(r.details?.meanOpening).toBeCloseTo(4, 12);
  });

  it('uses |y_up - y_lo| (a lower lip above the upper one counts positive)', () => {
    const f = video();
    // frame 13: gap -1/16 instead of +1/16: d stays 1
    INNER_LOWER.forEach((k) => setPoint(f, 'refined', 13, k, 0.5, 0.25 - 1 / 16));
    expect(silentLipStability(f, audio(speech, new Float32Array(20))).value).toBeCloseTo(2.5, 12);
  });

  it('NaN rules: no audio, no kept silent run, fewer than 2 values', () => {
    const f = video();
    const none = silentLipStability(f, audio(speech, new Float32Array(20), false));
    expect(none.value).toBeNaN();
    expect(none.reason).toBe('no audio');
    const allSpeech = silentLipStability(f, audio([[0, 1.9]], new Float32Array(20)));
    expect(allSpeech.value).toBeNaN();
    expect(allSpeech.reason).toBe('no silent run >= 300 ms');
    // speech until 1.4 s -> frames 0..14; kept run 15..19 has one value (frame 15 -> d 3, 18 -> d 10: two)
    const two = silentLipStability(f, audio([[0, 1.4]], new Float32Array(20)));
    expect(two.value).toBeCloseTo(3.5, 12); // d 3, 10: mean 6.5, deviations 3.5, 3.5
    const one = silentLipStability(f, audio([[0, 1.5]], new Float32Array(20))); // run 16..19: only frame 18
    expect(one.value).toBeNaN();
    expect(one.reason).toBe('fewer than 2 values');
  });

  it('no speech at all: the whole video is one silent run', () => {
    // all 20 frames silent: values from frames 3, 6, 7, 13, 14, 15, 18 -> d = 16*0.6, 8, 6.4, 1, 2, 3, 10
    const r = silentLipStability(video(), audio([], new Float32Array(20)));
    const d = [9.6, 8, 6.4, 1, 2, 3, 10];
    const m = d.reduce((a, b) => a + b) / 7; // 40/7
    const dev = d.map((x) => Math.abs(x - m)).sort((a, b) => a - b);
    expect(r.value).toBeCloseTo(dev[3], 5); // float32 landmarks (0.6, 0.4 are not exact)
  });
});

describe('lipSync', () => {
  // Plain landmarks, normalised coordinates. Eye corners: 33 x 0.25, 133 x 0.375 (mean 0.3125),
  // 362 x 0.625, 263 x 0.75 (mean 0.6875): denominator 0.375. Openness o = gap / 0.375.
  function mouth(face: Face, t: number, gap: number) {
    fillFace(face, 'plain', t, 0.5, 0.5);
    setPoint(face, 'plain', t, 33, 0.25, 0.4);
    setPoint(face, 'plain', t, 133, 0.375, 0.4);
    setPoint(face, 'plain', t, 362, 0.625, 0.4);
    setPoint(face, 'plain', t, 263, 0.75, 0.4);
    for (const k of INNER_UPPER) setPoint(face, 'plain', t, k, 0.5, 0.5);
    for (const k of INNER_LOWER) setPoint(face, 'plain', t, k, 0.5, 0.5 + gap);
  }

  it('is the mean |o - v| after min-max normalisation over speech frames with a face', () => {
    // fps 10, T 10, speech [0, 0.4] -> frames 0..4 (50% of frames).
    const f = emptyFace(10, { fps: 10 });
    mouth(f, 0, 0); // o 0
    mouth(f, 1, 0.125); // o 1/3
    // frame 2: no face; frame 3: o 2/3
    mouth(f, 3, 0.25);
    mouth(f, 6, 0.4); // silent frame: excluded
    fillFace(f, 'refined', 2, 0.9, 0.9); // refined track must not be read
    const rms = [0.125, 0.375, 100, 0.25, 0, 0, 7, 0, 0, 0];
    // masked frames 0, 1, 3: o = 0, 1/3, 2/3; v = 0.125, 0.375, 0.25
    // o' = (o - 0) / (2/3 + 1e-8); v' = (v - 0.125) / (0.25 + 1e-8)
    const o = [0, 1 / 3, 2 / 3].map((x) => x / (2 / 3 + 1e-8));
    const v = [0, 0.25, 0.125].map((x) => x / (0.25 + 1e-8));
    const expected = (Math.abs(o[0] - v[0]) + Math.abs(o[1] - v[1]) + Math.abs(o[2] - v[2])) / 3; // ~ (0 + 0.5 + 0.5)/3
    const r = lipSync(f, audio([[0, 0.4]], rms));
    expect(r.value).toBeCloseTo(expected, 12);
    expect(r.value).toBeCloseTo(1 / 3, 6);
    expect(r.details).toEqual({ speechFrames: 5, maskedFrames: 3 });
  });

  it('speech in exactly 10% of the frames is enough; fewer is NaN', () => {
    const f = emptyFace(20, { fps: 10 });
    mouth(f, 0, 0);
    mouth(f, 1, 0.125);
    const rms = new Array(20).fill(0);
    rms[1] = 1;
    // speech [0, 0.1] -> frames 0, 1 = 2 of 20 = 10%: not fewer. o' = 0, ~1; v' = 0, ~1 -> ~0
    const ok = lipSync(f, audio([[0, 0.1]], rms));
    expect(ok.value).toBeGreaterThanOrEqual(0);
    expect(ok.value).toBeLessThan(1e-6);
    // 21 frames: 2 < 2.1 -> NaN
    const g = emptyFace(21, { fps: 10 });
    mouth(g, 0, 0);
    mouth(g, 1, 0.125);
    const r = lipSync(g, audio([[0, 0.1]], new Array(21).fill(0)));
    expect(r.value).toBeNaN();
    expect(r.reason).toMatch(/10%/);
  });

  it('NaN without audio, and with fewer than 2 speech frames with a face', () => {
    const f = emptyFace(10, { fps: 10 });
    mouth(f, 0, 0.1);
    const noAudio = lipSync(f, audio([[0, 0.9]], new Array(10).fill(0), false));
    expect(noAudio.value).toBeNaN();
    expect(noAudio.reason).toBe('no audio');
    const oneFace = lipSync(f, audio([[0, 0.9]], new Array(10).fill(0)));
    expect(oneFace.value).toBeNaN();
    expect(oneFace.reason).toMatch(/fewer than 2/);
    // a zero denominator makes the frame's openness NaN (excluded): eyes all at x 0.5
    mouth(f, 1, 0.1);
    for (const k of [33, 133, 362, 263]) setPoint(f, 'plain', 1, k, 0.5, 0.4);
    expect(lipSync(f, audio([[0, 0.9]], new Array(10).fill(0))).details?.maskedFrames).toBe(1);
  });
});
