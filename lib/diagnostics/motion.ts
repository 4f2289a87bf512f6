/**
 * The optical-flow diagnostics over the face pass's motion track (FaceTracks.motion, T x 4
 * per frame pair: frameDiff, warpError, bgMotion, faceMotion; native/flow/). Per video:
 * the mean over frame pairs where the value is defined (docs/diagnostics.md).
 */
import { nanMean } from '../metrics/stats.js';
import type { MetricResult } from '../metrics/types.js';
import type { FaceTracks } from '../tracks.js';

export const MOTION_VALUES = 4;
export const enum MotionColumn {
  FrameDiff = 0,
  WarpError = 1,
  BgMotion = 2,
  FaceMotion = 3,
}

/** Below this face motion (pixels per frame) the background/face ratio is not defined. */
export const MIN_FACE_MOTION = 0.05;

export const NO_MOTION_TRACK = 'motion diagnostics were not computed (--no-diagnostics)';

/** Column k of the motion track as a T-long series (NaN where undefined). */
export function motionSeries(face: FaceTracks, k: MotionColumn): Float64Array {
  const out = new Float64Array(face.frames).fill(NaN);
  const m = face.motion;
  if (!m) return out;
  for (let t = 0; t < face.frames; t++) out[t] = m[t * MOTION_VALUES + k];
  return out;
}

function definedPairs(xs: Float64Array): number {
  let n = 0;
  for (const x of xs) if (Number.isFinite(x)) n++;
  return n;
}

function meanOf(face: FaceTracks, k: MotionColumn, none: string): MetricResult<{ pairs: number }> {
  if (!face.motion) return { value: NaN, reason: NO_MOTION_TRACK, details: { pairs: 0 } };
  const xs = motionSeries(face, k);
  const pairs = definedPairs(xs);
  if (pairs === 0) return { value: NaN, reason: none, details: { pairs } };
  return { value: nanMean(xs).mean, details: { pairs } };
}

/**
 * Face warping error: grey levels (0..255) of |I(t-1) - warp(I(t))| over the face, occluded
 * pixels removed. Motion explained by the flow costs ~nothing; flicker and boiling texture do.
 */
export function faceWarpingError(face: FaceTracks): MetricResult<{ pairs: number }> {
  if (face.frames < 2) return { value: NaN, reason: 'fewer than 2 frames', details: { pairs: 0 } };
  return meanOf(face, MotionColumn.WarpError, 'no consecutive frames with a face');
}

/** Background motion: mean flow magnitude outside the dilated head, pixels per frame. */
export function backgroundMotion(face: FaceTracks): MetricResult<{ pairs: number; faceMotion: number }> {
  if (face.frames < 2) return { value: NaN, reason: 'fewer than 2 frames', details: { pairs: 0, faceMotion: NaN } };
  const r = meanOf(face, MotionColumn.BgMotion, 'no consecutive frames with a face and a visible background');
  const fm = face.motion ? nanMean(motionSeries(face, MotionColumn.FaceMotion)).mean : NaN;
  return { ...r, details: { pairs: r.details!.pairs, faceMotion: fm } };
}

/**
 * Background motion relative to the face's own motion (mean background / mean face flow
 * magnitude): ~0 for a locked-off camera with a moving head, ~1 when the background is
 * warped along with the head.
 */
export function backgroundMotionRelative(face: FaceTracks): MetricResult<{ background: number; face: number }> {
  const bg = backgroundMotion(face);
  const fm = bg.details!.faceMotion;
  if (Number.isNaN(bg.value)) return { value: NaN, reason: bg.reason!, details: { background: NaN, face: fm } };
  if (!(fm >= MIN_FACE_MOTION)) {
    return { value: NaN, reason: `the face moves less than ${MIN_FACE_MOTION} px per frame`, details: { background: bg.value, face: fm } };
  }
  return { value: bg.value / fm, details: { background: bg.value, face: fm } };
}
