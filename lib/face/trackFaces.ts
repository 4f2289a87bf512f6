/**
 * The face pass of one video: MediaPipe Face Mesh (detector, ROI tracking, plain and refined
 * landmark models) in the native addon, one decode for both configurations. Returns the
 * tracks the metric layer reads (lib/tracks.ts FaceTracks) plus presence, timings and
 * decode warnings. See docs/face.md.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fromNative, TheValError } from '../errors.js';
import { prepareFaceModels } from '../models/faceModels.js';
import { modelCacheDir } from '../models/vadModel.js';
import { native, type NativeFaceTimings } from '../native.js';
import type { FaceTracks } from '../tracks.js';

export type FaceProfile = 'both' | 'refinedOnly';

export interface FaceModelFiles {
  landmark: string;
  landmarkAttention: string;
  /**
   * The attention model with its crop sampler as theval's native OpenCV layer (faster,
   * same outputs within 1e-4 relative: test/face-inference.test.ts). Used when given;
   * otherwise `landmarkAttention` runs.
   */
  landmarkAttentionNative?: string;
  detector: string;
  /** face_geometry.json (canonical face for head pose); without it the pose track is NaN. */
  geometry?: string;
}

export interface TrackFacesOptions {
  /**
   * 'both' (default): the plain model feeds `landmarks` and the attention model `refined`,
   * as THEval's reference. 'refinedOnly': only the attention model runs (faster); `landmarks`
   * are then its points 0..467 (measured effect per metric: docs/face.md, docs/fidelity.md).
   */
  profile?: FaceProfile;
  /** Model files; default: prepared (verified, converted if needed) in the model cache. */
  models?: FaceModelFiles;
  /** OpenCV threads (process-wide cv::setNumThreads). Default 1: on 2 cores, OpenCV's pool slows these small networks; parallelism comes from videos side by side. */
  threads?: number;
  /** Run the plain and refined configurations of a frame on two threads (default false: the refined model dominates, so this saves at most the plain model's time and loses under CPU contention; see docs/face.md). */
  parallel?: boolean;
  /**
   * MEASUREMENT AID, not for normal use (docs/fidelity.md row 3): give the detector and the
   * landmark models the frame with R and B swapped, as the reference's lip-sync script does.
   * Default false (theval feeds RGB, as the models were trained).
   */
  swapRB?: boolean;
  /**
   * MEASUREMENT AID, not for normal use (docs/fidelity.md row 4): resize every decoded frame
   * to squash x squash (bilinear, cv2.resize's default) before the face pipeline, as the
   * reference does for lip dynamics and silent lip stability. Landmarks stay normalised.
   * 0 / undefined = off (default).
   */
  squash?: number;
  /**
   * Motion diagnostics (docs/diagnostics.md): per frame pair, the frame difference, the face
   * warping error and the background/face motion from a dense optical flow, in the same
   * decode. Default false. Result: `motion` (T x 4).
   */
  motion?: boolean;
  /** Working size of the optical flow (face crop side and the frame's longer side), 32..1024, default 128. */
  flowSize?: number;
  /**
   * Reference quirk `cpu-warp` (lib/profile.ts): warp the detector's and landmark models'
   * crops with MediaPipe's CPU converter convention (pixel index = position), as the Python
   * package THEval's reference ran. Default false: pixel centres, which is scale-equivariant
   * and matches MediaPipe's own GPU/JS path (docs/parity.md, "The landmark offset").
   */
  cpuWarp?: boolean;
  /**
   * Face Mesh's static-image mode: the detector runs on every frame and no ROI is carried
   * over (reference quirk `static-mouth`: the reference's mouth-quality script). Default false.
   */
  staticMode?: boolean;
}

export interface FaceTrackResult extends FaceTracks {
  profile: FaceProfile;
  /** T x 2: face presence of the plain and refined configurations (0 where the detector found nothing). */
  presence: Float32Array;
  timings: NativeFaceTimings;
  /** What the decoder lost (truncation, damaged packets). Empty when clean. */
  warnings: string[];
  models: FaceModelFiles;
  /** Present only when swapRB / squash (measurement aids) were in force. */
  emulation?: { swapRB: boolean; squash: number; cpuWarp: boolean; staticMode: boolean };
}

