/**
 * An independent re-implementation of one tracked Face Mesh step, for the parity tests:
 * the ROI from a frame's landmarks (face_landmark_landmarks_to_roi: box of every landmark,
 * rotation from landmark 33 to 263, square long side x 1.5), the 192x192 crop sampled at pixel
 * centres with replicated borders (MediaPipe's GPU converter), the landmark network run by
 * onnxruntime on the portable ONNX file (not the OpenCV dnn of the native pass), the attention
 * model's refinement (tensors_to_face_landmarks_with_attention: x, y of lips / eyes / irises
 * over the mesh) and the projection back to the frame (landmark_projection_calculator).
 *
 * Why: with it, a landmark difference between our tracked pass and MediaPipe's can be split
 * into "given the same ROI" (one step, open loop) and "the ROI came from different previous
 * landmarks" (the tracking loop), which a tracked comparison alone cannot tell apart.
 * The ROI arithmetic is in float (Math.fround) as the calculators' is; the crop's sample
 * positions are in double, its weights in float, as native/face/image_to_tensor.cc.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type * as OrtTypes from 'onnxruntime-node';
import { defaultFaceModels } from '../../lib/face/trackFaces.js';
import { packageRoot } from '../../lib/native.js';
import { landmarkBounds } from './landmarkCompare.js';
import type { RgbFrame } from './mediapipeReference.js';

const f = Math.fround;

/** A NormalizedRect: centre and size as fractions of the frame, rotation in radians. */
export interface NormRect {
  cx: number;
  cy: number;
  w: number;
  h: number;
  rot: number;
}

// Index tables of the LandmarksRefinementCalculator, read from the native source so the
// replica and the native pass cannot use different tables unnoticed (they are checked
// against MediaPipe's output by the open-loop test, which would fail on a wrong table).
function refinementTable(name: string): number[] {
  const src = readFileSync(path.join(packageRoot, 'native', 'face', 'refinement_tables.h'), 'utf8');
  const m = src.match(new RegExp(`${name}\\[\\] = \\{([^}]*)\\}`));
  if (!m) throw new Error(`refinement_tables.h: no table ${name}`);
  return m[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
}

function normalizeRadians(a: number): number {
  return f(a - 2 * Math.PI * Math.floor((a + Math.PI) / (2 * Math.PI)));
}

/** The next frame's ROI from a frame's landmarks (n x 3, normalised), W x H frame. */
export function roiFromLandmarks(p: Float32Array, W: number, H: number): NormRect {
  const { x0: xmin, x1: xmax, y0: ymin, y1: ymax } = landmarkBounds(p);
  const bw = f(xmax - xmin);
  const bh = f(ymax - ymin);
  const x0 = f(p[3 * 33] * W), y0 = f(p[3 * 33 + 1] * H);
  const x1 = f(p[3 * 263] * W), y1 = f(p[3 * 263 + 1] * H);
  const rot = normalizeRadians(f(0 - f(Math.atan2(f(-f(y1 - y0)), f(x1 - x0)))));
  const long = Math.max(f(bw * W), f(bh * H));
  return { cx: f(xmin + f(bw / 2)), cy: f(ymin + f(bh / 2)), w: f(f(long / W) * 1.5), h: f(f(long / H) * 1.5), rot };
}

/** 192x192x3 crop in [0, 1], sampled at pixel centres, borders replicated. */
export function cropTensor(frame: RgbFrame, r: NormRect, size = 192): Float32Array {
  const { width: W, height: H } = frame;
  const px = frame.data;
  const ch = px.length / (W * H);
  const out = new Float32Array(size * size * 3);
  const cx = r.cx * W, cy = r.cy * H, w = r.w * W, h = r.h * H;
  const c = Math.cos(r.rot), s = Math.sin(r.rot);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = ((x + 0.5) / size - 0.5) * w;
      const v = ((y + 0.5) / size - 0.5) * h;
      const sx = cx + c * u - s * v - 0.5;
      const sy = cy + s * u + c * v - 0.5;
      const fx = Math.floor(sx), fy = Math.floor(sy);
      const ax = f(sx - fx), ay = f(sy - fy);
      for (let k = 0; k < 3; k++) {
        let acc = 0;
        for (let t = 0; t < 4; t++) {
          const qx = Math.min(W - 1, Math.max(0, fx + (t & 1)));
          const qy = Math.min(H - 1, Math.max(0, fy + (t >> 1)));
          acc += ((t & 1) ? ax : 1 - ax) * ((t >> 1) ? ay : 1 - ay) * px[(qy * W + qx) * ch + k];
        }
        out[(y * size + x) * 3 + k] = acc / 255;
      }
    }
  }
  return out;
}

