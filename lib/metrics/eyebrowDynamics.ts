import type { FaceTracks } from '../tracks.js';
import { LEFT_BROW, LEFT_EYE, RIGHT_BROW, RIGHT_EYE } from './landmarkSets.js';
import { refinedView, type LandmarkView, type MetricResult } from './types.js';

export interface EyebrowDynamicsDetails {
  /** Frames with a face and an eye distance >= 1e-3 px. */
  keptFrames: number;
  /** Number of absolute changes summed (2 per kept frame after the first). */
  changes: number;
}

const USED = [...LEFT_BROW, ...LEFT_EYE, ...RIGHT_BROW, ...RIGHT_EYE];

function centre(lm: LandmarkView, t: number, ks: readonly number[], W: number, H: number): [number, number] {
  let sx = 0, sy = 0;
  for (const k of ks) {
    sx += lm.x(t, k) * W;
    sy += lm.y(t, k) * H;
  }
  return [sx / ks.length, sy / ks.length];
}

/**
 * Brow-to-eye distance over eye-to-eye distance, left and right (d_L, d_R), of frame t of a
 * refined landmark view in pixels of a W x H frame; null without the points or with the eyes
 * under 1e-3 px apart. (Also the report's per-frame eyebrow series.)
 */
export function browEyeRatios(lm: LandmarkView, t: number, W: number, H: number): [number, number] | null {
  if (!lm.has(t, USED)) return null;
  const eyeL = centre(lm, t, LEFT_EYE, W, H);
  const eyeR = centre(lm, t, RIGHT_EYE, W, H);
  const browL = centre(lm, t, LEFT_BROW, W, H);
  const browR = centre(lm, t, RIGHT_BROW, W, H);
  const scale = Math.hypot(eyeL[0] - eyeR[0], eyeL[1] - eyeR[1]);
  if (scale < 1e-3) return null;
  return [Math.hypot(browL[0] - eyeL[0], browL[1] - eyeL[1]) / scale, Math.hypot(browR[0] - eyeR[0], browR[1] - eyeR[1]) / scale];
}

/**
 * Eyebrow dynamics (METRICS.md 6): refined landmarks in pixels of the displayed frame.
 * Per kept frame, brow-to-eye distance of each side divided by the eye-to-eye distance;
 * per video = mean absolute frame-to-frame change of those ratios over both sides (the
 * released code's definition, not the paper's "std"). Fewer than 2 kept frames -> 0.0.
 */
export function eyebrowDynamics(face: FaceTracks): MetricResult<EyebrowDynamicsDetails> {
  const lm = refinedView(face);
  const W = face.width, H = face.height;
  let prevL = NaN, prevR = NaN;
  let kept = 0, sum = 0, changes = 0;
  for (let t = 0; t < face.frames; t++) {
    const d = browEyeRatios(lm, t, W, H);
    if (!d) continue;
    const [dL, dR] = d;
    if (kept > 0) {
      sum += Math.abs(dL - prevL) + Math.abs(dR - prevR);
      changes += 2;
    }
    prevL = dL;
    prevR = dR;
    kept++;
  }
  if (kept < 2) {
    return { value: 0, reason: 'fewer than 2 frames with a face (0.0, as the reference)', details: { keptFrames: kept, changes: 0 } };
  }
  return { value: sum / changes, details: { keptFrames: kept, changes } };
}
