/**
 * Parity of our native face pipeline with MediaPipe Face Mesh itself (the JS solution
 * @mediapipe/face_mesh 0.4.1633559619 in headless Chromium, test/helpers/mediapipeReference.ts).
 *
 * For each configuration — our `landmarks` (plain face_landmark, 468 points) against
 * refineLandmarks: false, our `refined` (face_landmark_with_attention, 478 points) against
 * refineLandmarks: true — on the face photos (one frame: detection only, static mode) and on
 * synthetic talking-head clips (video mode: MediaPipe's own tracking from frame to frame).
 * Both sides see the same pixels: the reference's frames come from our decoder.
 *
 * Targets at 512x512: the face is found in the same frames; over the frames where both
 * found it, the mean landmark error is <= MEAN_PX and the 95th percentile <= P95_PX
 * (error = Euclidean distance of (x*W, y*H); z is not compared), and the signed mean error
 * in x and in y is within +-SIGNED_PX: no constant offset. Before the crops were sampled at
 * pixel centres (native/face/image_to_tensor.h) the signed means were +0.25..+0.36 px on the
 * Hopper inputs and -0.08 px on the astronaut, 0.5 (s - 1) px as the convention predicts
 * (docs/parity.md, "The landmark offset"); with `cpuWarp: true` they still are, which the
 * last test checks.
 *
 * The mean bound depends on the input. Where no tracking loop amplifies (photos: one step;
 * the astronaut clip, whose loop damps a perturbation) one step agrees with MediaPipe's to
 * 1e-4 px (test/face-parity-openloop.test.ts), so the bound is STEP_MEAN_PX. On the Hopper
 * clips the loop amplifies float-level differences: MediaPipe against itself, with one pixel
 * of frame 1 changed by one level, differs by 0.05-0.23 px mean (docs/parity.md, "Tracking
 * drift"), so no implementation short of bit-identical arithmetic can promise less there than
 * MEAN_PX.
 *
 * Skipped, with the reason in the test names, until lib/face/trackFaces.ts exists (the
 * native face pipeline, branch facepipe) and when Chromium is not installed.
 * THEVAL_PARITY_OUT=file.json writes the measured figures (for docs/parity.md).
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../lib/native.js';
import type { FaceTracks } from '../lib/tracks.js';
import { PLAIN_POINTS, REFINED_POINTS } from '../lib/tracks.js';
import { ASTRONAUT, clipSpecs, GRACE_HOPPER, hasAstronaut } from './helpers/faceClips.js';
import { compareLandmarks, formatComparison, predictedCpuWarpOffset, splitFrames, type LandmarkComparison } from './helpers/landmarkCompare.js';
import { closeMediaPipe, mediaPipeUnavailableReason, runMediaPipe, videoFrames, type RgbFrame } from './helpers/mediapipeReference.js';

const MEAN_PX = 0.25;
// Measured 0.000 px (max 0.001 px) on the photos and the astronaut clip.
const STEP_MEAN_PX = 0.01;
const P95_PX = 1.0;
const SIGNED_PX = 0.05;
const LONG = 600_000;

type TrackFaces = (file: string, options?: Record<string, unknown>) => Promise<FaceTracks>;

const TRACK_FACES_TS = path.join(packageRoot, 'lib', 'face', 'trackFaces.ts');
const nativeMissing = existsSync(TRACK_FACES_TS) ? '' : 'native face pipeline not built (lib/face/trackFaces.ts missing)';
const skipReason = nativeMissing || mediaPipeUnavailableReason();
const skipped = skipReason ? ` [skipped: ${skipReason}]` : '';

let trackFacesFn: Promise<TrackFaces> | null = null;
/**
 * Imported at run time: the module does not exist on every branch. Once the file exists, a
 * failing import is a failure (not a skip): the pipeline is there and broken.
 */
