import type { FaceTracks } from '../tracks.js';
import { PLAIN_POINTS, REFINED_POINTS } from '../tracks.js';

export type MetricId =
  | 'global_aesthetic'
  | 'mouth_quality'
  | 'face_quality'
  | 'lip_dynamics'
  | 'head_motion'
  | 'eyebrow_dynamics'
  | 'silent_lip_stability'
  | 'lip_sync';

export type MetricGroup = 'quality' | 'naturalness' | 'synchronization';

/**
 * One metric's value for one video. `reason` is always set when `value` is NaN, and also
 * when a metric returns the reference's 0.0 for "nothing to measure" (so a report can
 * tell a real 0 from that convention).
 */
export interface MetricResult<D extends object = object> {
  value: number;
  reason?: string;
  details?: D;
}

/**
 * Read-only view of one landmark track (plain 468 or refined 478 points per frame).
 * Only points 0..467 are read, so the refined track's iris points never enter a metric.
 */
export class LandmarkView {
  readonly stride: number;
  constructor(
    readonly data: Float32Array,
    readonly points: number,
    readonly frames: number,
  ) {
    this.stride = points * 3;
    if (data.length < frames * this.stride) {
      throw new RangeError(
        `landmark track holds ${data.length} floats, expected ${frames} x ${points} x 3 = ${frames * this.stride}`,
      );
    }
  }
  x(t: number, k: number): number {
    return this.data[t * this.stride + k * 3];
  }
  y(t: number, k: number): number {
    return this.data[t * this.stride + k * 3 + 1];
  }
  /** True when every listed point of frame t has finite x and y (a frame without a face is all NaN). */
  has(t: number, ks: readonly number[]): boolean {
    const base = t * this.stride;
    for (const k of ks) {
      if (!Number.isFinite(this.data[base + k * 3]) || !Number.isFinite(this.data[base + k * 3 + 1])) return false;
    }
    return true;
  }
}

/** Refined (478-point attention model) landmarks: lip dynamics, eyebrow dynamics, silent lip stability. */
export function refinedView(face: FaceTracks): LandmarkView {
  return new LandmarkView(face.refined, REFINED_POINTS, face.frames);
}

/** Plain (468-point model) landmarks: lip sync, mouth-quality crop. */
export function plainView(face: FaceTracks): LandmarkView {
  return new LandmarkView(face.landmarks, PLAIN_POINTS, face.frames);
}
