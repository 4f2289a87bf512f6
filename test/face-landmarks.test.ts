/**
 * Landmarks on real face photos, judged by truth that does not come from this pipeline:
 * regions measured by eye on the photos (zoomed crops, pixel grid), and geometry: the
 * photo moved, scaled, rotated or mirrored by ffmpeg must move the landmarks the same way.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultFaceModels, trackFaces, type FaceTrackResult } from '../lib/face/trackFaces.js';
import type { FaceGeometryJson } from '../lib/models/faceGeometry.js';
import { ASTRONAUT, GRACE, hasFace, px, stillClip, stillImage } from './helpers/faceMedia.js';

type Box = [number, number, number, number];
const inside = (p: [number, number], b: Box) => p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3];

/**
 * Regions read off the photos by eye (512x512 pixels, x0 y0 x1 y1), from 4x/8x zoomed crops
 * with a pixel grid, before this pipeline existed; each box is the feature plus a few pixels.
 *  - Grace Hopper: image-left eye spans x 202-235, y 167-180 (outer corner ~204,175);
 *    image-right eye x 285-322, y 164-176 (outer corner ~322,171); closed lips: the seam
 *    along y 257-262 from x 230 to 300 (corners ~230,262 and ~300,257), upper lip's top
 *    edge ~y 251, lower lip's bottom edge ~y 274.
 *  - Astronaut: image-left eye x 193-214, y 97-104 (outer corner ~193,100); image-right eye
 *    x 236-259, y 100-107 (outer corner ~258,104); open smile, inner mouth x 203-246,
 *    y 139-152, upper inner lip ~(223,142), lower inner lip ~(223,150).
 */
const PHOTOS = {
  grace: {
    file: GRACE,
    leftEye: [194, 160, 243, 188] as Box, // landmark 33 (outer corner of the image-left eye) and 133
    rightEye: [278, 156, 332, 184] as Box, // landmarks 263 and 362
    mouth: [222, 244, 308, 280] as Box, // lip landmarks 0, 13, 14, 17, 61, 291
    mouthOpen: false,
  },
  astronaut: {
    file: ASTRONAUT,
    leftEye: [187, 92, 219, 109] as Box,
    rightEye: [231, 95, 264, 112] as Box,
    mouth: [196, 134, 252, 157] as Box,
    mouthOpen: true,
  },
};

let models: Awaited<ReturnType<typeof defaultFaceModels>>;
beforeAll(async () => {
  models = await defaultFaceModels();
});

