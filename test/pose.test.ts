/**
 * Head pose from landmarks (native/face/pose.cc, docs/pose.md) against exact truth:
 * MediaPipe's canonical mesh rotated by known angles, projected (weak perspective and a
 * pinhole camera) into MediaPipe's normalised landmark form.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TheValError } from '../lib/errors.js';
import { estimatePose, estimatePoseDetails, type PoseOptions } from '../lib/face/pose.js';
import { prepareFaceModels } from '../lib/models/faceModels.js';
import type { FaceGeometryJson } from '../lib/models/faceGeometry.js';
import { modelCacheDir } from '../lib/models/vadModel.js';
import {
  headRotation,
  loadGeometry,
  normal,
  openJaw,
  projectPerspective,
  projectWeak,
  rng,
} from './helpers/poseSynth.js';

let geometryPath: string;
let g: FaceGeometryJson;
let work: string;

beforeAll(async () => {
  geometryPath = (await prepareFaceModels({ cacheDir: path.join(modelCacheDir(), 'face') })).geometry;
  g = loadGeometry(geometryPath);
  work = mkdtempSync(path.join(tmpdir(), 'theval-pose-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const GRID = [-30, -15, 0, 15, 30];
const POSES: [number, number, number][] = [];
for (const p of GRID) for (const y of GRID) for (const r of GRID) POSES.push([p, y, r]);

function stack(frames: Float32Array[]): Float32Array {
  const out = new Float32Array(frames.reduce((n, f) => n + f.length, 0));
  let o = 0;
  for (const f of frames) {
    out.set(f, o);
    o += f.length;
  }
  return out;
}

/** Max |estimate - truth| over all frames and angles. */
function maxError(est: Float32Array, truth: [number, number, number][]): number {
  let m = 0;
  truth.forEach((t, k) => {
    for (let j = 0; j < 3; j++) m = Math.max(m, Math.abs(est[3 * k + j] - t[j]));
  });
  return m;
}

const WEIGHTS = ['upper', 'uniform', 'procrustes'] as const;

describe('weak perspective (orthographic + scale): exact recovery', () => {
  for (const weights of WEIGHTS) {
    it(`recovers a 5x5x5 grid of poses in -30..30 degrees within 0.01 degree (${weights})`, () => {
      // Different scale, position and depth offset per frame; a non-square frame too.
      for (const [W, H] of [[512, 512], [640, 360]] as const) {
        const frames = POSES.map(([p, y, r], k) =>
          projectWeak(g.vertices, headRotation(p, y, r), 6 + (k % 5) * 3, [W / 2 + (k % 7) * 9 - 27, H / 2 + (k % 3) * 11 - 11, 37 * (k % 4)], W, H),
        );
        const est = estimatePose(stack(frames), W, H, { geometryPath, weights });
        expect(est.length).toBe(POSES.length * 3);
        expect(maxError(est, POSES)).toBeLessThan(0.01);
      }
    });
  }

  it('returns the scale (px per cm), the translation and a ~0 residual', () => {
    const lm = projectWeak(g.vertices, headRotation(10, -20, 5), 11.5, [300, 200, 40], 512, 512);
    const d = estimatePoseDetails(lm, 512, 512, { geometryPath });
    expect(d.scale[0]).toBeCloseTo(11.5, 3);
    expect(d.translation[0]).toBeCloseTo(300, 2);
    expect(d.translation[1]).toBeCloseTo(200, 2);
    expect(d.translation[2]).toBeCloseTo(40, 2);
    expect(d.residual[0]).toBeLessThan(1e-3);
    expect(d.depthScale[0]).toBe(1);
    // The rotation matrix is the documented R = Rz(-roll) Ry(yaw) Rx(-pitch).
    const R = headRotation(10, -20, 5);
    for (let k = 0; k < 9; k++) expect(d.rotation[k]).toBeCloseTo(R[k], 5);
  });

  it('accepts 478-point refined landmarks (the first 468 are the mesh)', () => {
    const lm468 = projectWeak(g.vertices, headRotation(-12, 25, 8), 12, [256, 256, 0], 512, 512);
    const lm478 = new Float32Array(478 * 3).fill(0.5);
    lm478.set(lm468);
    const est = estimatePose(lm478, 512, 512, { geometryPath, points: 478 });
    expect(maxError(est, [[-12, 25, 8]])).toBeLessThan(0.01);
  });
});