function loadTrackFaces(): Promise<TrackFaces> {
  if (!trackFacesFn) {
    const spec = '../lib/face/trackFaces.js';
    trackFacesFn = (import(/* @vite-ignore */ spec) as Promise<{ trackFaces?: TrackFaces }>).then((m) => {
      if (typeof m.trackFaces !== 'function') throw new Error('lib/face/trackFaces.ts does not export trackFaces()');
      return m.trackFaces;
    });
  }
  return trackFacesFn;
}

const ours = new Map<string, Promise<FaceTracks>>();
function oursFor(file: string): Promise<FaceTracks> {
  let p = ours.get(file);
  if (!p) ours.set(file, (p = loadTrackFaces().then((f) => f(file))));
  return p;
}

async function decoded(file: string): Promise<RgbFrame[]> {
  const out: RgbFrame[] = [];
  for await (const f of videoFrames(file)) out.push(f);
  return out;
}

interface Row {
  input: string;
  kind: 'photo' | 'clip';
  config: 'plain' | 'refined';
  comparison: LandmarkComparison;
}
const rows: Row[] = [];

afterAll(async () => {
  await closeMediaPipe();
  if (rows.length === 0) return;
  const table = rows.map(
    (r) =>
      `| ${r.input} | ${r.kind} | ${r.config} | ${r.comparison.framesBothFound}/${r.comparison.frames} | ${r.comparison.onlyOurs} | ${r.comparison.onlyRef} | ` +
      `${r.comparison.meanPx.toFixed(3)} | ${r.comparison.p95Px.toFixed(3)} | ${r.comparison.maxPx.toFixed(3)} | ${r.comparison.meanDxPx.toFixed(3)} | ${r.comparison.meanDyPx.toFixed(3)} |`,
  );
  console.log(
    ['| input | mode | model | both found | only ours | only MediaPipe | mean px | p95 px | max px | signed dx px | signed dy px |', '|---|---|---|---|---|---|---|---|---|---|---|', ...table].join('\n'),
  );
  if (process.env.THEVAL_PARITY_OUT) writeFileSync(process.env.THEVAL_PARITY_OUT, JSON.stringify(rows, null, 2));
});

const CONFIGS = [
  { config: 'plain', refineLandmarks: false, points: PLAIN_POINTS, pick: (t: FaceTracks) => t.landmarks },
  { config: 'refined', refineLandmarks: true, points: REFINED_POINTS, pick: (t: FaceTracks) => t.refined },
] as const;

async function check(input: string, file: string, kind: 'photo' | 'clip', cfg: (typeof CONFIGS)[number], expectFace: boolean, meanPx = MEAN_PX): Promise<void> {
  const tracks = await oursFor(file);
  const frames = await decoded(file);
  const ref = await runMediaPipe(frames, { refineLandmarks: cfg.refineLandmarks, mode: kind === 'photo' ? 'static' : 'video' });
  expect(tracks.frames, 'frame count').toBe(frames.length);
  expect([tracks.width, tracks.height]).toEqual([frames[0].width, frames[0].height]);
  const arr = cfg.pick(tracks);
  expect(arr.length, `${cfg.config} array is T x ${cfg.points} x 3`).toBe(tracks.frames * cfg.points * 3);
  const c = compareLandmarks(splitFrames(arr, cfg.points), ref, tracks.width, tracks.height);
  rows.push({ input, kind, config: cfg.config, comparison: c });
  console.log(formatComparison(`${input} (${kind}) ${cfg.config} vs MediaPipe refineLandmarks ${cfg.refineLandmarks}`, c));
  expect(c.onlyOursFrames, 'frames where only our pipeline found a face').toEqual([]);
  expect(c.onlyRefFrames, 'frames where only MediaPipe found a face').toEqual([]);
  if (!expectFace) {
    expect(c.framesBothFound).toBe(0);
    return;
  }
  expect(c.framesBothFound, 'MediaPipe finds this face in every frame').toBe(frames.length);
  expect(c.meanPx).toBeLessThanOrEqual(meanPx);
  expect(c.p95Px).toBeLessThanOrEqual(P95_PX);
  expect(Math.abs(c.meanDxPx), 'signed mean error in x (constant offset)').toBeLessThanOrEqual(SIGNED_PX);
  expect(Math.abs(c.meanDyPx), 'signed mean error in y (constant offset)').toBeLessThanOrEqual(SIGNED_PX);
}

