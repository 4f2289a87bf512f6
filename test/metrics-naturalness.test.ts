import { describe, expect, it } from 'vitest';
import { eyebrowDynamics } from '../lib/metrics/eyebrowDynamics.js';
import { headMotion } from '../lib/metrics/headMotion.js';
import { LEFT_BROW, LEFT_EYE, LIPS, RIGHT_BROW, RIGHT_EYE } from '../lib/metrics/landmarkSets.js';
import { lipDynamics } from '../lib/metrics/lipDynamics.js';
import { emptyFace, fillFace, setPoint } from './metrics-helpers.js';

describe('lipDynamics', () => {
  // All 40 lip points at (0.5, 0.5) except LIPS[0], moved right by k/256 and down by k/256
  // in frame k, so in 256-space LIPS[0] is k*sqrt(2) away from the 39 others; the other
  // 741 pairs stay at distance 0. Over frames k = 0, 1, 2: the 39 distances take
  // 0, sqrt2, 2*sqrt2 -> population std = sqrt2 * sqrt(2/3) = 2/sqrt3; the 741 others: 0.
  // Per video = 39 * (2/sqrt3) / 780 = 1 / (10*sqrt3).
  function threeFrames(width: number, height: number) {
    const face = emptyFace(5, { width, height });
    const frames = [0, 2, 4]; // 1 and 3 have no face (and are skipped)
    frames.forEach((t, k) => {
      fillFace(face, 'refined', t, 0.5, 0.5);
      setPoint(face, 'refined', t, LIPS[0], 0.5 + k / 256, 0.5 + k / 256);
      // iris points (468..477) are not part of the 468-point topology: garbage must not matter
      for (let p = 468; p < 478; p++) setPoint(face, 'refined', t, p, 10 * k, -7 * k);
      // the plain track disagrees wildly: lip dynamics must read the refined one
      fillFace(face, 'plain', t, 0.1 * k, 0.9);
    });
    return face;
  }

  it('is the mean over the 780 pairs of the population std of the 256-space distance', () => {
    const r = lipDynamics(threeFrames(640, 360));
    expect(r.value).toBeCloseTo(1 / (10 * Math.sqrt(3)), 12);
    expect(r.details?.validFrames).toBe(3);
  });

  it('does not depend on the frame size (256x256 squashed space, not pixels)', () => {
    expect(lipDynamics(threeFrames(1920, 1080)).value).toBeCloseTo(1 / (10 * Math.sqrt(3)), 12);
  });

  it('is 0.0 (not NaN) with no face, and 0 with one frame', () => {
    const none = lipDynamics(emptyFace(4));
    expect(none.value).toBe(0);
    expect(none.reason).toMatch(/no face/);
    const one = emptyFace(3);
    fillFace(one, 'refined', 1, 0.3, 0.3);
    expect(lipDynamics(one).value).toBe(0);
  });
});