describe('sign conventions, by hand', () => {
  // Built without headRotation: the canonical mesh (x to the face's left, y up, z towards
  // the viewer) placed in a 512 frame at 12 px/cm, pixel = (256 + 12 x, 256 - 12 y, -12 z).
  const S = 12, C = 256, W = 512;
  const toLm = (x: number, y: number, z: number): [number, number, number] => [(C + S * x) / W, (C - S * y) / W, (-S * z) / W];
  function build(map: (x: number, y: number, z: number) => [number, number, number]): Float32Array {
    const out = new Float32Array(468 * 3);
    for (let i = 0; i < 468; i++) out.set(toLm(...map(g.vertices[3 * i], g.vertices[3 * i + 1], g.vertices[3 * i + 2])), 3 * i);
    return out;
  }
  const NOSE = 4, CHIN = 152, FOREHEAD = 10;
  const a = (20 * Math.PI) / 180, c = Math.cos(a), s = Math.sin(a);

  it('yaw > 0: the head turns to its own left, the nose tip moves to image right', () => {
    // Turn about the vertical axis carrying +z (the nose) towards +x (the face's own left).
    const lm = build((x, y, z) => [x * c + z * s, y, -x * s + z * c]);
    expect(lm[3 * NOSE]).toBeGreaterThan(0.5 + 0.02); // nose right of centre
    const [p, yw, r] = estimatePose(lm, W, W, { geometryPath });
    expect(yw).toBeCloseTo(20, 2);
    expect(Math.abs(p)).toBeLessThan(0.01);
    expect(Math.abs(r)).toBeLessThan(0.01);
  });

  it('pitch > 0: chin up, the nose tip moves up in the image', () => {
    // Tilt about the horizontal axis carrying +z (the nose) towards +y (up): the chin comes forward.
    const lm = build((x, y, z) => [x, y * c + z * s, -y * s + z * c]);
    const frontal = build((x, y, z) => [x, y, z]);
    expect(lm[3 * NOSE + 1]).toBeLessThan(frontal[3 * NOSE + 1]); // nose higher (image y smaller)
    expect(lm[3 * CHIN + 2]).toBeLessThan(frontal[3 * CHIN + 2]); // chin nearer the camera
    const [p, yw, r] = estimatePose(lm, W, W, { geometryPath });
    expect(p).toBeCloseTo(20, 2);
    expect(Math.abs(yw)).toBeLessThan(0.01);
    expect(Math.abs(r)).toBeLessThan(0.01);
  });

  it('roll > 0: clockwise in the image, the top of the head moves to image right', () => {
    // Rotate the image points clockwise on screen (image y points down) about the centre.
    const frontal = build((x, y, z) => [x, y, z]);
    const lm = new Float32Array(frontal);
    for (let i = 0; i < 468; i++) {
      const u = frontal[3 * i] * W - C, v = frontal[3 * i + 1] * W - C;
      lm[3 * i] = (C + u * c - v * s) / W;
      lm[3 * i + 1] = (C + u * s + v * c) / W;
    }
    expect(lm[3 * FOREHEAD]).toBeGreaterThan(0.5 + 0.02);
    const [p, yw, r] = estimatePose(lm, W, W, { geometryPath });
    expect(r).toBeCloseTo(20, 2);
    expect(Math.abs(p)).toBeLessThan(0.01);
    expect(Math.abs(yw)).toBeLessThan(0.01);
  });
});