describe.skipIf(!!skipReason)(`face parity with MediaPipe on photos (static)${skipped}`, () => {
  const photos = [
    { name: 'grace_hopper', file: GRACE_HOPPER.file, present: true },
    { name: 'astronaut', file: ASTRONAUT.file, present: hasAstronaut },
  ];
  for (const p of photos)
    for (const cfg of CONFIGS) {
      it.skipIf(!p.present)(`${p.name}: ${cfg.config}${p.present ? '' : ` [skipped: ${p.file} not found]`}`, () => check(p.name, p.file, 'photo', cfg, true, STEP_MEAN_PX), LONG);
    }
});

describe.skipIf(!!skipReason)(`face parity with MediaPipe on synthetic talking heads (video, tracking)${skipped}`, () => {
  const clips = [
    { name: 'hopper', make: clipSpecs.hopper, present: true, face: true, meanPx: MEAN_PX },
    { name: 'hopper-moving', make: clipSpecs.hopperMoving, present: true, face: true, meanPx: MEAN_PX },
    { name: 'astronaut', make: clipSpecs.astronaut, present: hasAstronaut, face: true, meanPx: STEP_MEAN_PX },
    { name: 'no-face', make: clipSpecs.noFace, present: true, face: false, meanPx: MEAN_PX },
  ];
  for (const c of clips)
    for (const cfg of CONFIGS) {
      it.skipIf(!c.present)(`${c.name}: ${cfg.config}${c.present ? '' : ' [skipped: astronaut.png not found]'}`, async () => {
        const clip = await c.make();
        await check(c.name, clip.path, 'clip', cfg, c.face, c.meanPx);
      }, LONG);
    }
});

describe.skipIf(!!skipReason)(`the CPU converter convention (cpuWarp, reference quirk cpu-warp) keeps the offset${skipped}`, () => {
  // The offset the convention predicts: 0.5 (s - 1) frame pixels along the crop's axes,
  // s = ROI side / 192, the ROI coming from MediaPipe's landmarks of the previous frame
  // (box of all points, long side x 1.5). Checked against MediaPipe on the Hopper clip (big
  // face: positive) and the astronaut clip (small face, s < 1: negative).
  const clips = [
    { name: 'hopper', make: clipSpecs.hopper, present: true },
    { name: 'astronaut', make: clipSpecs.astronaut, present: hasAstronaut },
  ];
  for (const c of clips)
    it.skipIf(!c.present)(`${c.name}: plain, signed mean = 0.5 (s - 1) within 0.1 px`, async () => {
      const clip = await c.make();
      const trackFaces = await loadTrackFaces();
      const t = await trackFaces(clip.path, { cpuWarp: true });
      const ref = await runMediaPipe(await decoded(clip.path), { refineLandmarks: false, mode: 'video' });
      const cmp = compareLandmarks(splitFrames(t.landmarks, PLAIN_POINTS), ref, t.width, t.height);
      const want = predictedCpuWarpOffset(ref, t.width, t.height);
      console.log(`${c.name} cpuWarp: signed dx ${cmp.meanDxPx.toFixed(3)}, dy ${cmp.meanDyPx.toFixed(3)}, predicted ${want.toFixed(3)} px`);
      expect(Math.abs(want), 'the clip must have a measurable predicted offset').toBeGreaterThan(0.04);
      expect(Math.abs(cmp.meanDxPx - want)).toBeLessThanOrEqual(0.1);
      expect(Math.abs(cmp.meanDyPx - want)).toBeLessThanOrEqual(0.1);
      expect(Math.sign(cmp.meanDxPx)).toBe(Math.sign(want));
    }, LONG);
});