describe('headMotion', () => {
  function face5() {
    // valid frames 0, 1, 3 (frame 2 has no face, frame 4 has a pose but no box)
    const f = emptyFace(5, { width: 640, height: 480 });
    const poses = [[0, 0, 0], [1, 0, 3], null, [3, 0, 0], [50, 50, 50]];
    const boxes = [[10, 0, 30, 40], [12, 0, 32, 40], null, [14, 0, 34, 40], null];
    poses.forEach((p, t) => p && f.pose.set(p, t * 3));
    boxes.forEach((b, t) => b && f.box.set(b, t * 4));
    return f;
  }

  it('is sqrt(S*D + V), differences taken across the gaps', () => {
    // pitch 0,1,3: mean 4/3, sq dev 16/9+1/9+25/9 = 42/9 -> var 14/9, std sqrt(14)/3; diff 1,2 -> var 0.25
    // yaw 0,0,0: std 0, diff var 0
    // roll 0,3,0: mean 1, var (1+4+1)/3 = 2, std sqrt2; diff 3,-3 -> var 9
    // S = (sqrt(14)/3 + sqrt2)/3, D = (0.25 + 0 + 9)/3
    // box centres cx 20,22,24 -> var 8/3; cy 20,20,20 -> 0; V = (8/3)/2 = 4/3
    const S = (Math.sqrt(14) / 3 + Math.sqrt(2)) / 3;
    const D = 9.25 / 3;
    const r = headMotion(face5());
    expect(r.value).toBeCloseTo(Math.sqrt(S * D + 4 / 3), 12);
    expect(r.details?.validFrames).toBe(3);
    expect(r.details?.pitchSmoothness).toBeCloseTo(0.25, 12);
    expect(r.details?.yawSmoothness).toBe(0);
    expect(r.details?.rollSmoothness).toBeCloseTo(9, 12);
    expect(r.details?.V).toBeCloseTo(4 / 3, 12);
  });

  it('two valid frames: var of a 1-element diff is 0, V still counts', () => {
    const f = emptyFace(2);
    f.pose.set([0, 0, 0, 2, 4, 6], 0);
    f.box.set([0, 0, 10, 10, 4, 2, 14, 12], 0); // centres (5,5) and (9,7): var cx 4, var cy 1 -> V 2.5
    const r = headMotion(f);
    // D = 0, so sqrt(S*0 + 2.5)
    expect(r.value).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(r.details?.pitchSmoothness).toBe(0);
  });

  it('one valid frame -> 0; no valid frame -> NaN with a reason', () => {
    const f = emptyFace(3);
    f.pose.set([5, 5, 5], 3);
    f.box.set([1, 2, 3, 4], 4);
    expect(headMotion(f).value).toBe(0);
    const none = headMotion(emptyFace(3));
    expect(none.value).toBeNaN();
    expect(none.reason).toBe('no face');
    expect(none.details?.pitchSmoothness).toBeNaN();
  });
});

describe('eyebrowDynamics', () => {
  // Frame 200 x 100 px (non-square, to tell pixels from normalised coordinates).
  // Eyes: left at x 0.625 -> 125 px, right at x 0.375 -> 75 px, both y 0.5 -> 50 px: scale 50.
  // Brows straight above the eyes; brow y 0.25 -> 25 px: d = 25/50 = 0.5;
  //                                 brow y 0.125 -> 12.5 px: d = 37.5/50 = 0.75.
  // (In normalised units it would be 0.25/0.25 = 1 and 0.375/0.25 = 1.5: a different answer.)
  function frame(face: ReturnType<typeof emptyFace>, t: number, browLy: number, browRy: number, eyeRx = 0.375) {
    fillFace(face, 'refined', t, 0.5, 0.5);
    for (const k of LEFT_EYE) setPoint(face, 'refined', t, k, 0.625, 0.5);
    for (const k of RIGHT_EYE) setPoint(face, 'refined', t, k, eyeRx, 0.5);
    for (const k of LEFT_BROW) setPoint(face, 'refined', t, k, 0.625, browLy);
    for (const k of RIGHT_BROW) setPoint(face, 'refined', t, k, eyeRx, browRy);
  }

  it('is the mean absolute frame-to-frame change of both sides', () => {
    const f = emptyFace(6, { width: 200, height: 100 });
    frame(f, 0, 0.25, 0.25); // dL 0.5, dR 0.5
    // frame 1: no face (skipped)
    frame(f, 2, 0.125, 0.25); // dL 0.75, dR 0.5: changes 0.25, 0
    frame(f, 3, 0.3, 0.1, 0.625); // eyes coincide: scale 0 < 1e-3, skipped
    frame(f, 4, 0.25, 0.125); // dL 0.5, dR 0.75: changes 0.25, 0.25
    // sum 0.75 over 4 changes
    const r = eyebrowDynamics(f);
    expect(r.value).toBeCloseTo(0.75 / 4, 12);
    expect(r.details).toEqual({ keptFrames: 3, changes: 4 });
  });

  it('is 0.0 with fewer than 2 kept frames', () => {
    const f = emptyFace(3, { width: 200, height: 100 });
    frame(f, 1, 0.25, 0.25);
    expect(eyebrowDynamics(f).value).toBe(0);
    expect(eyebrowDynamics(emptyFace(3)).value).toBe(0);
  });
});