describe('perspective camera (vertical fov 63 degrees, head 50 cm away, 512x512)', () => {
  const W = 512, H = 512;
  for (const [label, T] of [['centred', [0, 0, 50]], ['6 cm right, 4 cm down of the axis', [6, 4, 50]]] as const) {
    const frames = () => POSES.map(([p, y, r]) => projectPerspective(g.vertices, headRotation(p, y, r), [...T], 63, W, H));

    it(`${label}: the perspective fit with the depth-scale fit recovers the grid within 0.01 degree`, () => {
      for (const weights of WEIGHTS) {
        const est = estimatePose(stack(frames()), W, H, { geometryPath, weights, verticalFovDegrees: 63, fitDepthScale: true });
        expect(maxError(est, POSES), weights).toBeLessThan(0.01);
      }
    });

    it(`${label}: measured errors of the simpler fits (docs/pose.md)`, () => {
      const all = stack(frames());
      // Perspective unprojection, z taken at MediaPipe's scale (no depth fit): the test's z
      // is scaled at the head centre's depth, MediaPipe's pipeline assumes the mean depth.
      const persp = maxError(estimatePose(all, W, H, { geometryPath, verticalFovDegrees: 63 }), POSES);
      expect(persp).toBeGreaterThan(0.5);
      expect(persp).toBeLessThan(1.6);
      // Weak perspective on perspective data: the pose relative to the line of sight.
      const weak = maxError(estimatePose(all, W, H, { geometryPath }), POSES);
      if (label === 'centred') expect(weak).toBeLessThan(2.5);
      else expect(weak).toBeGreaterThan(3); // off axis: the line of sight is ~8 degrees off the axis
    });
  }

  it('recovers the head position in cm (perspective)', () => {
    const lm = projectPerspective(g.vertices, headRotation(5, 10, -5), [6, 4, 50], 63, W, H);
    const d = estimatePoseDetails(lm, W, H, { geometryPath, verticalFovDegrees: 63, fitDepthScale: true });
    expect(d.translation[0]).toBeCloseTo(6, 3);
    expect(d.translation[1]).toBeCloseTo(4, 3);
    expect(d.translation[2]).toBeCloseTo(50, 2);
    expect(d.scale[0]).toBe(1);
  });
});

describe('robustness that decided the default weighting', () => {
  const W = 512;
  const frames = (verts: ArrayLike<number>) => POSES.map(([p, y, r]) => projectWeak(verts, headRotation(p, y, r), 12, [256, 256, 0], W, W));

  it('an 8-degree jaw opening moves the 33-point and 468-point fits by > 1 degree, not the upper-face fit', () => {
    const all = stack(frames(openJaw(g.vertices, 8)));
    expect(maxError(estimatePose(all, W, W, { geometryPath, weights: 'upper' }), POSES)).toBeLessThan(0.01);
    expect(maxError(estimatePose(all, W, W, { geometryPath, weights: 'procrustes' }), POSES)).toBeGreaterThan(1);
    expect(maxError(estimatePose(all, W, W, { geometryPath, weights: 'uniform' }), POSES)).toBeGreaterThan(1);
  });

  it('1 px landmark noise: the upper-face fit jitters less than half as much as the 33-point fit (measured: about a third)', () => {
    const r = rng(7);
    const all = stack(frames(g.vertices));
    for (let i = 0; i < all.length; i++) all[i] += normal(r) / W;
    const rms = (o: Partial<PoseOptions>) => {
      const est = estimatePose(all, W, W, { geometryPath, ...o });
      let se = 0;
      POSES.forEach((t, k) => t.forEach((v, j) => (se += (est[3 * k + j] - v) ** 2)));
      return Math.sqrt(se / (3 * POSES.length));
    };
    const upper = rms({ weights: 'upper' }), mp = rms({ weights: 'procrustes' });
    expect(upper).toBeLessThan(0.15);
    expect(upper * 2).toBeLessThan(mp);
  });

  it('a landmark z that is 15% too shallow biases the fit unless the depth scale is fitted', () => {
    const all = stack(frames(g.vertices));
    for (let i = 2; i < all.length; i += 3) all[i] *= 0.85;
    expect(maxError(estimatePose(all, W, W, { geometryPath }), POSES)).toBeGreaterThan(1);
    const d = estimatePoseDetails(all, W, W, { geometryPath, fitDepthScale: true });
    expect(maxError(d.pose, POSES)).toBeLessThan(0.01);
    for (const k of d.depthScale) expect(k).toBeCloseTo(0.85, 4);
  });
});

