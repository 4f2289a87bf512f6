/**
 * One video's one pass (native/pipeline/): a single decode feeds the face stages (detector,
 * both landmark models, pose) and the built-in quality scorers (whole frame, mouth crop,
 * face crop), on the native scheduler's threads. Returns the face tracks and the per-video
 * quality values exactly as the separate passes did (same arithmetic, same crops), plus
 * the time of each stage.
 *
 * Concurrency: `configurePasses({ threads })` sets how many videos run at once (theval's
 * own threads, not libuv's pool); every video in flight shares one copy of each network
 * (native/infer/batching_model.h), so their model calls are batched together.
 */
import { fromNative, TheValError } from '../errors.js';
import { defaultFaceModels, type FaceProfile, type FaceModelFiles, type FaceTrackResult, type TrackFacesOptions } from '../face/trackFaces.js';
import { frameMean, type FrameMeanDetails } from '../metrics/quality.js';
import type { MetricResult } from '../metrics/types.js';
import { native, type NativeFrameBatch, type NativePassConfig, type NativePassTimings, type NativeVideoInfo } from '../native.js';

export type PassFrameBatch = NativeFrameBatch;

/**
 * Frames for scorers outside the pass (JS quality plug-ins): `onBatch` gets `batch` frames
 * at a time, in order, each with its mouth and face crop boxes; the pass holds at most two
 * batches with JS and waits while the scorers catch up (memory stays bounded).
 */
export interface PassFrameSink {
  batch: number;
  onBatch(batch: PassFrameBatch): Promise<void>;
}
import { FACE_CROP_SIZE } from '../quality/boxes.js';
import type { NativeQualityScorer } from '../quality/scorer.js';

export type PassQualityRole = 'global' | 'mouth' | 'face';

/** The built-in scorers the pass runs (null / absent = not scored), and the frame stride. */
export interface PassQuality {
  stride: number;
  scorers: Partial<Record<PassQualityRole, NativeQualityScorer | null>>;
}

export interface PassFaceOptions {
  profile: FaceProfile;
  models: FaceModelFiles;
  /** Reference-emulation measurement aids (docs/fidelity.md rows 3-4). */
  swapRB?: boolean;
  squash?: number;
  /** Reference quirk cpu-warp (lib/profile.ts): MediaPipe's CPU crop convention. */
  cpuWarp?: boolean;
  /** Face Mesh's static-image mode (reference quirk static-mouth). */
  staticMode?: boolean;
  /** The motion diagnostics (docs/diagnostics.md) in the same pass, at this flow size. */
  motion?: { flowSize: number };
  /** The device of the networks (lib/gpu.ts): 'cpu' (default), 'cuda:N', 'cuda-emulated'; a cuda device also tries NVDEC. */
  device?: string;
  /** The native inference backend when it is not the device's default (lib/gpu.ts passBackend: 'tensorrt', 'tensorrt-fp16'). */
  backend?: string;
}

export interface PassQualityOutput {
  result: MetricResult<FrameMeanDetails>;
  /** Per-frame scores, length T; NaN where a frame was not scored (stride, no face). */
  perFrame: Float64Array;
  scorer: { name: string; version: string };
}

export interface VideoPassResult {
  info: NativeVideoInfo;
  face: Omit<FaceTrackResult, 'timings' | 'models'> | null;
  quality: Partial<Record<PassQualityRole, PassQualityOutput>>;
  /** Each decoded frame's timestamp in seconds (NaN where none): the VFR check needs no second read. */
  frameTimes: Float64Array;
  warnings: string[];
  timings: NativePassTimings;
}

/**
 * Stage times of a pass in results.jsonl (ms, summed over the frames): the one pass's
 * stages in the order a frame travels.
 */