function project(crop: Float32Array, n: number, r: NormRect): Float32Array {
  const o = new Float32Array(n * 3);
  const c = Math.cos(r.rot), s = Math.sin(r.rot);
  for (let i = 0; i < n; i++) {
    const x = crop[3 * i] - 0.5, y = crop[3 * i + 1] - 0.5;
    o[3 * i] = (c * x - s * y) * r.w + r.cx;
    o[3 * i + 1] = (s * x + c * y) * r.h + r.cy;
    o[3 * i + 2] = crop[3 * i + 2] * r.w;
  }
  return o;
}

export interface LandmarkReplica {
  /** Landmarks (normalised to the frame) of the face in `roi`: 468 points plain, 478 refined. */
  landmarks(frame: RgbFrame, roi: NormRect): Promise<Float32Array>;
  close(): Promise<void>;
}

/** The replica for one model, on the portable ONNX files the face pass prepares (defaultFaceModels). */
export async function createLandmarkReplica(refined: boolean): Promise<LandmarkReplica> {
  const ort = (await import('onnxruntime-node')) as typeof OrtTypes;
  const models = await defaultFaceModels();
  const session = await ort.InferenceSession.create(refined ? models.landmarkAttention : models.landmark);
  const tables = refined
    ? ([
        [refinementTable('kLips'), 'output_lips'],
        [refinementTable('kLeftEye'), 'output_left_eye'],
        [refinementTable('kRightEye'), 'output_right_eye'],
        [refinementTable('kLeftIris'), 'output_left_iris'],
        [refinementTable('kRightIris'), 'output_right_iris'],
      ] as const)
    : [];
  return {
    async landmarks(frame, roi) {
      const input = new ort.Tensor('float32', cropTensor(frame, roi), [1, 192, 192, 3]);
      const out = await session.run({ [session.inputNames[0]]: input });
      const mesh = out[refined ? 'output_mesh_identity' : 'conv2d_21'].data as Float32Array;
      const crop = new Float32Array((refined ? 478 : 468) * 3);
      for (let i = 0; i < 468 * 3; i++) crop[i] = mesh[i] / 192;
      for (const [idx, name] of tables) {
        const d = out[name].data as Float32Array;
        idx.forEach((j, i) => {
          crop[3 * j] = d[2 * i] / 192;
          crop[3 * j + 1] = d[2 * i + 1] / 192;
        });
      }
      return project(crop, crop.length / 3, roi);
    },
    async close() {
      await session.release();
    },
  };
}

/** Mean point distance in pixels between two landmark sets (x, y; the first min(n) points). */
export function meanDistancePx(a: Float32Array, b: Float32Array, W: number, H: number): number {
  const n = Math.min(a.length, b.length) / 3;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.hypot((a[3 * i] - b[3 * i]) * W, (a[3 * i + 1] - b[3 * i + 1]) * H);
  return s / n;
}

/** Per frame t >= 1 (index t - 1): the replica's landmarks on the ROI from `prev[t - 1]`, their mean distance to `next[t]`. */
export async function openLoopErrors(
  replica: LandmarkReplica,
  frames: readonly RgbFrame[],
  prev: ReadonlyArray<Float32Array | null>,
  next: ReadonlyArray<Float32Array | null> = prev,
): Promise<number[]> {
  const { width: W, height: H } = frames[0];
  const out: number[] = [];
  for (let t = 1; t < frames.length; t++) {
    const p = prev[t - 1];
    const q = next[t];
    if (!p || !q) {
      out.push(NaN);
      continue;
    }
    out.push(meanDistancePx(await replica.landmarks(frames[t], roiFromLandmarks(p, W, H)), q, W, H));
  }
  return out;
}

/**
 * The tracking loop's sensitivity: two replica loops started from the same landmarks of frame
 * 0, identical except that the second one's ROI for frame 1 is moved by `epsPx` pixels in x.
 * Returns their mean landmark distance per frame t >= 1 (index t - 1).
 */
export async function perturbationGrowth(replica: LandmarkReplica, frames: readonly RgbFrame[], start: Float32Array, epsPx: number): Promise<number[]> {
  const { width: W, height: H } = frames[0];
  let a = start;
  let b = start;
  const gap: number[] = [];
  for (let t = 1; t < frames.length; t++) {
    const ra = roiFromLandmarks(a, W, H);
    const rb = roiFromLandmarks(b, W, H);
    if (t === 1) rb.cx += epsPx / W;
    a = await replica.landmarks(frames[t], ra);
    b = await replica.landmarks(frames[t], rb);
    gap.push(meanDistancePx(a, b, W, H));
  }
  return gap;
}
