/** The landmark parity measure (test/helpers/landmarkCompare.ts) on constructed arrays with hand-computed answers. */
import { describe, expect, it } from 'vitest';
import { compareLandmarks, percentile, splitFrames } from './helpers/landmarkCompare.js';

/** n points spread over the frame, x, y normalised, z arbitrary. */
function face(n: number, seed = 1): Float32Array {
  const f = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    f[3 * i] = 0.2 + 0.6 * (((i * 37 + seed) % 101) / 101);
    f[3 * i + 1] = 0.2 + 0.6 * (((i * 53 + seed) % 103) / 103);
    f[3 * i + 2] = -0.05 + 0.001 * i;
  }
  return f;
}

function shifted(f: Float32Array, dx: number, dy: number, dz = 0): Float32Array {
  const g = Float32Array.from(f);
  for (let i = 0; i < g.length; i += 3) {
    g[i] += dx;
    g[i + 1] += dy;
    g[i + 2] += dz;
  }
  return g;
}

describe('compareLandmarks', () => {
  it('identical landmarks: zero error, every frame found by both', () => {
    const a = [face(468), face(468, 2)];
    const c = compareLandmarks(a, a.map((f) => Float32Array.from(f)), 512, 512);
    expect(c).toMatchObject({ frames: 2, framesBothFound: 2, onlyOurs: 0, onlyRef: 0, points: 468, meanPx: 0, p95Px: 0, maxPx: 0 });
  });

  it('a 3-4-5 shift is 5 px at every point; z is not part of the error', () => {
    const ref = face(468);
    const ours = shifted(ref, 3 / 512, 4 / 512, 0.3);
    const c = compareLandmarks([ours], [ref], 512, 512);
    expect(c.meanPx).toBeCloseTo(5, 4);
    expect(c.p95Px).toBeCloseTo(5, 4);
    expect(c.maxPx).toBeCloseTo(5, 4);
  });

  it('signed means: a constant offset shows with its sign; opposite shifts on two frames cancel', () => {
    const ref = face(468);
    const c = compareLandmarks([shifted(ref, 3 / 512, -4 / 512)], [ref], 512, 512);
    expect(c.meanDxPx).toBeCloseTo(3, 3);
    expect(c.meanDyPx).toBeCloseTo(-4, 3);
    // +0.5 px on one frame, -0.5 px on the other: error 0.5 px everywhere, no offset.
    const two = compareLandmarks([shifted(ref, 0.5 / 512, 0), shifted(ref, -0.5 / 512, 0)], [ref, ref], 512, 512);
    expect(two.meanPx).toBeCloseTo(0.5, 3);
    expect(two.meanDxPx).toBeCloseTo(0, 4);
    expect(two.meanDyPx).toBeCloseTo(0, 6);
    expect(compareLandmarks([null], [null], 512, 512).meanDxPx).toBeNaN();
  });

  it('scales x by W and y by H (non-square frame)', () => {
    const ref = face(10);
    // 0.01 of 640 px = 6.4 px across; 0.01 of 360 px = 3.6 px down.
    expect(compareLandmarks([shifted(ref, 0.01, 0)], [ref], 640, 360).meanPx).toBeCloseTo(6.4, 3);
    expect(compareLandmarks([shifted(ref, 0, 0.01)], [ref], 640, 360).meanPx).toBeCloseTo(3.6, 3);
  });

  it('mean, 95th percentile (linear interpolation) and max over all points of all frames', () => {
    // 100 points, point i (0-based) off by i+1 px in x: errors 1..100 px, split over two frames.
    const W = 1000;
    const ref = [face(50, 1), face(50, 2)];
    const ours = ref.map((f, t) => {
      const g = Float32Array.from(f);
      for (let i = 0; i < 50; i++) g[3 * i] += (t * 50 + i + 1) / W;
      return g;
    });
    const c = compareLandmarks(ours, ref, W, W);
    expect(c.meanPx).toBeCloseTo(50.5, 3);
    expect(c.p95Px).toBeCloseTo(95.05, 3); // numpy.percentile(range(1, 101), 95) = 95.05
    expect(c.maxPx).toBeCloseTo(100, 3);
  });

  it('counts frames found by only one side and leaves them out of the errors', () => {
    const f = face(468);
    const far = shifted(f, 0.5, 0.5);
    const ours = [f, null, far, null, f];
    const ref = [f, f, null, null, f];
    const c = compareLandmarks(ours, ref, 512, 512);
    expect(c).toMatchObject({ frames: 5, framesBothFound: 2, onlyOurs: 1, onlyRef: 1, onlyOursFrames: [2], onlyRefFrames: [1], meanPx: 0 });
  });

  it('no frame found by both: NaN errors (so any "<=" target fails)', () => {
    const c = compareLandmarks([null, face(468)], [face(468), null], 512, 512);
    expect(c.framesBothFound).toBe(0);
    expect(c.meanPx).toBeNaN();
    expect(c.p95Px).toBeNaN();
    expect(c.maxPx).toBeNaN();
  });

  it('compares the first k points when asked (refined 478 against plain 468)', () => {
    const plain = face(468);
    const refined = new Float32Array(478 * 3);
    refined.set(shifted(plain, 1 / 512, 0));
    refined.fill(0.9, 468 * 3); // iris points: far off, but not compared
    expect(() => compareLandmarks([refined], [plain], 512, 512)).toThrow(/478 points, reference 468/);
    const c = compareLandmarks([refined], [plain], 512, 512, { points: 468 });
    expect(c.points).toBe(468);
    expect(c.maxPx).toBeCloseTo(1, 4);
  });

  it('rejects mismatched frame counts and NaN inside a found frame', () => {
    expect(() => compareLandmarks([face(3)], [face(3), face(3)], 512, 512)).toThrow(/frame count/);
    const bad = face(3);
    bad[4] = NaN;
    expect(() => compareLandmarks([bad], [face(3)], 512, 512)).toThrow(/NaN/);
  });
});

describe('splitFrames and percentile', () => {
  it('splits a frame-major FaceTracks array, NaN frames becoming null', () => {
    const n = 468;
    const flat = new Float32Array(3 * n * 3).fill(NaN);
    flat.set(face(n, 1), 0);
    flat.set(face(n, 3), 2 * n * 3);
    const frames = splitFrames(flat, n);
    expect(frames.length).toBe(3);
    expect(frames[1]).toBeNull();
    expect(Array.from(frames[2]!)).toEqual(Array.from(face(n, 3)));
    expect(() => splitFrames(new Float32Array(10), n)).toThrow(/whole number/);
  });

  it('interpolates between order statistics', () => {
    expect(percentile([10], 0.95)).toBe(10);
    expect(percentile([0, 10], 0.95)).toBeCloseTo(9.5, 10);
    expect(percentile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(percentile([], 0.5)).toBeNaN();
  });
});
