/**
 * The face pass's reference-emulation switches (measurement aids for docs/fidelity.md rows
 * 3-4, off by default): they must change what the models see, and only that.
 *   swapRB: the models get B,G,R. Checked against an independent channel swap done by ffmpeg:
 *           swapRB on a B/R-swapped clip must give the default pass's landmarks on the original.
 *   squash: frames resized to NxN first. On a square 512 px frame, squash 256 must move the
 *           landmarks (the models see a different image) but only by a few px.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { trackFaces, type FaceTrackResult } from '../lib/face/trackFaces.js';
import { GRACE, hasFace, stillClip } from './helpers/faceMedia.js';

const FRAMES = 4;

/** Mean / max point distance in px (of a width x height frame) over frames where both have a face. */
function displacement(a: Float32Array, b: Float32Array, points: number, frames: number, width: number, height: number) {
  let sum = 0;
  let max = 0;
  let n = 0;
  for (let t = 0; t < frames; t++) {
    for (let i = 0; i < points; i++) {
      const o = (t * points + i) * 3;
      const d = Math.hypot((a[o] - b[o]) * width, (a[o + 1] - b[o + 1]) * height);
      sum += d;
      max = Math.max(max, d);
      n++;
    }
  }
  return { mean: sum / n, max };
}

describe('reference-emulation options of the face pass', () => {
  let original: string;
  let swapped: string;
  let base: FaceTrackResult;
  beforeAll(async () => {
    original = stillClip('emu-grace', GRACE, '', FRAMES);
    // R and B exchanged by ffmpeg (independent of the addon's cv::cvtColor).
    swapped = stillClip('emu-grace-bgr', GRACE, 'colorchannelmixer=rr=0:rb=1:br=1:bb=0', FRAMES);
    base = await trackFaces(original);
  }, 300_000);

  it('default: no emulation reported, face found', () => {
    expect(base.emulation).toBeUndefined();
    for (let t = 0; t < FRAMES; t++) expect(hasFace(base.landmarks, 468, t) && hasFace(base.refined, 478, t)).toBe(true);
  });

  it('swapRB changes the landmarks of a colour photo, the face is still found', async () => {
    const r = await trackFaces(original, { swapRB: true });
    expect(r.emulation).toEqual({ swapRB: true, squash: 0, cpuWarp: false, staticMode: false });
    for (let t = 0; t < FRAMES; t++) expect(hasFace(r.landmarks, 468, t) && hasFace(r.refined, 478, t)).toBe(true);
    const d = displacement(base.landmarks, r.landmarks, 468, FRAMES, r.width, r.height);
    expect(d.mean).toBeGreaterThan(0.01); // the models saw a different image
    expect(d.mean).toBeLessThan(10); // ... of the same face
  }, 300_000);

  it('swapRB on a B/R-swapped clip gives the default landmarks of the original', async () => {
    const r = await trackFaces(swapped, { swapRB: true });
    for (const [a, b, n] of [[base.landmarks, r.landmarks, 468], [base.refined, r.refined, 478]] as const) {
      const d = displacement(a, b, n, FRAMES, r.width, r.height);
      expect(d.max).toBeLessThan(1e-3);
    }
    // and without swapRB the swapped clip does NOT give them (so the check above is not vacuous)
    const plain = await trackFaces(swapped);
    expect(displacement(base.landmarks, plain.landmarks, 468, FRAMES, r.width, r.height).mean).toBeGreaterThan(0.01);
  }, 300_000);

  it('squash 256 on a square 512 px frame: different, but within a few px', async () => {
    const r = await trackFaces(original, { squash: 256 });
    expect(r.emulation).toEqual({ swapRB: false, squash: 256, cpuWarp: false, staticMode: false });
    expect([r.width, r.height]).toEqual([base.width, base.height]); // sizes stay those of the video
    for (let t = 0; t < FRAMES; t++) expect(hasFace(r.landmarks, 468, t) && hasFace(r.refined, 478, t)).toBe(true);
    for (const [a, b, n] of [[base.landmarks, r.landmarks, 468], [base.refined, r.refined, 478]] as const) {
      const d = displacement(a, b, n, FRAMES, r.width, r.height);
      expect(d.mean).toBeGreaterThan(0.01);
      expect(d.mean).toBeLessThan(4); // px of the 512 px frame
    }
    // The box is still in pixels of the original frame.
    expect(Math.abs(r.box[2] - base.box[2])).toBeLessThan(10);
  }, 300_000);

  it('staticMode (reference quirk static-mouth): the detector on every frame, each frame as a photo alone', async () => {
    const r = await trackFaces(original, { staticMode: true });
    expect(r.emulation).toEqual({ swapRB: false, squash: 0, cpuWarp: false, staticMode: true });
    expect(base.timings.detectorRuns, 'tracking: one detection').toBe(1);
    expect(r.timings.detectorRuns, 'static: one detection per frame').toBe(FRAMES);
    // A still clip: every frame is the same image, so static mode gives frame 0's landmarks
    // (= the tracked pass's frame 0, which also came from a detection) on every frame,
    // while tracking (ROI from the previous landmarks) moves them.
    const per = 468 * 3;
    const first = base.landmarks.subarray(0, per);
    for (let t = 0; t < FRAMES; t++) expect(Array.from(r.landmarks.subarray(t * per, (t + 1) * per))).toEqual(Array.from(first));
    const moved = displacement(base.landmarks.subarray(per), r.landmarks.subarray(per), 468, FRAMES - 1, r.width, r.height);
    expect(moved.mean, 'tracked frames 1.. differ from the detection-only ones').toBeGreaterThan(0.05);
  });

  it('rejects bad values', async () => {
    await expect(trackFaces(original, { squash: 7 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(trackFaces(original, { squash: 256.5 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});
