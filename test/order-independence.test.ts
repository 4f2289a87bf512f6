/**
 * A video's landmarks must not depend on what the process analysed before it (docs/fidelity.md
 * row 2): the reference keeps one Face Mesh tracker across videos, and MediaPipe itself then
 * moves a following clip's landmarks by 0.25-0.65 px mean (bench/tracker-order.ts). theval
 * starts every video in a fresh tracker while the networks (engines) are shared, so a video
 * analysed after another must give bit-identical tracks to the same video analysed first.
 * The clips are the Hopper clips, whose tracking loop amplifies any 1e-4 px difference to
 * 0.1-0.2 px (docs/parity.md, "Tracking drift"): leaked state cannot hide there.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { defaultFaceModels } from '../lib/face/trackFaces.js';
import { configurePasses, runVideoPass } from '../lib/pipeline/videoPass.js';
import { clipSpecs } from './helpers/faceClips.js';

describe('a video is analysed as if it were the first', () => {
  afterAll(() => configurePasses({ threads: 1, engines: 1 }));

  it('hopper after hopper-moving (and the other way round) on one engine: identical tracks', async () => {
    const models = await defaultFaceModels();
    const a = (await clipSpecs.hopper()).path;
    const b = (await clipSpecs.hopperMoving()).path;
    const face = { profile: 'both' as const, models };
    const pass = async (file: string) => (await runVideoPass(file, { face, quality: null })).face!;
    configurePasses({ threads: 1, engines: 1 });
    const aFirst = await pass(a);
    const bAfterA = await pass(b);
    const bAgain = await pass(b);
    const aAfterB = await pass(a);
    expect(aFirst.landmarks.length).toBeGreaterThan(0);
    // Values that differ (NaN equals NaN); a count, not a diff of 100k-value arrays.
    const differing = (x: Float32Array, y: Float32Array) => (x.length !== y.length ? Infinity : x.filter((v, i) => !Object.is(v, y[i])).length);
    for (const key of ['landmarks', 'refined', 'pose', 'box'] as const) {
      expect(differing(aAfterB[key], aFirst[key]), `hopper ${key}: first vs after hopper-moving, values that differ`).toBe(0);
      expect(differing(bAgain[key], bAfterA[key]), `hopper-moving ${key}: after hopper vs after itself, values that differ`).toBe(0);
    }
    // The two clips' last and first frames are close enough for a carried-over tracker to
    // keep tracking (what makes the reference order-dependent): the check above is not vacuous.
    const W = 512;
    const lastA = aFirst.landmarks.subarray(aFirst.landmarks.length - 468 * 3);
    const firstB = bAfterA.landmarks.subarray(0, 468 * 3);
    let d = 0;
    for (let i = 0; i < 468 * 3; i += 3) d += Math.hypot((lastA[i] - firstB[i]) * W, (lastA[i + 1] - firstB[i + 1]) * W);
    expect(d / 468, 'mean px between hopper\'s last and hopper-moving\'s first landmarks').toBeLessThan(40);
  }, 300_000);
});