let prepared: Promise<FaceModelFiles> | undefined;

/** The face models from the cache (prepared once per process). */
export function defaultFaceModels(): Promise<FaceModelFiles> {
  prepared ??= prepareFaceModels({ cacheDir: path.join(modelCacheDir(), 'face') }).then(
    (m) => ({
      landmark: m.landmark,
      landmarkAttention: m.landmarkAttention,
      landmarkAttentionNative: m.landmarkAttentionNative,
      detector: m.detector,
      geometry: m.geometry,
    }),
    (e: unknown) => {
      prepared = undefined;
      throw e;
    },
  );
  return prepared;
}

export async function trackFaces(file: string, options: TrackFacesOptions = {}): Promise<FaceTrackResult> {
  if (typeof file !== 'string' || file === '') throw new TheValError('BAD_ARGUMENT', 'trackFaces: expected a file path');
  if (!existsSync(file)) throw new TheValError('FILE_NOT_FOUND', `${file}: no such file`, file);
  const profile = options.profile ?? 'both';
  if (profile !== 'both' && profile !== 'refinedOnly')
    throw new TheValError('BAD_ARGUMENT', `trackFaces: profile must be 'both' or 'refinedOnly', not ${String(profile)}`, file);
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 0 || threads > 256)
    throw new TheValError('BAD_ARGUMENT', 'trackFaces: threads must be an integer in 0..256', file);
  const squash = options.squash ?? 0;
  if (!Number.isInteger(squash) || (squash !== 0 && (squash < 16 || squash > 4096)))
    throw new TheValError('BAD_ARGUMENT', 'trackFaces: squash must be 0 (off) or an integer in 16..4096', file);
  const swapRB = options.swapRB ?? false;
  if (typeof swapRB !== 'boolean') throw new TheValError('BAD_ARGUMENT', 'trackFaces: swapRB must be a boolean', file);
  const motion = options.motion ?? false;
  const flowSize = options.flowSize ?? 128;
  if (!Number.isInteger(flowSize) || flowSize < 32 || flowSize > 1024)
    throw new TheValError('BAD_ARGUMENT', 'trackFaces: flowSize must be an integer in 32..1024', file);
  const cpuWarp = options.cpuWarp ?? false;
  if (typeof cpuWarp !== 'boolean') throw new TheValError('BAD_ARGUMENT', 'trackFaces: cpuWarp must be a boolean', file);
  const staticMode = options.staticMode ?? false;
  if (typeof staticMode !== 'boolean') throw new TheValError('BAD_ARGUMENT', 'trackFaces: staticMode must be a boolean', file);
  const models = options.models ?? (await defaultFaceModels());
  let r;
  try {
    r = await native().analyzeFaces(file, {
      landmarkModel: models.landmark,
      attentionModel: models.landmarkAttentionNative ?? models.landmarkAttention,
      detectorModel: models.detector,
      ...(models.geometry ? { geometry: models.geometry } : {}),
      profile,
      threads,
      parallel: options.parallel ?? false,
      ...(swapRB ? { swapRB } : {}),
      ...(squash ? { squash } : {}),
      ...(motion ? { motion, flowSize } : {}),
      ...(cpuWarp ? { cpuWarp } : {}),
      ...(staticMode ? { staticMode } : {}),
    });
  } catch (e) {
    throw fromNative(e);
  }
  return {
    fps: r.fps,
    width: r.width,
    height: r.height,
    frames: r.frames,
    landmarks: r.landmarks,
    refined: r.refined,
    box: r.box,
    pose: r.pose,
    ...(r.motion ? { motion: r.motion } : {}),
    profile: r.profile,
    presence: r.presence,
    timings: r.timings,
    warnings: r.warnings,
    models,
    ...(r.emulation ? { emulation: r.emulation } : {}),
  };
}
