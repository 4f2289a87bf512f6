/**
 * Whole-video quality scoring (one decode, native crops) against the frame-buffer scorer
 * on frames from the same decoder; stride; boxes from face tracks; ONNX models in the
 * video path; errors.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openVideo } from '../lib/decode/video.js';
import type { CropBox } from '../lib/metrics/quality.js';
import { loadBrisqueScorer, type BrisqueScorer } from '../lib/quality/brisque.js';
import { faceCropBox, packFrameBoxes, qualityBoxes } from '../lib/quality/boxes.js';
import { loadOnnxScorer } from '../lib/quality/onnxScorer.js';
import type { FrameBatch, FrameCrop } from '../lib/quality/scorer.js';
import { scoreVideoQuality } from '../lib/quality/video.js';
import { PLAIN_POINTS, REFINED_POINTS, type FaceTracks } from '../lib/tracks.js';
import { meanIntensityModel } from './helpers/onnx.js';
import { movingFaceClip } from './helpers/quality.js';

let clip: string;
let frames: FrameBatch;
let brisque: BrisqueScorer;
const T = 30; // frames of the clip used here (1.2 s)

beforeAll(async () => {
  clip = movingFaceClip();
  brisque = await loadBrisqueScorer();
  const reader = await openVideo(clip);
  const data = reader.allocate(200) as Uint8Array;
  const count = await reader.read(data, 200);
  reader.close();
  frames = { data, width: reader.info.width, height: reader.info.height, count };
});

/** Boxes that move with t; frames 3, 4 and 17 have none. */
function mouthBoxesFor(n: number): (CropBox | null)[] {
  return Array.from({ length: n }, (_, t) => (t === 3 || t === 4 || t === 17 ? null : { x0: 180 + t, y0: 300, x1: 300 + t, y1: 370 + (t % 7) }));
}
function faceBoxesFor(n: number): (CropBox | null)[] {
  return Array.from({ length: n }, (_, t) => (t === 5 ? null : { x0: 80 + 2 * t, y0: 40, x1: 80 + 2 * t + 300, y1: 340 }));
}
const crops = (boxes: (CropBox | null)[]): FrameCrop[] => boxes.flatMap((b, t) => (b ? [{ frame: t, ...b }] : []));