export function passStages(t: NativePassTimings): Record<string, number> {
  const r = (ms: number): number => Math.round(ms * 10) / 10;
  return {
    decode: r(t.decodeMs),
    detect: r(t.detectMs),
    landmarks: r(t.plainWarpMs + t.plainInferMs),
    refinedLandmarks: r(t.refinedWarpMs + t.refinedInferMs),
    pose: r(t.poseMs),
    ...(t.motionMs !== undefined ? { motion: r(t.motionMs) } : {}),
    globalQuality: r(t.globalQualityMs),
    mouthQuality: r(t.mouthQualityMs),
    faceQuality: r(t.faceQualityMs),
  };
}

/**
 * The scheduler set-up for `jobs` videos in flight on the CPU backend: one engine (network
 * copy) per video in flight. Measured on 2 cores (docs/benchmarks.md, throughput): with one
 * engine per two videos, calls that meet at a network mostly wait for each other instead
 * of forming batches (two videos rarely have two calls pending at once), and OpenCV dnn gains
 * little per item from a batch: in one run evaluate took 29% more wall time than the
 * separate passes for the same CPU time (46.7 vs 60.2 frames/s); with one engine per
 * video, 27.0 vs 25.4 (a noisier run).
 * A GPU backend would use one engine and let the batches grow.
 */
export function schedulerFor(jobs: number, device = 'cpu'): Partial<NativePassConfig> {
  // On a GPU one engine per network takes every video's calls, so batches form (one kernel
  // launch per node for a whole batch: native/infer/cuda/cuda_backend.cc).
  if (device.startsWith('cuda:')) return { threads: jobs, engines: 1, maxBatch: 64 };
  return { threads: jobs, engines: jobs };
}

/** Sets how many videos the native scheduler runs at once (and, optionally, its batching). */
export function configurePasses(config: Partial<NativePassConfig>): NativePassConfig {
  for (const k of ['threads', 'engines', 'maxBatch'] as const) {
    const v = config[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 1024)) {
      throw new TheValError('BAD_ARGUMENT', `configurePasses: ${k} must be an integer in 1..1024, got ${v}`);
    }
  }
  try {
    return native().configurePasses(config);
  } catch (e) {
    throw fromNative(e);
  }
}