describe('missing faces and bad input', () => {
  it('a frame with any non-finite landmark gives NaN pose; the other frames are unaffected', () => {
    const good = projectWeak(g.vertices, headRotation(10, 20, 5), 12, [256, 256, 0], 512, 512);
    const withNan = new Float32Array(good);
    withNan[3 * 200 + 2] = NaN;
    const allNan = new Float32Array(good.length).fill(NaN);
    const withInf = new Float32Array(good);
    withInf[0] = Infinity;
    const est = estimatePose(stack([good, withNan, allNan, withInf, good]), 512, 512, { geometryPath });
    expect(maxError(est.subarray(0, 3), [[10, 20, 5]])).toBeLessThan(0.01);
    for (let k = 3; k < 12; k++) expect(est[k]).toBeNaN();
    expect(maxError(est.subarray(12, 15), [[10, 20, 5]])).toBeLessThan(0.01);
    const d = estimatePoseDetails(withNan, 512, 512, { geometryPath });
    for (const v of [d.scale[0], d.residual[0], d.translation[0], d.rotation[0]]) expect(v).toBeNaN();
  });

  it('degenerate landmarks (all points equal) give NaN, not a throw', () => {
    const est = estimatePose(new Float32Array(468 * 3).fill(0.5), 512, 512, { geometryPath });
    for (const v of est) expect(v).toBeNaN();
  });

  it('an empty input gives an empty output', () => {
    expect(estimatePose(new Float32Array(0), 512, 512, { geometryPath }).length).toBe(0);
  });

  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(TheValError);
      return (e as TheValError).code;
    }
    throw new Error('expected a throw');
  };

  it('rejects bad arguments with BAD_ARGUMENT', () => {
    const lm = new Float32Array(468 * 3);
    expect(code(() => estimatePose(new Float32Array(100), 512, 512, { geometryPath }))).toBe('BAD_ARGUMENT');
    expect(code(() => estimatePose(lm, 0, 512, { geometryPath }))).toBe('BAD_ARGUMENT');
    expect(code(() => estimatePose(lm, 512, 512.5, { geometryPath }))).toBe('BAD_ARGUMENT');
    expect(code(() => estimatePose(lm, 512, 512, { geometryPath: '' }))).toBe('BAD_ARGUMENT');
    expect(code(() => estimatePose(lm, 512, 512, { geometryPath, verticalFovDegrees: 180 }))).toBe('BAD_ARGUMENT');
    expect(code(() => estimatePose(lm, 512, 512, { geometryPath, weights: 'x' as 'upper' }))).toBe('BAD_ARGUMENT');
    expect(code(() => estimatePose(lm, 512, 512, { geometryPath, points: 470 as 468 }))).toBe('BAD_ARGUMENT');
  });

  it('a missing geometry file is MODEL_MISSING naming the file; a malformed one BAD_ARGUMENT', () => {
    const lm = new Float32Array(468 * 3);
    const missing = path.join(work, 'nope.json');
    try {
      estimatePose(lm, 512, 512, { geometryPath: missing });
      throw new Error('expected a throw');
    } catch (e) {
      expect((e as TheValError).code).toBe('MODEL_MISSING');
      expect((e as TheValError).file).toBe(missing);
    }
    const cases: Record<string, string> = {
      truncated: JSON.stringify(g).slice(0, 5000),
      short: JSON.stringify({ ...g, vertices: g.vertices.slice(0, 300), vertexCount: 100 }),
      badId: JSON.stringify({ ...g, procrustes: [{ landmarkId: 999, weight: 1 }] }),
      noWeights: JSON.stringify({ ...g, procrustes: [] }),
    };
    for (const [name, text] of Object.entries(cases)) {
      const f = path.join(work, `${name}.json`);
      writeFileSync(f, text);
      expect(code(() => estimatePose(lm, 512, 512, { geometryPath: f })), name).toBe('BAD_ARGUMENT');
    }
    // Extra keys are ignored (the prepared file also has units and triangles).
    const extra = path.join(work, 'extra.json');
    writeFileSync(extra, JSON.stringify({ note: { a: [1, true, null, 'x'] }, ...g }));
    const est = estimatePose(projectWeak(g.vertices, headRotation(1, 2, 3), 12, [256, 256, 0], 512, 512), 512, 512, { geometryPath: extra });
    expect(maxError(est, [[1, 2, 3]])).toBeLessThan(0.01);
  });
});
