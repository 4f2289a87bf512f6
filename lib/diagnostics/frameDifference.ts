/**
 * Frame difference, as the official THEval repository's Naturalness/frame_motion.py computes
 * it: for each pair of consecutive decoded frames, the mean absolute difference of their
 * 8-bit values over every pixel and channel (colour order does not matter for this mean);
 * per video, the mean over the pairs of its first segment: the script reads at most
 * MAX_FRAMES_PER_SEGMENT = 500 frames (NUM_SEGMENTS = 1), i.e. at most 499 pairs.
 * The per-pair values come from the face pass (native/flow/motion_diagnostics.cc).
 */
import { nanMean } from '../metrics/stats.js';
import type { MetricResult } from '../metrics/types.js';
import type { FaceTracks } from '../tracks.js';
import { MotionColumn, motionSeries, NO_MOTION_TRACK } from './motion.js';

/** frame_motion.py: MAX_FRAMES_PER_SEGMENT * NUM_SEGMENTS. */
export const FRAME_MOTION_MAX_FRAMES = 500;

export function frameDifference(face: FaceTracks): MetricResult<{ pairs: number; capped: boolean }> {
  if (!face.motion) return { value: NaN, reason: NO_MOTION_TRACK, details: { pairs: 0, capped: false } };
  const n = Math.min(face.frames, FRAME_MOTION_MAX_FRAMES);
  const capped = face.frames > FRAME_MOTION_MAX_FRAMES;
  if (n < 2) return { value: NaN, reason: 'fewer than 2 frames', details: { pairs: 0, capped } };
  // The pair (t-1, t) is stored at t: pairs 1..n-1 are those among the first n frames.
  const xs = motionSeries(face, MotionColumn.FrameDiff).subarray(1, n);
  return { value: nanMean(xs).mean, details: { pairs: n - 1, capped } };
}
