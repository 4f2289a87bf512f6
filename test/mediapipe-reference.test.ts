/**
 * The MediaPipe Face Mesh reference harness on its own: the real JS solution
 * (@mediapipe/face_mesh 0.4.1633559619) in headless Debian Chromium. Checked against
 * what is known independently of it: point counts, where the photos' mouths are (read off
 * the pictures by eye), the mouth opening the clip generator rendered, a faceless image,
 * and the plain-vs-refined model difference that METRICS.md reports for the reference.
 * Skipped, with the reason in the test name, when Chromium is not installed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ASTRONAUT, clipSpecs, GRACE_HOPPER, hasAstronaut } from './helpers/faceClips.js';
import { compareLandmarks, formatComparison } from './helpers/landmarkCompare.js';
import { pearson } from './helpers/stats.js';
import {
  chromiumVersion,
  closeMediaPipe,
  mediaPipeUnavailableReason,
  runMediaPipe,
  videoFrames,
  type MediaPipeOptions,
  type ReferenceLandmarks,
  type RgbFrame,
} from './helpers/mediapipeReference.js';

const unavailable = mediaPipeUnavailableReason();
const skipped = unavailable ? ` [skipped: ${unavailable}]` : '';
const W = 512;
const H = 512;
const LONG = 300_000;

afterAll(closeMediaPipe);

/** A 512x512 image with no face: smooth colour bands (as the clip generator's noFace frames). */
function facelessImage(): RgbFrame {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 3;
      data[o] = 80 + 60 * Math.sin(x / 40);
      data[o + 1] = 120 + 50 * Math.sin(y / 55);
      data[o + 2] = 160 + 40 * Math.sin((x + y) / 70);
    }
  return { data, width: W, height: H };
}

const pt = (f: Float32Array, i: number): [number, number] => [f[3 * i] * W, f[3 * i + 1] * H];
const mid = (a: [number, number], b: [number, number]): [number, number] => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
const dist = (a: [number, number], b: [number, number]): number => Math.hypot(a[0] - b[0], a[1] - b[1]);
/** Inner-lip centre (13 upper, 14 lower) and the eye centres (corners 33/133 and 362/263), in pixels. */
const mouthOf = (f: Float32Array): [number, number] => mid(pt(f, 13), pt(f, 14));
const interOcular = (f: Float32Array): number => dist(mid(pt(f, 33), pt(f, 133)), mid(pt(f, 362), pt(f, 263)));


const memo = new Map<string, Promise<ReferenceLandmarks>>();
function once(key: string, f: () => Promise<ReferenceLandmarks>): Promise<ReferenceLandmarks> {
  let p = memo.get(key);
  if (!p) memo.set(key, (p = f()));
  return p;
}
const photoRun = (file: string, refineLandmarks: boolean): Promise<Float32Array | null> =>
  once(`photo ${file} ${refineLandmarks}`, () => runMediaPipe([file], { refineLandmarks, mode: 'static' })).then((r) => r[0]);

async function clipFrames(which: keyof typeof clipSpecs): Promise<RgbFrame[]> {
  const clip = await clipSpecs[which]();
  const out: RgbFrame[] = [];
  for await (const f of videoFrames(clip.path)) out.push(f);
  expect(out.length).toBe(clip.frames);
  return out;
}
const clipRun = (which: keyof typeof clipSpecs, options: MediaPipeOptions): Promise<ReferenceLandmarks> =>
  once(`clip ${which} ${JSON.stringify(options)}`, async () => runMediaPipe(await clipFrames(which), options));

describe('MediaPipe reference: set-up errors', () => {
  it('says clearly when Chromium is missing', async () => {
    const saved = process.env.THEVAL_CHROMIUM;
    process.env.THEVAL_CHROMIUM = '/nonexistent/chromium';
    try {
      await expect(runMediaPipe([facelessImage()], { refineLandmarks: false, mode: 'static', cache: false })).rejects.toThrow(
        /MediaPipe reference cannot run: no Chromium at \/nonexistent\/chromium/,
      );
    } finally {
      if (saved === undefined) delete process.env.THEVAL_CHROMIUM;
      else process.env.THEVAL_CHROMIUM = saved;
    }
  });

  it('rejects frames whose byte count fits neither RGB nor RGBA', async () => {
    await expect(runMediaPipe([{ data: new Uint8Array(10), width: 4, height: 4 }], { refineLandmarks: false, mode: 'static' })).rejects.toThrow(
      /neither RGB nor RGBA/,
    );
  });
});

