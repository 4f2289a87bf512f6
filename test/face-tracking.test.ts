/**
 * Video tracking with known truth (synthetic talking heads from lib/samples/synth.ts: the
 * head roll and mouth opening of every frame are known), and bad input.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackFaces, type FaceTrackResult } from '../lib/face/trackFaces.js';
import { tracksFromJson, type TracksJson } from '../lib/io/tracksJson.js';
import { native } from '../lib/native.js';
import { synthesizeTalkingHead, type SynthResult } from '../lib/samples/synth.js';
import { main } from '../lib/cli/main.js';
import { ASTRONAUT, GRACE, hasFace, pearson, px, slope, stillImage } from './helpers/faceMedia.js';
import { ffmpegClip } from './helpers/media.js';

const INNER_UPPER = [191, 80, 81, 82, 13, 312, 311, 310];
const INNER_LOWER = [95, 88, 178, 87, 14, 317, 402, 318];
const SSML = '<speak>Hello there, one two three. <break time="600ms"/> Four five six seven.</speak>';

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'theval-face-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('tracking a synthetic talking head', () => {
  let clip: SynthResult;
  let r: FaceTrackResult;
  beforeAll(async () => {
    clip = await synthesizeTalkingHead(path.join(work, 'talk.mp4'), { ssml: SSML, headMotion: 8, seed: 3 });
    r = await trackFaces(clip.path);
  }, 600_000);

  it('finds the face in every frame, detecting once and tracking after', () => {
    expect(r.frames).toBe(clip.frames);
    for (let t = 0; t < r.frames; t++) expect(hasFace(r.landmarks, 468, t) && hasFace(r.refined, 478, t), `frame ${t}`).toBe(true);
    expect(r.timings.detectorRuns).toBe(1);
  });

  // Head pose in the face pass: the fitted roll (degrees, positive = clockwise on screen,
  // docs/pose.md) follows the rendered roll (radians, positive = clockwise in the image).
  it('head pose: a pose on every frame, and its roll follows the known head roll (r > 0.9, slope ~1)', () => {
    const fitted: number[] = [];
    const truth: number[] = [];
    for (let t = 0; t < r.frames; t++) {
      expect(Number.isFinite(r.pose[t * 3]) && Number.isFinite(r.pose[t * 3 + 1]) && Number.isFinite(r.pose[t * 3 + 2]), `frame ${t}`).toBe(true);
      fitted.push(r.pose[t * 3 + 2]);
      truth.push((clip.roll[t] * 180) / Math.PI);
    }
    expect(pearson(truth, fitted)).toBeGreaterThan(0.9);
    const k = slope(truth, fitted);
    expect(k).toBeGreaterThan(0.8);
    expect(k).toBeLessThan(1.2);
  });

  // What is measured: the angle of the line from landmark 33 to 263 in pixels, against the
  // rendered roll (the renderer turns the face by +roll in image coordinates).
  it('the 33-263 eye line follows the known head roll (r > 0.9, slope ~1)', () => {
    for (const [track, n] of [[r.landmarks, 468], [r.refined, 478]] as const) {
      const angle = new Float64Array(r.frames);
      for (let t = 0; t < r.frames; t++) {
        const a = px(track, n, t, 33, r.width, r.height);
        const b = px(track, n, t, 263, r.width, r.height);
        angle[t] = Math.atan2(b[1] - a[1], b[0] - a[0]);
      }
      expect(pearson(clip.roll, angle)).toBeGreaterThan(0.9);
      expect(slope(clip.roll, angle)).toBeGreaterThan(0.8);
      expect(slope(clip.roll, angle)).toBeLessThan(1.2);
    }
  });

  // What is measured: mean distance (pixels) between the 8 inner-upper and 8 inner-lower lip
  // points (THEval's INNER_UPPER / INNER_LOWER), against the rendered mouth opening 0..1.
  it('the inner-lip distance follows the known mouth opening (r > 0.9)', () => {
    for (const [track, n] of [[r.landmarks, 468], [r.refined, 478]] as const) {
      const gap = new Float64Array(r.frames);
      for (let t = 0; t < r.frames; t++) {
        let s = 0;
        for (let k = 0; k < 8; k++) {
          const u = px(track, n, t, INNER_UPPER[k], r.width, r.height);
          const l = px(track, n, t, INNER_LOWER[k], r.width, r.height);
          s += Math.hypot(u[0] - l[0], u[1] - l[1]) / 8;
        }
        gap[t] = s;
      }
      expect(pearson(clip.opening, gap)).toBeGreaterThan(0.9);
    }
  });

  it('the face box follows the known head translation (r > 0.9 in x)', () => {
    const cx = Array.from({ length: r.frames }, (_, t) => (r.box[4 * t] + r.box[4 * t + 2]) / 2);
    const tx = Array.from({ length: r.frames }, (_, t) => clip.shift[2 * t]);
    expect(pearson(tx, cx)).toBeGreaterThan(0.9);
  });

  it("profile 'refinedOnly' reproduces the refined track and feeds the plain track from it", async () => {
    const only = await trackFaces(clip.path, { profile: 'refinedOnly' });
    expect(only.profile).toBe('refinedOnly');
    expect(Array.from(only.refined)).toEqual(Array.from(r.refined));
    for (let t = 0; t < only.frames; t++)
      expect(Array.from(only.landmarks.subarray(t * 1404, (t + 1) * 1404))).toEqual(Array.from(only.refined.subarray(t * 1434, t * 1434 + 1404)));
    expect(only.timings.plainInferMs).toBe(0);
  });
});

describe('bad input', () => {
  it('no face at all: NaN everywhere, presence 0', async () => {
    const clip = await synthesizeTalkingHead(path.join(work, 'noface.mp4'), { ssml: '<speak>One two.</speak>', noFace: true });
    const r = await trackFaces(clip.path);
    expect(r.frames).toBe(clip.frames);
    for (const a of [r.landmarks, r.refined, r.box, r.pose]) expect(a.every(Number.isNaN)).toBe(true);
    expect(r.presence.every((p) => p < 0.5)).toBe(true);
    expect(r.timings.detectorRuns).toBe(r.frames);
  }, 300_000);

  it('a black frame: no face', async () => {
    const r = await trackFaces(ffmpegClip('black.mp4', ['-f', 'lavfi', '-i', 'color=black:s=320x240:r=10:d=0.5', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', 'OUT']));
    expect(r.frames).toBe(5);
    expect(r.landmarks.every(Number.isNaN) && r.refined.every(Number.isNaN)).toBe(true);
    expect(r.presence.every((p) => p === 0)).toBe(true);
  });

  it('a face leaving the frame and coming back: NaN while gone, found again after', async () => {
    // 10 fps: the photo over a grey canvas for frames 0-9 and 20-29, grey only for 10-19.
    const file = ffmpegClip('leave.mp4', [
      '-f', 'lavfi', '-i', 'color=gray:s=512x512:r=10:d=3', '-loop', '1', '-framerate', '10', '-i', GRACE,
      '-filter_complex', "[0:v][1:v]overlay=enable='lt(t,0.95)+gte(t,1.95)':shortest=1", '-frames:v', '30',
      '-c:v', 'libx264', '-pix_fmt', 'yuv420p', 'OUT',
    ]);
    const r = await trackFaces(file);
    expect(r.frames).toBe(30);
    for (let t = 0; t < 30; t++) {
      const present = t < 10 || t >= 20;
      expect(hasFace(r.landmarks, 468, t), `plain frame ${t}`).toBe(present);
      expect(hasFace(r.refined, 478, t), `refined frame ${t}`).toBe(present);
    }
    // Detector: frame 0, then every frame from 11 (frame 10 still ran the landmark model on the
    // ROI carried over from frame 9, found nothing) through 20 (found again).
    expect(r.timings.detectorRuns).toBe(1 + 10);
    expect(r.presence[2 * 10]).toBeLessThan(0.5); // the carried-over ROI ran on grey
  });

  it('two faces side by side: one face, the detection with the highest score', async () => {
    // Grace Hopper (left) next to the astronaut's face cropped and enlarged (right).
    const file = stillImage('two-faces', [GRACE, ASTRONAUT], '[1:v]crop=200:200:140:20,scale=512:512[a];[0:v][a]hstack');
    const dets = await native().detectFaces(file, (await trackFaces(GRACE)).models.detector);
    expect(dets.length).toBe(2);
    const best = dets.reduce((a, b) => (b.score > a.score ? b : a));
    const r = await trackFaces(file);
    const cx = (r.box[0] + r.box[2]) / 2;
    const bx = (best.box[0] + best.box[2]) / 2;
    expect(Math.abs(cx - bx)).toBeLessThan(40); // the tracked face is the best detection
    expect(r.box[2] - r.box[0]).toBeLessThan(512); // one face, not a box across both
    expect(dets[0]).toEqual(best); // detections come out best first
  });

  it('a tiny face: found down to about 1/7 of the frame, not below 1/8', async () => {
    // The photo scaled to s x s on a 512 x 512 grey canvas; its face is ~0.4 s wide.
    const at = async (s: number) => trackFaces(stillImage(`tiny-${s}`, [GRACE], `scale=${s}:${s}:flags=area,pad=512:512:(ow-iw)/2:(oh-ih)/2:color=gray`));
    const found = await at(176); // face ~70 px (detector box ~76 px) of 512
    expect(hasFace(found.landmarks, 468, 0)).toBe(true);
    const missed = await at(128); // face ~50 px
    expect(hasFace(missed.landmarks, 468, 0)).toBe(false);
    expect(hasFace(missed.refined, 478, 0)).toBe(false);
  });

  it('errors keep their codes: missing file, not media, missing model', async () => {
    await expect(trackFaces(path.join(work, 'nope.mp4'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    const junk = path.join(work, 'junk.mp4');
    (await import('node:fs')).writeFileSync(junk, 'this is not a video');
    await expect(trackFaces(junk)).rejects.toMatchObject({ code: 'NOT_MEDIA' });
    const models = (await trackFaces(GRACE)).models;
    const gone = path.join(work, 'gone.onnx');
    // The face pass runs the attention model's native variant when given, else the portable file.
    await expect(trackFaces(GRACE, { models: { ...models, landmarkAttentionNative: gone } })).rejects.toMatchObject({
      code: 'MODEL_MISSING',
      file: gone,
    });
    const { landmarkAttentionNative: _unused, ...portableOnly } = models;
    await expect(trackFaces(GRACE, { models: { ...portableOnly, landmarkAttention: gone } })).rejects.toMatchObject({
      code: 'MODEL_MISSING',
      file: gone,
    });
  });
});

describe('theval track', () => {
  it('writes the tracks JSON: shapes, nulls where no face, same values as trackFaces', async () => {
    const file = ffmpegClip('leave-short.mp4', [
      '-f', 'lavfi', '-i', 'color=gray:s=512x512:r=10:d=0.6', '-loop', '1', '-framerate', '10', '-i', GRACE,
      '-filter_complex', "[0:v][1:v]overlay=enable='lt(t,0.25)':shortest=1", '-frames:v', '6', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', 'OUT',
    ]);
    const out = path.join(work, 'tracks.json');
    expect(await main(['track', file, '-o', out])).toBe(0);
    expect(existsSync(out)).toBe(true);
    const j = JSON.parse(readFileSync(out, 'utf8')) as TracksJson;
    expect([j.frames, j.width, j.height, j.fps]).toEqual([6, 512, 512, 10]);
    expect(j.landmarks).toHaveLength(6);
    expect(j.landmarks[0]).toHaveLength(468);
    expect(j.landmarks[0]![0]).toHaveLength(3);
    expect(j.refined[0]).toHaveLength(478);
    expect(j.box[0]).toHaveLength(4);
    expect(j.pose[0]).toHaveLength(3); // a pose wherever there is a face
    expect(j.landmarks.slice(3)).toEqual([null, null, null]);
    const direct = await trackFaces(file);
    const back = tracksFromJson(j);
    for (let i = 0; i < direct.landmarks.length; i++) {
      const a = direct.landmarks[i];
      const b = back.landmarks[i];
      if (Number.isNaN(a)) expect(Number.isNaN(b)).toBe(true);
      else expect(Math.fround(b)).toBe(a);
    }
    expect(await main(['track', file])).toBe(2);
  });
});