export async function runVideoPass(
  file: string,
  options: { face: PassFaceOptions | null; quality: PassQuality | null; frames?: PassFrameSink | null },
): Promise<VideoPassResult> {
  if (typeof file !== 'string' || file === '') throw new TheValError('BAD_ARGUMENT', 'runVideoPass: expected a file path');
  const q = options.quality;
  if (q && (!Number.isInteger(q.stride) || q.stride < 1)) throw new TheValError('BAD_ARGUMENT', `stride must be a positive integer, got ${q.stride}`, file);
  const f = options.face;
  // Mouth and face crops come from the landmarks: without the face stages they are not scored.
  const pick = (role: PassQualityRole): NativeQualityScorer | null => (q?.scorers[role] && (role === 'global' || f) ? q.scorers[role]! : null);
  const scorers = { global: pick('global'), mouth: pick('mouth'), face: pick('face') };
  const sink = options.frames;
  if (sink && (!Number.isInteger(sink.batch) || sink.batch < 1 || sink.batch > 256)) {
    throw new TheValError('BAD_ARGUMENT', `frames.batch must be an integer in 1..256, got ${sink.batch}`, file);
  }
  // Batches are scored one after another (a plug-in sees frames in order); the first
  // failure is kept and rethrown once the pass is over.
  let chain: Promise<void> = Promise.resolve();
  let sinkError: unknown;
  const onBatch = (b: PassFrameBatch, release: () => void): void => {
    chain = chain
      .then(() => (sinkError === undefined ? sink!.onBatch(b) : undefined))
      .catch((e: unknown) => {
        sinkError ??= e;
      })
      .finally(release);
  };
  let r;
  try {
    r = await native().runVideoPass(file, {
      ...(sink ? { frames: { batch: sink.batch, onBatch } } : {}),
      face: f
        ? {
            landmarkModel: f.models.landmark,
            attentionModel: f.models.landmarkAttentionNative ?? f.models.landmarkAttention,
            detectorModel: f.models.detector,
            ...(f.models.geometry ? { geometry: f.models.geometry } : {}),
            profile: f.profile,
            ...(f.swapRB ? { swapRB: true } : {}),
            ...(f.squash ? { squash: f.squash } : {}),
            ...(f.cpuWarp ? { cpuWarp: true } : {}),
            ...(f.staticMode ? { staticMode: true } : {}),
            ...(f.motion ? { motion: true, flowSize: f.motion.flowSize } : {}),
            ...(f.backend ? { backend: f.backend } : f.device && f.device !== 'cpu' ? { backend: f.device } : {}),
          }
        : null,
      // NVDEC for a cuda device (the emulated one too: with no driver it is the fallback path).
      ...(f?.device && f.device !== 'cpu' ? { decode: { hwaccel: 'cuda' as const, device: f.device.startsWith('cuda:') ? Number(f.device.slice(5)) : 0 } } : {}),
      quality: q
        ? {
            global: scorers.global?.model ?? null,
            mouth: scorers.mouth?.model ?? null,
            face: scorers.face?.model ?? null,
            stride: q.stride,
            faceWidth: FACE_CROP_SIZE,
            faceHeight: FACE_CROP_SIZE,
          }
        : null,
    });
  } catch (e) {
    throw fromNative(e);
  }
  await chain;
  if (sinkError !== undefined) throw sinkError;
  const quality: Partial<Record<PassQualityRole, PassQualityOutput>> = {};
  const empty: Record<PassQualityRole, string> = { global: 'no scored frame', mouth: 'no frame with a face', face: 'no frame with a face' };
  for (const role of ['global', 'mouth', 'face'] as const) {
    const s = scorers[role];
    const perFrame = r.quality[role];
    if (s && perFrame) quality[role] = { result: frameMean(perFrame, empty[role]), perFrame, scorer: { name: s.name, version: s.version } };
  }
  const face =
    f && r.landmarks
      ? {
          fps: r.fps,
          width: r.width,
          height: r.height,
          frames: r.frames,
          landmarks: r.landmarks,
          refined: r.refined!,
          box: r.box!,
          pose: r.pose!,
          ...(r.motion ? { motion: r.motion } : {}),
          profile: r.profile!,
          presence: r.presence!,
          warnings: r.warnings,
          ...(r.emulation ? { emulation: r.emulation } : {}),
        }
      : null;
  return { info: r.info, face, quality, frameTimes: r.frameTimes, warnings: r.warnings, timings: r.timings };
}

/**
 * The one pass's face options for trackFaces' options on `device` (with `backend`, e.g.
 * 'tensorrt', when it is not the device's default; lib/gpu.ts passBackend).
 */
export async function passFaceOptions(options: TrackFacesOptions, device: string, backend?: string): Promise<PassFaceOptions> {
  return {
    profile: options.profile ?? 'both',
    models: options.models ?? (await defaultFaceModels()),
    ...(options.swapRB ? { swapRB: true } : {}),
    ...(options.squash ? { squash: options.squash } : {}),
    ...(options.cpuWarp ? { cpuWarp: true } : {}),
    ...(options.staticMode ? { staticMode: true } : {}),
    ...(options.motion ? { motion: { flowSize: options.flowSize ?? 128 } } : {}),
    ...(device !== 'cpu' ? { device } : {}),
    ...(backend && backend !== device ? { backend } : {}),
  };
}

/**
 * The face tracks of one video on a device (lib/gpu.ts): trackFaces' options through the one
 * pass without quality, so the networks run on `device`. trackFaces is the CPU path.
 */
export async function trackFacesOnDevice(
  file: string,
  options: TrackFacesOptions,
  device: string,
  backend?: string,
): Promise<Omit<FaceTrackResult, 'timings' | 'models'> & { warnings: string[] }> {
  const p = await runVideoPass(file, { face: await passFaceOptions(options, device, backend), quality: null });
  return { ...p.face!, warnings: p.warnings };
}