describe.skipIf(!!unavailable)(`MediaPipe reference on face photos (static)${skipped}`, () => {
  const photos = [
    { name: 'grace_hopper', photo: GRACE_HOPPER, present: true },
    { name: 'astronaut', photo: ASTRONAUT, present: hasAstronaut },
  ];
  for (const { name, photo, present } of photos) {
    const why = present ? '' : ` [skipped: ${photo.file} not found]`;
    it.skipIf(!present)(`${name}: 468 plain / 478 refined points, on the face${why}`, async () => {
      console.log(`Chromium ${await chromiumVersion()}`);
      for (const [refine, n] of [
        [false, 468],
        [true, 478],
      ] as const) {
        const lm = await photoRun(photo.file, refine);
        expect(lm, `refine ${refine}: face found`).not.toBeNull();
        expect(lm!.length).toBe(n * 3);
        for (let i = 0; i < n; i++) {
          expect(lm![3 * i]).toBeGreaterThan(0);
          expect(lm![3 * i]).toBeLessThan(1);
          expect(lm![3 * i + 1]).toBeGreaterThan(0);
          expect(lm![3 * i + 1]).toBeLessThan(1);
          expect(Number.isFinite(lm![3 * i + 2])).toBe(true);
        }
        // The inner-lip centre lies on the mouth read off the photo by eye (within a third
        // of the mouth's width), and the eyes are above it.
        expect(dist(mouthOf(lm!), photo.mouth)).toBeLessThan(photo.mouthHalfWidth * 0.66);
        expect(pt(lm!, 33)[1]).toBeLessThan(photo.mouth[1]);
        expect(pt(lm!, 263)[1]).toBeLessThan(photo.mouth[1]);
      }
    }, LONG);
  }

  it('the plain and refined models differ by 1.5-2.7 px mean on the 512-px Grace Hopper photo (METRICS.md)', async () => {
    const plain = await photoRun(GRACE_HOPPER.file, false);
    const refined = await photoRun(GRACE_HOPPER.file, true);
    const c = compareLandmarks([plain], [refined], W, H, { points: 468 });
    console.log(`${formatComparison('grace_hopper photo: plain vs refined (points 0-467)', c)}; inter-ocular ${interOcular(plain!).toFixed(1)} px`);
    expect(c.framesBothFound).toBe(1);
    expect(c.meanPx).toBeGreaterThanOrEqual(1.5);
    expect(c.meanPx).toBeLessThanOrEqual(2.7);
  }, LONG);

  it.skipIf(!hasAstronaut)(`the astronaut's small face: plain vs refined differ less in pixels, about as much per face size${hasAstronaut ? '' : ' [skipped: no astronaut.png]'}`, async () => {
    const plain = await photoRun(ASTRONAUT.file, false);
    const refined = await photoRun(ASTRONAUT.file, true);
    const hopper = compareLandmarks([await photoRun(GRACE_HOPPER.file, false)], [await photoRun(GRACE_HOPPER.file, true)], W, H, { points: 468 });
    const c = compareLandmarks([plain], [refined], W, H, { points: 468 });
    const iodA = interOcular(plain!);
    const iodH = interOcular((await photoRun(GRACE_HOPPER.file, false))!);
    console.log(
      `${formatComparison('astronaut photo: plain vs refined (points 0-467)', c)}; inter-ocular ${iodA.toFixed(1)} px; ` +
        `mean / inter-ocular: astronaut ${(c.meanPx / iodA).toFixed(4)}, grace_hopper ${(hopper.meanPx / iodH).toFixed(4)}`,
    );
    expect(c.meanPx).toBeGreaterThan(0.3);
    expect(c.meanPx).toBeLessThan(hopper.meanPx);
    // Relative to face size, the same order as on the large face (within a factor of 2.5).
    const ratio = c.meanPx / iodA / (hopper.meanPx / iodH);
    expect(ratio).toBeGreaterThan(1 / 2.5);
    expect(ratio).toBeLessThan(2.5);
  }, LONG);

  it('finds no face in a faceless image (both models)', async () => {
    for (const refineLandmarks of [false, true]) {
      const r = await runMediaPipe([facelessImage()], { refineLandmarks, mode: 'static' });
      expect(r).toEqual([null]);
    }
  }, LONG);

  it('static mode keeps no state between frames: the same photo gives bit-identical landmarks, as a fresh instance does', async () => {
    const other: RgbFrame | string = hasAstronaut ? ASTRONAUT.file : facelessImage();
    const seq = await runMediaPipe([GRACE_HOPPER.file, other, GRACE_HOPPER.file], {
      refineLandmarks: true,
      mode: 'static',
      cache: false,
    });
    const fresh = await runMediaPipe([GRACE_HOPPER.file], { refineLandmarks: true, mode: 'static', cache: false });
    expect(seq[0]).not.toBeNull();
    expect(Array.from(seq[2]!)).toEqual(Array.from(seq[0]!));
    expect(Array.from(fresh[0]!)).toEqual(Array.from(seq[0]!));
  }, LONG);

  it('the on-disk cache returns exactly what the browser returned', async () => {
    const direct = await photoRun(GRACE_HOPPER.file, false); // written to the cache by that run
    const t0 = Date.now();
    const cached = (await runMediaPipe([GRACE_HOPPER.file], { refineLandmarks: false, mode: 'static' }))[0];
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(Array.from(cached!)).toEqual(Array.from(direct!));
  }, LONG);
});