describe('scoreVideoQuality', () => {
  it('global, mouth and face per-frame scores equal the frame-buffer scorer on the same decoded frames', async () => {
    expect(frames.count).toBe(100);
    const mouth = mouthBoxesFor(T);
    const face = faceBoxesFor(T);
    const r = await scoreVideoQuality(clip, { mouthBoxes: mouth, faceBoxes: face });
    expect(r.frames).toBe(100);
    expect([r.width, r.height, r.fps]).toEqual([512, 512, 25]);
    // Box tables shorter than the video: the rest of the frames have no box (and a warning says so).
    expect(r.warnings.some((w) => w.includes('mouthBoxes has 30 rows'))).toBe(true);

    const global = await brisque.scoreFrames(frames);
    expect(Array.from(r.global!.perFrame)).toEqual(Array.from(global));
    expect(r.global!.result.value).toBeCloseTo(global.reduce((a, b) => a + b, 0) / 100, 10);

    const mc = crops(mouth);
    const ms = await brisque.scoreCrops(frames, mc);
    const fc = crops(face);
    const fs = await brisque.scoreCrops(frames, fc, { width: 224, height: 224 });
    const expectMouth = new Array<number>(100).fill(NaN);
    mc.forEach((c, i) => (expectMouth[c.frame] = ms[i]));
    const expectFace = new Array<number>(100).fill(NaN);
    fc.forEach((c, i) => (expectFace[c.frame] = fs[i]));
    expect(Array.from(r.mouth!.perFrame)).toEqual(expectMouth);
    expect(Array.from(r.face!.perFrame)).toEqual(expectFace);
    expect(r.mouth!.result.details).toEqual({ scoredFrames: 27, skippedFrames: 73 });
    expect(r.face!.result.details).toEqual({ scoredFrames: 29, skippedFrames: 71 });
    expect(r.global!.scorer.name).toBe('BRISQUE (built-in)');
  });

  it('stride k scores frames t % k == 0 only, with the same values as stride 1', async () => {
    const one = await scoreVideoQuality(clip, { stride: 1 });
    const five = await scoreVideoQuality(clip, { stride: 5, mouthBoxes: mouthBoxesFor(100) });
    for (let t = 0; t < 100; t++) {
      if (t % 5 === 0) expect(five.global!.perFrame[t]).toBe(one.global!.perFrame[t]);
      else expect(Number.isNaN(five.global!.perFrame[t])).toBe(true);
    }
    const sampled = Array.from(one.global!.perFrame).filter((_, t) => t % 5 === 0);
    expect(five.global!.result.value).toBeCloseTo(sampled.reduce((a, b) => a + b, 0) / sampled.length, 10);
    expect(five.global!.result.details).toEqual({ scoredFrames: 20, skippedFrames: 80 });
    // Mouth: t % 5 == 0 and a box (frames 3, 4, 17 have none, none of them multiples of 5).
    expect(five.mouth!.result.details!.scoredFrames).toBe(20);
  });

  it('an ONNX global model in the video path: mean intensity of each decoded frame', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'theval-qv-'));
    const dyn = path.join(dir, 'dyn.onnx');
    writeFileSync(dyn, meanIntensityModel([1, 3, 'H', 'W'], 1));
    const batched = path.join(dir, 'batched.onnx');
    writeFileSync(batched, meanIntensityModel(['N', 3, 64, 64], 1));
    const global = await loadOnnxScorer(dyn);
    const r = await scoreVideoQuality(clip, { scorers: { global }, stride: 3 });
    const px = frames.width * frames.height * 3;
    for (let t = 0; t < 100; t++) {
      if (t % 3) {
        expect(Number.isNaN(r.global!.perFrame[t])).toBe(true);
        continue;
      }
      let s = 0;
      for (let i = t * px; i < (t + 1) * px; i++) s += frames.data[i];
      // OpenCV pools 262144 values in float32: about 1e-3 relative.
      expect(Math.abs(r.global!.perFrame[t] - s / px / 255)).toBeLessThan(2e-3);
    }
    // Frame for frame, the video path gives what the frame-buffer path gives.
    const direct = await global.scoreFrames(frames);
    for (let t = 0; t < 100; t += 3) expect(r.global!.perFrame[t]).toBe(direct[t]);
    // Batched (fixed 64x64, dynamic batch of 16): results land on their own frames.
    const b = await loadOnnxScorer(batched, { maxBatch: 16 });
    const rb = await scoreVideoQuality(clip, { scorers: { global: b } });
    expect(Array.from(rb.global!.perFrame)).toEqual(Array.from(await b.scoreFrames(frames)));
  });

  it('boxes from face tracks: mouth = LIPS box + 10 px, face = square landmark box', async () => {
    const tracks = syntheticTracks(100, 512, 512);
    const { mouth, face } = qualityBoxes(tracks);
    const r = await scoreVideoQuality(clip, { tracks });
    const r2 = await scoreVideoQuality(clip, { mouthBoxes: mouth, faceBoxes: face });
    expect(Array.from(r.mouth!.perFrame)).toEqual(Array.from(r2.mouth!.perFrame));
    expect(Array.from(r.face!.perFrame)).toEqual(Array.from(r2.face!.perFrame));
    expect(r.mouth!.result.details!.scoredFrames).toBe(99); // frame 10 has no face
  });

  it('errors: a box outside the frame, a missing file, a bad stride', async () => {
    const bad = packFrameBoxes([{ x0: 10, y0: 10, x1: 600, y1: 50 }]);
    await expect(scoreVideoQuality(clip, { mouthBoxes: bad })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(scoreVideoQuality('/nonexistent/video.mp4')).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(scoreVideoQuality(clip, { stride: 0 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});

/** Tracks whose 468 plain landmarks fill a rectangle that drifts; frame 10 has no face. */
function syntheticTracks(frames: number, width: number, height: number): FaceTracks {
  const landmarks = new Float32Array(frames * PLAIN_POINTS * 3).fill(NaN);
  for (let t = 0; t < frames; t++) {
    if (t === 10) continue;
    for (let k = 0; k < PLAIN_POINTS; k++) {
      const i = (t * PLAIN_POINTS + k) * 3;
      landmarks[i] = (150 + t + ((k * 7) % 200)) / width; // x spans 150+t .. 349+t
      landmarks[i + 1] = (120 + ((k * 7) % 260)) / height; // y spans 120 .. 379
      landmarks[i + 2] = 0;
    }
  }
  return {
    fps: 25, width, height, frames, landmarks,
    refined: new Float32Array(frames * REFINED_POINTS * 3).fill(NaN),
    box: new Float32Array(frames * 4).fill(NaN),
    pose: new Float32Array(frames * 3).fill(NaN),
  };
}

describe('faceCropBox', () => {
  const tracks = syntheticTracks(20, 512, 512);
  it('square around the landmark box centre, side = max(w, h)', () => {
    // t = 0: x 150..349 (w 199), y 120..379 (h 259): centre (249.5, 249.5), side 259.
    expect(faceCropBox(tracks, 0)).toEqual({ x0: 120, y0: 120, x1: 379, y1: 379 });
    expect(faceCropBox(tracks, 10)).toBeNull();
  });
  it('shifted into the frame at the borders, clipped only when larger than the frame', () => {
    const t = syntheticTracks(1, 300, 240);
    // x 150..349 -> beyond 300 wide; y 120..379 beyond 240 high: side 259 > 240 -> full height.
    expect(faceCropBox(t, 0)).toEqual({ x0: 41, y0: 0, x1: 300, y1: 240 });
  });
});
