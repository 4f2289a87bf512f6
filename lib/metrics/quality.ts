import type { FaceTracks } from '../tracks.js';
import { LIPS } from './landmarkSets.js';
import { plainView, type MetricResult } from './types.js';
import { nanMean } from './stats.js';

/** An RGB image for a quality model: H x W x 3 floats in [0, 1], row-major. */
export interface QualityImage {
  width: number;
  height: number;
  data: Float32Array;
}

/**
 * A no-reference image quality model (aesthetics, mouth IQA, face IQA). Minimal on
 * purpose: the quality pass owns the real interface. `name`/`version` go into every
 * report, because a GT row only means something for the model that produced it.
 */
export interface QualityScorer {
  name: string;
  version: string;
  /** One score per image, in input order; NaN for an image the model could not score. */
  scoreBatch(images: QualityImage[]): Promise<Float32Array>;
}

export interface FrameMeanDetails {
  scoredFrames: number;
  skippedFrames: number;
}

/**
 * Per-video value of a quality metric: the mean of the per-frame scores, skipping NaN
 * (a frame that was not scored: mouth quality skips frames without a face). NaN when no
 * frame was scored, with `emptyReason`.
 */
export function frameMean(scores: ArrayLike<number>, emptyReason = 'no scored frame'): MetricResult<FrameMeanDetails> {
  const { mean, count: n } = nanMean(scores);
  const details = { scoredFrames: n, skippedFrames: scores.length - n };
  return n === 0 ? { value: NaN, reason: emptyReason, details } : { value: mean, details };
}

/** Crop rectangle in pixels: columns [x0, x1), rows [y0, y1) (Python slice bounds). */
export interface CropBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Mouth-quality crop of frame t (METRICS.md 2): the box spanning the 40 LIPS points of the
 * plain landmarks in pixels (`int(x*W)`, `int(y*H)`, min/max), grown by 10 px per side
 * and clipped to the frame. null without a face or when the clipped box is empty.
 * The max bound is used as an exclusive slice end (frame[y0:y1, x0:x1]).
 */
export function mouthBox(face: FaceTracks, t: number, margin = 10): CropBox | null {
  const lm = plainView(face);
  if (!lm.has(t, LIPS)) return null;
  let xmin = Infinity, ymin = Infinity, xmax = -Infinity, ymax = -Infinity;
  for (const k of LIPS) {
    const x = Math.trunc(lm.x(t, k) * face.width);
    const y = Math.trunc(lm.y(t, k) * face.height);
    xmin = Math.min(xmin, x);
    xmax = Math.max(xmax, x);
    ymin = Math.min(ymin, y);
    ymax = Math.max(ymax, y);
  }
  const box = {
    x0: Math.max(0, xmin - margin),
    y0: Math.max(0, ymin - margin),
    x1: Math.min(face.width, xmax + margin),
    y1: Math.min(face.height, ymax + margin),
  };
  return box.x1 > box.x0 && box.y1 > box.y0 ? box : null;
}