describe('landmarks fall where the features are', () => {
  for (const [name, p] of Object.entries(PHOTOS)) {
    it(`${name}: face found, eyes and mouth in the measured regions (plain and refined)`, async () => {
      const r = await trackFaces(p.file);
      expect(r.frames).toBe(1);
      expect(r.presence[0]).toBeGreaterThan(0.5);
      expect(r.presence[1]).toBeGreaterThan(0.5);
      for (const [track, n] of [[r.landmarks, 468], [r.refined, 478]] as const) {
        const at = (i: number) => px(track, n, 0, i, r.width, r.height);
        expect(inside(at(33), p.leftEye), `33 at ${at(33)}`).toBe(true);
        expect(inside(at(133), p.leftEye), `133 at ${at(133)}`).toBe(true);
        expect(inside(at(263), p.rightEye), `263 at ${at(263)}`).toBe(true);
        expect(inside(at(362), p.rightEye), `362 at ${at(362)}`).toBe(true);
        for (const i of [0, 13, 14, 17, 61, 291]) expect(inside(at(i), p.mouth), `${i} at ${at(i)}`).toBe(true);
        // 33 is the outer corner: left of 133 (inner corner); 263 right of 362.
        expect(at(33)[0]).toBeLessThan(at(133)[0]);
        expect(at(263)[0]).toBeGreaterThan(at(362)[0]);
        const gap = at(14)[1] - at(13)[1];
        if (p.mouthOpen) expect(gap).toBeGreaterThan(4);
        else expect(Math.abs(gap)).toBeLessThan(3);
      }
      // The iris centres (refined 468, 473) sit inside the eyes.
      expect(inside(px(r.refined, 478, 0, 468, r.width, r.height), p.leftEye)).toBe(true);
      expect(inside(px(r.refined, 478, 0, 473, r.width, r.height), p.rightEye)).toBe(true);
      // The face box is the span of the plain landmarks.
      let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
      for (let i = 0; i < 468; i++) {
        const [x, y] = px(r.landmarks, 468, 0, i, r.width, r.height);
        [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      }
      expect(Array.from(r.box)).toEqual([x0, y0, x1, y1].map(Math.fround));
    });
  }
});

/**
 * Geometric truth. Tolerance: mean error over all points <= 3 px and max <= 9 px on a
 * 512-px face photo (inter-ocular distance ~120 px). The model is not exactly equivariant:
 * on the unchanged photo, re-running with the ROI from the previous frame's landmarks (the
 * tracking step) already moves points by ~1.1-1.6 px mean, ~3.6 px max.
 */
describe('landmarks follow geometric transforms of the photo', () => {
  let base: FaceTrackResult;
  beforeAll(async () => {
    base = await trackFaces(GRACE);
  });

  function errors(r: FaceTrackResult, t: number, map: (x: number, y: number) => [number, number], index = (i: number) => i) {
    const out: Record<string, { mean: number; max: number }> = {};
    for (const [key, n] of [['landmarks', 468], ['refined', 478]] as const) {
      let sum = 0;
      let max = 0;
      for (let i = 0; i < n; i++) {
        const [x, y] = px(base[key], n, 0, i, base.width, base.height);
        const [ex, ey] = map(x, y);
        const [gx, gy] = px(r[key], n, t, index(i), r.width, r.height);
        const e = Math.hypot(gx - ex, gy - ey);
        sum += e;
        max = Math.max(max, e);
      }
      out[key] = { mean: sum / n, max };
    }
    return out;
  }
  const within = (e: Record<string, { mean: number; max: number }>) => {
    for (const [k, v] of Object.entries(e)) {
      expect(v.mean, `${k} mean`).toBeLessThanOrEqual(3);
      expect(v.max, `${k} max`).toBeLessThanOrEqual(9);
    }
  };

  it('translation: padded into a larger canvas at (96, 40)', async () => {
    const r = await trackFaces(stillImage('gh-pad', [GRACE], 'pad=640:576:96:40:color=gray'));
    expect([r.width, r.height]).toEqual([640, 576]);
    within(errors(r, 0, (x, y) => [x + 96, y + 40]));
  });

  it('scale: 0.75x and 1.5x', async () => {
    const small = await trackFaces(stillImage('gh-small', [GRACE], 'scale=384:384:flags=bicubic'));
    within(errors(small, 0, (x, y) => [x * 0.75, y * 0.75]));
    const big = await trackFaces(stillImage('gh-big', [GRACE], 'scale=768:768:flags=bicubic'));
    within(errors(big, 0, (x, y) => [x * 1.5, y * 1.5]));
  });

  it('rotation by 20 degrees about the centre', async () => {
    const r = await trackFaces(stillImage('gh-rot20', [GRACE], 'rotate=20*PI/180:fillcolor=gray'));
    const c = Math.cos((20 * Math.PI) / 180);
    const s = Math.sin((20 * Math.PI) / 180);
    within(errors(r, 0, (x, y) => [256 + c * (x - 256) - s * (y - 256), 256 + s * (x - 256) + c * (y - 256)]));
  });

  it('mirror: point i of the flipped photo is the mirror point of i, mirrored', async () => {
    // Mirror pairs from MediaPipe's canonical face mesh (face_geometry.json): the vertex
    // nearest to (-x, y, z) of each vertex. Irises: 468-472 <-> 473-477 with right/left edges swapped.
    const geo = JSON.parse(readFileSync(models.landmark.replace('face_landmark.onnx', 'face_geometry.json'), 'utf8')) as FaceGeometryJson;
    const v = geo.vertices;
    const mirror: number[] = [];
    for (let i = 0; i < 468; i++) {
      let best = -1;
      let bestD = Infinity;
      for (let j = 0; j < 468; j++) {
        const d = (v[3 * j] + v[3 * i]) ** 2 + (v[3 * j + 1] - v[3 * i + 1]) ** 2 + (v[3 * j + 2] - v[3 * i + 2]) ** 2;
        if (d < bestD) [best, bestD] = [j, d];
      }
      mirror.push(best);
    }
    expect(mirror[33]).toBe(263);
    expect(mirror[61]).toBe(291);
    expect(mirror.every((j, i) => mirror[j] === i)).toBe(true);
    mirror.push(473, 476, 475, 474, 477, 468, 471, 470, 469, 472);
    const r = await trackFaces(stillImage('gh-flip', [GRACE], 'hflip'));
    within(errors(r, 0, (x, y) => [512 - x, y], (i) => mirror[i]));
  });

  it('rotation by 90 degrees: found on the first frame, and once tracked it matches', async () => {
    const r = await trackFaces(stillClip('gh-rot90', GRACE, 'transpose=1', 4));
    for (let t = 0; t < 4; t++) expect(hasFace(r.landmarks, 468, t) && hasFace(r.refined, 478, t)).toBe(true);
    // Frame 0 uses the detector's ROI (eye keypoints give the 90 degree rotation); from
    // frame 2 on the ROI comes from landmarks and the points settle.
    within(errors(r, 3, (x, y) => [512 - y, x]));
    // The eye line turned by 90 degrees: 33 -> 263 points down the image.
    const a = px(r.landmarks, 468, 3, 33, r.width, r.height);
    const b = px(r.landmarks, 468, 3, 263, r.width, r.height);
    const angle = (Math.atan2(b[1] - a[1], b[0] - a[0]) * 180) / Math.PI;
    expect(Math.abs(angle - 90)).toBeLessThan(10);
  });
});
