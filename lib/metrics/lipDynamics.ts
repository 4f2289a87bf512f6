import type { FaceTracks } from '../tracks.js';
import { LIPS } from './landmarkSets.js';
import { refinedView, type MetricResult } from './types.js';

export interface LipDynamicsDetails {
  validFrames: number;
}

const PAIRS = (LIPS.length * (LIPS.length - 1)) / 2; // 780

/**
 * Lip dynamics (METRICS.md 4): refined landmarks, the 40 LIPS points in the 256x256-squashed
 * space; per video = mean over the 780 point pairs of the population std over valid frames
 * of the pair's Euclidean distance. No valid frame -> 0.0 (the reference's convention; it
 * counts in the dataset mean).
 */
export function lipDynamics(face: FaceTracks): MetricResult<LipDynamicsDetails> {
  const lm = refinedView(face);
  // Welford-free two-pass would need all distances kept; instead accumulate per pair
  // sum and sum of squared deviations from a per-pair shift (the first valid frame's
  // distance), which keeps the one-pass formula numerically safe.
  const shift = new Float64Array(PAIRS);
  const sum = new Float64Array(PAIRS);
  const sumSq = new Float64Array(PAIRS);
  const px = new Float64Array(LIPS.length);
  const py = new Float64Array(LIPS.length);
  let n = 0;
  for (let t = 0; t < face.frames; t++) {
    if (!lm.has(t, LIPS)) continue;
    for (let i = 0; i < LIPS.length; i++) {
      px[i] = lm.x(t, LIPS[i]) * 256;
      py[i] = lm.y(t, LIPS[i]) * 256;
    }
    let p = 0;
    for (let i = 0; i < LIPS.length; i++) {
      for (let j = i + 1; j < LIPS.length; j++, p++) {
        const d = Math.hypot(px[i] - px[j], py[i] - py[j]);
        if (n === 0) shift[p] = d;
        const u = d - shift[p];
        sum[p] += u;
        sumSq[p] += u * u;
      }
    }
    n++;
  }
  if (n === 0) return { value: 0, reason: 'no face (0.0, as the reference)', details: { validFrames: 0 } };
  let total = 0;
  for (let p = 0; p < PAIRS; p++) {
    const m = sum[p] / n;
    total += Math.sqrt(Math.max(0, sumSq[p] / n - m * m));
  }
  if (n === 1) return { value: total / PAIRS, reason: 'only 1 frame with a face: no change to measure (0.0, as the reference)', details: { validFrames: n } };
  return { value: total / PAIRS, details: { validFrames: n } };
}
