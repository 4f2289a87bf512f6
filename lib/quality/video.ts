/**
 * Whole-video quality scoring for the evaluator: one decode, every stride-th frame scored
 * in native code (global frame; mouth and face crops where boxes are given), per-video
 * values as METRICS.md defines them (mean over scored frames, NaN when none).
 */
import { fromNative, TheValError } from '../errors.js';
import { frameMean, type CropBox, type FrameMeanDetails } from '../metrics/quality.js';
import type { MetricResult } from '../metrics/types.js';
import { native } from '../native.js';
import type { FaceTracks } from '../tracks.js';
import { FACE_CROP_SIZE, packFrameBoxes, qualityBoxes } from './boxes.js';
import { loadQualityScorers, type QualityRole } from './options.js';
import type { NativeQualityScorer } from './scorer.js';

export interface VideoQualityOptions {
  /** Score frames t with t % stride == 0 (default 1: every frame, the reference's behaviour). */
  stride?: number;
  /** Per-frame mouth crop boxes (T rows; null / -1 row = no face). See mouthBox(). */
  mouthBoxes?: Int32Array | ArrayLike<CropBox | null>;
  /** Per-frame square face crop boxes (T rows). See faceCropBox(). */
  faceBoxes?: Int32Array | ArrayLike<CropBox | null>;
  /** Face tracks: mouth and face boxes are computed from them (when the boxes above are not given). */
  tracks?: FaceTracks;
  /** Scorers per metric (default: BRISQUE for each). A role set to null is not scored. */
  scorers?: Partial<Record<QualityRole, NativeQualityScorer | null>>;
  /** Side of the face crop fed to BRISQUE or a dynamic-size ONNX model (default 224). */
  faceSize?: number;
  /** Decoder threads (default 1). */
  threads?: number;
  autorotate?: boolean;
}

export interface QualityMetricOutput {
  result: MetricResult<FrameMeanDetails>;
  /** Per-frame scores, length T; NaN where a frame was not scored (stride, no face). */
  perFrame: Float64Array;
  scorer: { name: string; version: string };
}

export interface VideoQualityResult {
  frames: number;
  width: number;
  height: number;
  fps: number;
  stride: number;
  global: QualityMetricOutput | null;
  mouth: QualityMetricOutput | null;
  face: QualityMetricOutput | null;
  warnings: string[];
}

function boxesArg(b: Int32Array | ArrayLike<CropBox | null> | undefined): Int32Array | undefined {
  if (b === undefined) return undefined;
  if (b instanceof Int32Array) {
    if (b.length % 4 !== 0) throw new TheValError('BAD_ARGUMENT', 'boxes: an Int32Array of T x 4 values');
    return b;
  }
  return packFrameBoxes(b);
}

export async function scoreVideoQuality(path: string, options: VideoQualityOptions = {}): Promise<VideoQualityResult> {
  if (typeof path !== 'string' || path.length === 0) throw new TheValError('BAD_ARGUMENT', 'expected a video path');
  const stride = options.stride ?? 1;
  if (!Number.isInteger(stride) || stride < 1) throw new TheValError('BAD_ARGUMENT', `stride must be a positive integer, got ${stride}`);
  const faceSize = options.faceSize ?? FACE_CROP_SIZE;
  if (!Number.isInteger(faceSize) || faceSize < 8 || faceSize > 4096) {
    throw new TheValError('BAD_ARGUMENT', `faceSize must be an integer in 8..4096, got ${faceSize}`);
  }
  let mouthBoxes = boxesArg(options.mouthBoxes);
  let faceBoxes = boxesArg(options.faceBoxes);
  if (options.tracks && (!mouthBoxes || !faceBoxes)) {
    const b = qualityBoxes(options.tracks);
    mouthBoxes ??= b.mouth;
    faceBoxes ??= b.face;
  }
  const given = options.scorers ?? {};
  const needDefault = (['global', 'mouth', 'face'] as const).some((r) => given[r] === undefined);
  const defaults = needDefault ? await loadQualityScorers() : undefined;
  const pick = (r: QualityRole): NativeQualityScorer | null => (given[r] === undefined ? defaults![r] : given[r]!);
  const global = pick('global');
  const mouth = mouthBoxes ? pick('mouth') : null;
  const face = faceBoxes ? pick('face') : null;
  if (!global && !mouth && !face) throw new TheValError('BAD_ARGUMENT', 'scoreVideoQuality: nothing to score', path);

  let r;
  try {
    r = await native().scoreVideoQuality(path, {
      stride,
      threads: options.threads ?? 1,
      autorotate: options.autorotate ?? true,
      global: global?.model ?? null,
      mouth: mouth?.model ?? null,
      face: face?.model ?? null,
      mouthBoxes: mouth ? mouthBoxes : null,
      faceBoxes: face ? faceBoxes : null,
      faceWidth: faceSize,
      faceHeight: faceSize,
    });
  } catch (e) {
    throw fromNative(e);
  }
  const out = (s: NativeQualityScorer | null, perFrame: Float64Array | null, empty: string): QualityMetricOutput | null =>
    s && perFrame ? { result: frameMean(perFrame, empty), perFrame, scorer: { name: s.name, version: s.version } } : null;
  return {
    frames: r.frames,
    width: r.width,
    height: r.height,
    fps: r.fps,
    stride,
    global: out(global, r.global, 'no scored frame'),
    mouth: out(mouth, r.mouth, 'no frame with a face'),
    face: out(face, r.face, 'no frame with a face'),
    warnings: r.warnings,
  };
}
