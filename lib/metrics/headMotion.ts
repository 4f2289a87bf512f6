import type { FaceTracks } from '../tracks.js';
import { diff, populationStd, populationVar } from './stats.js';
import type { MetricResult } from './types.js';

export interface HeadMotionDetails {
  validFrames: number;
  /** var(diff(angle)) per angle, the reference CSV's "... Smoothness" columns (NaN without a face). */
  pitchSmoothness: number;
  yawSmoothness: number;
  rollSmoothness: number;
  /** Mean std of the three angles (degrees). */
  S: number;
  /** Mean smoothness of the three angles. */
  D: number;
  /** Mean variance of the box centre (pixels^2). */
  V: number;
}

/** var(diff(x)), with the reference's 0 when the diff has fewer than 2 elements. */
function smoothness(x: number[]): number {
  const d = diff(x);
  return d.length < 2 ? 0 : populationVar(d);
}

/**
 * Head motion dynamics (METRICS.md 5): sqrt(S*D + V) over the valid frames in order.
 * A valid frame has a finite pose (pitch, yaw, roll in degrees) and a finite face box;
 * frames without one are dropped and differences are taken across the gap.
 * The translation term V is in pixels of the displayed frame (resolution dependent, as the
 * reference). No valid frame -> NaN.
 */
export function headMotion(face: FaceTracks): MetricResult<HeadMotionDetails> {
  const pitch: number[] = [];
  const yaw: number[] = [];
  const roll: number[] = [];
  const cx: number[] = [];
  const cy: number[] = [];
  const { pose, box } = face;
  for (let t = 0; t < face.frames; t++) {
    const p = pose[t * 3], y = pose[t * 3 + 1], r = pose[t * 3 + 2];
    const x0 = box[t * 4], y0 = box[t * 4 + 1], x1 = box[t * 4 + 2], y1 = box[t * 4 + 3];
    if (![p, y, r, x0, y0, x1, y1].every(Number.isFinite)) continue;
    pitch.push(p);
    yaw.push(y);
    roll.push(r);
    cx.push((x0 + x1) / 2);
    cy.push((y0 + y1) / 2);
  }
  const n = pitch.length;
  if (n === 0) {
    return {
      value: NaN,
      reason: 'no face',
      details: { validFrames: 0, pitchSmoothness: NaN, yawSmoothness: NaN, rollSmoothness: NaN, S: NaN, D: NaN, V: NaN },
    };
  }
  const pitchSmoothness = smoothness(pitch);
  const yawSmoothness = smoothness(yaw);
  const rollSmoothness = smoothness(roll);
  const S = (populationStd(pitch) + populationStd(yaw) + populationStd(roll)) / 3;
  const D = (pitchSmoothness + yawSmoothness + rollSmoothness) / 3;
  const V = n >= 2 ? (populationVar(cx) + populationVar(cy)) / 2 : 0;
  return {
    value: Math.sqrt(S * D + V),
    // One frame has no motion to measure: the reference's formula gives 0; say why.
    ...(n < 2 ? { reason: 'only 1 frame with a face: no motion to measure (0.0, as the reference)' } : {}),
    details: { validFrames: n, pitchSmoothness, yawSmoothness, rollSmoothness, S, D, V },
  };
}