describe.skipIf(!!unavailable)(`MediaPipe reference on synthetic talking heads (video mode)${skipped}`, () => {
  for (const refineLandmarks of [false, true]) {
    it(`finds the face in every frame and follows the rendered mouth opening (refineLandmarks ${refineLandmarks})`, async () => {
      const clip = await clipSpecs.hopper();
      const r = await clipRun('hopper', { refineLandmarks, mode: 'video' });
      expect(r.length).toBe(clip.frames);
      const missing = r.flatMap((f, t) => (f ? [] : [t]));
      expect(missing, 'frames without a face').toEqual([]);
      for (const f of r) expect(f!.length).toBe((refineLandmarks ? 478 : 468) * 3);
      // Inner-lip gap (13 upper, 14 lower) in pixels against the opening the generator drew.
      const gap = r.map((f) => dist(pt(f!, 13), pt(f!, 14)));
      const corr = pearson(gap, clip.opening);
      console.log(`hopper clip, refine ${refineLandmarks}: ${clip.frames} frames, lip gap vs rendered opening r = ${corr.toFixed(3)}`);
      expect(corr).toBeGreaterThan(0.8);
    }, LONG);
  }

  it('plain and refined differ by 1.5-2.7 px mean over the clip (METRICS.md)', async () => {
    const plain = await clipRun('hopper', { refineLandmarks: false, mode: 'video' });
    const refined = await clipRun('hopper', { refineLandmarks: true, mode: 'video' });
    const c = compareLandmarks(plain, refined, W, H, { points: 468 });
    console.log(formatComparison('hopper clip (video mode): plain vs refined (points 0-467)', c));
    expect(c.framesBothFound).toBe(plain.length);
    expect(c.meanPx).toBeGreaterThanOrEqual(1.5);
    expect(c.meanPx).toBeLessThanOrEqual(2.7);
  }, LONG);

  it('finds no face in any frame of a faceless clip', async () => {
    const r = await clipRun('noFace', { refineLandmarks: false, mode: 'video' });
    expect(r.length).toBeGreaterThan(10);
    expect(r.every((f) => f === null)).toBe(true);
  }, LONG);
});
