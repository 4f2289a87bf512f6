/**
 * The per-video analysis is split into three pluggable passes, so the face landmark
 * pipeline, the VAD and the quality models can be developed (and replaced) on their own:
 *
 *   FaceProvider    video path            -> FaceTracks (landmarks, refined, box, pose)
 *   AudioProvider   video path, fps, T    -> AudioTracks (speech segments, RMS per frame)
 *   QualityProvider one QualityScorer per quality metric (images -> scores); analyzeVideo
 *                   gets the frames and crops from the one pass (or decodes them itself).
 *
 * The built-in face provider also offers `onePass` (lib/pipeline/videoPass.ts): one decode
 * feeding the face stages and the built-in quality scorers (`passQuality`), or handing the
 * frames to JS quality plug-ins; analyzeVideo prefers it.
 *
 * A pass that this build does not have is simply absent (`null`): every metric that needs
 * it is then NaN with an explicit reason (UNAVAILABLE below), never a made-up number.
 *
 * Every provider names its backend (name + version + models): that description goes into
 * each VideoRecord and into the configuration hash, because a number (and a GT row) only
 * means something for the models that produced it.
 */
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { analyzeAudio } from './audio/analyzeAudio.js';
import { trackFaces, type FaceProfile, type TrackFacesOptions } from './face/trackFaces.js';
import { FACE_MESH_VERSION } from './models/faceModels.js';
import { CONVERTER_VERSION } from './models/tflite/convert.js';
import { loadQualityScorers, type QualityModelPaths, type QualityRole, type QualityScorers } from './quality/options.js';
import { scoreVideoQuality } from './quality/video.js';
import { TheValError } from './errors.js';
import { fileSha256Sync } from './io/fingerprint.js';
import { SILERO_VAD_V5 } from './models/vadModel.js';
import type { QualityScorer } from './metrics/quality.js';
import type { MetricId } from './metrics/types.js';
import { CLEAN, FRAME_CAP, hasQuirk, profileLabel, type Profile } from './profile.js';
import { native } from './native.js';
import { passBackend, type GpuBackend, type PassDevice } from './gpu.js';
import { passFaceOptions, runVideoPass, trackFacesOnDevice, type PassFrameSink, type PassQuality, type PassQualityOutput, type VideoPassResult } from './pipeline/videoPass.js';
import type { VideoInfo } from './decode/video.js';
import type { AudioTracks, FaceTracks } from './tracks.js';

/** What produced a pass's numbers; recorded per video and hashed into the configuration. */
export interface BackendInfo {
  /** Short name, e.g. 'mediapipe-facemesh-onnx'. */
  name: string;
  /** Version of the backend (package, model file or both), e.g. '0.4.1633559619'. */
  version: string;
  /** Optional: model files and their checksums, inference runtime, device ('cpu', 'cuda'), ... */
  details?: Record<string, string>;
}

/** Passed to every provider call. */
export interface ProviderContext {
  /** The stream facts of the video (displayed size, fps, container frame estimate, audio stream). */
  info: VideoInfo;
  /** Aborted when the run is being abandoned; a provider may stop early (reject) when it fires. */
  signal?: AbortSignal;
  /** Adds a warning to the video's record (e.g. 'face lost in 12 frames'). */
  warn(message: string): void;
  /** The metrics being computed (a provider may skip work only they would need). */
  metrics?: readonly MetricId[];
}

/**
 * Face tracks plus, for a profile with face quirks (lib/profile.ts), the tracks particular
 * metrics read instead (e.g. lip sync from BGR frames): analyzeVideo gives metric `id`
 * `perMetric[id]` when present, else the tracks themselves.
 */
export interface FaceTracksByMetric extends FaceTracks {
  perMetric?: Partial<Record<MetricId, FaceTracks>>;
}

/**
 * Face pass: one call per video, returns the tracks of every decoded frame (NaN where no
 * face). Tracker state must not leak between videos or calls (results must not depend on
 * processing order or on how many videos run at once).
 */
export interface FaceProvider {
  readonly backend: BackendInfo;
  track(videoPath: string, context: ProviderContext): Promise<FaceTracks>;
  /**
   * Optional one pass (the built-in provider): one decode feeds the face stages and the
   * quality scorers `quality` names (from QualityProvider.passQuality). analyzeVideo uses it
   * instead of track() + a second decode for quality when both providers offer it.
   */
  onePass?(videoPath: string, quality: PassQuality | null, frames?: PassFrameSink | null): Promise<VideoPassResult>;
  /** The device its networks run on ('cpu', 'cuda:N', 'cuda-emulated'; lib/gpu.ts): recorded per video, not hashed. */
  readonly device?: string;
  /** On a cuda device, the engine of its networks when not theval's CUDA executor ('tensorrt', 'tensorrt-fp16'; lib/gpu.ts). */
  readonly gpuBackend?: GpuBackend;
}

/** What an AudioProvider returns (lib/audio/analyzeAudio.ts's AudioAnalysis fits this shape). */
export interface AudioAnalysisResult {
  tracks: AudioTracks;
  /**
   * Set when the synchronization metrics cannot use this audio ('no audio', 'empty audio',
   * ...): they are then NaN with this reason.
   */
  reason?: string;
  warnings?: string[];
}

/**
 * Audio pass: speech segments (VAD) and RMS loudness at the video frame times, for a video
 * of `frames` frames at `fps` (taken from the face tracks, so both passes agree on T).
 * A video without an audio stream is not an error: return hasAudio false and a reason.
 */
export interface AudioProvider {
  readonly backend: BackendInfo;
  analyze(videoPath: string, fps: number, frames: number, context: ProviderContext): Promise<AudioAnalysisResult>;
}

export type QualityMetricId = 'global_aesthetic' | 'mouth_quality' | 'face_quality';
export const QUALITY_METRICS: readonly QualityMetricId[] = ['global_aesthetic', 'mouth_quality', 'face_quality'];

/**
 * Quality pass: one image scorer per quality metric (lib/metrics/quality.ts QualityScorer:
 * name, version, scoreBatch(images) -> one score per image, NaN = not scored). analyzeVideo
 * decodes each frame once, hands whole frames to global_aesthetic and face_quality and the
 * mouth crop (plain landmarks, METRICS.md 2; one crop per call, never batch-padded) to
 * mouth_quality. A metric without a scorer is NaN with a reason.
 */
export interface QualityProvider {
  readonly backend: BackendInfo;
  /** The device its built-in scorers run on ('cpu', 'cuda:N', 'cuda-emulated'; lib/gpu.ts). */
  readonly device?: string;
  readonly scorers: Partial<Record<QualityMetricId, QualityScorer>>;
  /** Frames per scoreBatch call for whole-frame metrics (default 8). */
  readonly batchSize?: number;
  /**
   * Optional whole-video path (the built-in native scorers): decodes and scores in native
   * code (crops cut from the frame buffer there) and returns the per-video values. When
   * present, analyzeVideo uses it instead of decoding frames in JS.
   */
  /**
   * Optional: the native scorers the one pass (FaceProvider.onePass) can run inside its own
   * decode, for the wanted metrics.
   */
  passQuality?(wanted: readonly QualityMetricId[]): Promise<PassQuality>;
  /**
   * Optional: a consumer of the one pass's decoded frames (with their mouth and face crop
   * boxes) for scorers outside the addon that want whole batches (the pyiqa worker): the
   * pass hands it the frames, no second decode. Without it, a provider with `scorers` only is
   * fed through lib/quality/pluginSink.ts; one with `scoreVideo` decodes on its own.
   */
  frameSink?(wanted: readonly QualityMetricId[], context: ProviderContext): QualityFrameSink;
  scoreVideo?(
    videoPath: string,
    face: FaceTracks | null,
    wanted: readonly QualityMetricId[],
    context: ProviderContext,
  ): Promise<Partial<Record<QualityMetricId, { value: number; reason?: string; details?: Record<string, unknown> }>>>;
}

/** What QualityProvider.frameSink returns: the pass's sink, the first error, the values once the pass is over. */
export interface QualityFrameSink {
  sink: PassFrameSink;
  readonly error: unknown;
  values(frames: number): Promise<Partial<Record<QualityMetricId, { value: number; reason?: string; details?: Record<string, unknown> }>>>;
}

/**
 * Optional head-pose pass (e.g. FaceXFormer on RetinaFace boxes, lib/reference/): per
 * frame pitch, yaw, roll (degrees) and the face box (pixels) it used, T x 3 and T x 4, NaN
 * without a face. When present they replace the face pass's pose and box for head motion.
 */
export interface PoseProvider {
  readonly backend: BackendInfo;
  estimate(videoPath: string, context: ProviderContext): Promise<{ pose: Float32Array; box: Float32Array }>;
}

/** The three passes (+ an optional pose pass); null (or absent) = not available in this build. */
export interface Providers {
  face?: FaceProvider | null;
  audio?: AudioProvider | null;
  quality?: QualityProvider | null;
  pose?: PoseProvider | null;
  /** The profile the built-in passes were made for (lib/profile.ts); absent = clean. Recorded per video and hashed. */
  profile?: Profile;
}

/** The reasons a metric carries when the pass it needs is missing. */
export const UNAVAILABLE = {
  face: 'face pipeline not available in this build',
  audio: 'voice activity detection (Silero VAD) not available in this build',
  quality: 'image quality model not available in this build',
} as const;

/**
 * The passes this build has. The native face pipeline, the Silero VAD and the quality
 * models are wired in here when they land; until then each is null and its metrics are
 * NaN with an UNAVAILABLE reason. A fresh object per call: no state is shared between
 * evaluations.
 */
export interface DefaultProviderOptions {
  /** 'both' (default, as the reference): plain + refined Face Mesh; 'refinedOnly': faster, see docs/face.md. */
  faceProfile?: FaceProfile;
  /** ONNX models replacing BRISQUE per quality role (`--quality-model`). */
  qualityModels?: QualityModelPaths;
  /** Score every k-th frame for the quality metrics (`--quality-stride`, default 1). */
  qualityStride?: number;
  /**
   * The motion diagnostics in the face pass (optical flow, frame difference; docs/diagnostics.md).
   * Default true; `--no-diagnostics` turns them off (saves their share of the face pass).
   */
  motion?: boolean;
  /** Working size of the optical flow (`--flow-size`, default 128). */
  flowSize?: number;
  /** 'clean' (default) or the reference's quirks (lib/profile.ts). */
  profile?: Profile;
  /** The device of the one pass's networks and BRISQUE (lib/gpu.ts; default 'cpu'). */
  device?: PassDevice;
  /** On a cuda device, the engine of the face networks (lib/gpu.ts; default 'cuda'). */
  gpuBackend?: GpuBackend;
}

export function defaultProviders(options: DefaultProviderOptions = {}): Providers {
  const profile = options.profile ?? CLEAN;
  return {
    face: mediapipeFaceProvider(options.faceProfile, {}, profile, { enabled: options.motion ?? true, flowSize: options.flowSize }, options.device ?? 'cpu', options.gpuBackend),
    audio: sileroAudioProvider({ loudnessSampleRate: hasQuirk(profile, 'loudness-44k') ? 44100 : 0 }),
    quality: nativeQualityProvider({ models: options.qualityModels, stride: options.qualityStride, ...(options.device && options.device !== 'cpu' ? { device: options.device } : {}) }),
    ...(profile.quirks.length ? { profile } : {}),
  };
}

/**
 * The quality pass on the native scorers: BRISQUE (built-in, OpenCV + opencv-data) for
 * every metric, or the ONNX models of `--quality-model` (role -> path). Scorers load lazily
 * on the first video. `stride` scores every k-th frame (1 = every frame, the reference).
 */
export function nativeQualityProvider(options: { models?: QualityModelPaths; stride?: number; device?: PassDevice } = {}): QualityProvider {
  const models = options.models ?? {};
  const stride = options.stride ?? 1;
  // BRISQUE's device: 'cpu' (OpenCV) or the CUDA path (lib/gpu.ts); ONNX models stay on the CPU.
  const device = options.device ?? 'cpu';
  const brisqueEngine = device === 'cpu' ? null : device === 'cuda-emulated' ? 'theval-cuda-emulated' : 'theval-cuda';
  let loaded: Promise<QualityScorers> | undefined;
  const load = (): Promise<QualityScorers> => (loaded ??= loadQualityScorers(models, device !== 'cpu' ? { device } : {}));
  const role: Record<QualityMetricId, QualityRole> = { global_aesthetic: 'global', mouth_quality: 'mouth', face_quality: 'face' };
  // A user model is identified by its bytes, not its name (a replaced file must not reuse old numbers on resume).
  const modelSha = (r: QualityRole): string => {
    try {
      return fileSha256Sync(models[r]!);
    } catch {
      return 'missing'; // loading fails later with MODEL_MISSING, and resume redoes those videos
    }
  };
  const describe = (r: QualityRole): string => (models[r] ? `onnx:${path.basename(models[r]!)} sha256:${modelSha(r)}` : brisqueEngine ? `BRISQUE (built-in, ${brisqueEngine})` : 'BRISQUE (built-in)');
  // Scorer objects for the record/config (names); scoring itself goes through scoreVideo.
  const lazyScorer = (id: QualityMetricId): QualityScorer => ({
    name: models[role[id]] ? `onnx:${path.basename(models[role[id]]!)}` : describe(role[id]),
    version: models[role[id]] ? `onnx sha256:${modelSha(role[id]).slice(0, 16)}` : brisqueEngine ?? 'opencv-quality',
    scoreBatch: async (images) => (await load())[role[id]].scoreBatch(images),
  });
  return {
    device,
    backend: {
      name: 'native quality scorers',
      version: `stride ${stride}`,
      details: { global: describe('global'), mouth: describe('mouth'), face: describe('face'), faceCrop: 'square landmark box, 224x224' },
    },
    scorers: { global_aesthetic: lazyScorer('global_aesthetic'), mouth_quality: lazyScorer('mouth_quality'), face_quality: lazyScorer('face_quality') },
    async passQuality(wanted) {
      const s = await load();
      const want = new Set(wanted);
      return {
        stride,
        scorers: {
          global: want.has('global_aesthetic') ? s.global : null,
          mouth: want.has('mouth_quality') ? s.mouth : null,
          face: want.has('face_quality') ? s.face : null,
        },
      };
    },
    async scoreVideo(videoPath, face, wanted) {
      const s = await load();
      const want = new Set(wanted);
      const r = await scoreVideoQuality(videoPath, {
        stride,
        ...(face ? { tracks: face } : {}),
        scorers: {
          global: want.has('global_aesthetic') ? s.global : null,
          mouth: want.has('mouth_quality') && face ? s.mouth : null,
          face: want.has('face_quality') && face ? s.face : null,
        },
      });
      return qualityValues(wanted, { global: r.global ?? undefined, mouth: r.mouth ?? undefined, face: r.face ?? undefined });
    },
  };
}

/** Per-video quality values from per-role outputs (a wanted metric without one: NaN, no face). */
export function qualityValues(
  wanted: readonly QualityMetricId[],
  byRole: Partial<Record<'global' | 'mouth' | 'face', PassQualityOutput>>,
): Partial<Record<QualityMetricId, { value: number; reason?: string; details?: Record<string, unknown> }>> {
  const out: Partial<Record<QualityMetricId, { value: number; reason?: string; details?: Record<string, unknown> }>> = {};
  const put = (id: QualityMetricId, o: PassQualityOutput | undefined): void => {
    if (!wanted.includes(id)) return;
    if (!o) {
      out[id] = { value: NaN, reason: UNAVAILABLE.face };
      return;
    }
    out[id] = { value: o.result.value, ...(o.result.reason ? { reason: o.result.reason } : {}), details: { ...o.result.details, scorer: `${o.scorer.name} ${o.scorer.version}` } };
  };
  put('global_aesthetic', byRole.global);
  put('mouth_quality', byRole.mouth);
  put('face_quality', byRole.face);
  return out;
}

/**
 * The face pass: MediaPipe Face Mesh (plain + refined configurations, each tracking on its
 * own), natively on OpenCV dnn, with head pose from the canonical face (docs/face.md, pose.md).
 */
/**
 * Reference-emulation switches of the face pass: MEASUREMENT AIDS (bench/fidelity.ts,
 * docs/fidelity.md rows 3-4), not for normal use. When set they appear in the backend
 * details, so records made with them never share a config hash with normal ones.
 */
export interface FaceEmulation {
  /** Detector + landmark models get BGR (the reference's lip-sync script). */
  swapRB?: boolean;
  /** Frames resized to squash x squash before the face pass (the reference: 256, two metrics). */
  squash?: number;
}

/** The motion diagnostics of the face pass (native/flow/): on by default. */
export interface FaceMotionOptions {
  enabled: boolean;
  /** Optical-flow working size (face crop side, frame's longer side), default 128. */
  flowSize?: number;
}

/** What the motion track's numbers depend on (part of the face backend's details, so of the config hash). */
export function describeMotion(m: FaceMotionOptions): string | undefined {
  if (!m.enabled) return undefined;
  return `dense pyramidal Lucas-Kanade (11x11, 4 levels, 3 iterations) at ${m.flowSize ?? 128} px; frame difference on the decoded frames`;
}

/** The first `n` frames of face tracks (views, no copy). */
export function capFaceTracks(f: FaceTracks, n: number): FaceTracks {
  if (f.frames <= n) return f;
  return {
    ...f,
    frames: n,
    landmarks: f.landmarks.subarray(0, n * 468 * 3),
    refined: f.refined.subarray(0, n * 478 * 3),
    box: f.box.subarray(0, n * 4),
    pose: f.pose.subarray(0, n * 3),
  };
}

/**
 * The face pass. With a profile's face quirks (lib/profile.ts) it runs, besides the main
 * pass, only the extra passes the requested metrics need, each a whole face pass of the
 * video: bgr-lipsync (BGR frames, both models; lip sync), squash256 (256x256 frames, refined
 * model only; lip dynamics, silent lip stability), static-mouth (detection on every frame,
 * both models; mouth quality). cpu-warp changes every pass; frame-cap-500 only cuts tracks.
 */
export function mediapipeFaceProvider(
  profile: FaceProfile = 'both',
  emulation: FaceEmulation = {},
  quirks: Profile = CLEAN,
  motion: FaceMotionOptions = { enabled: false },
  device: PassDevice = 'cpu',
  gpuBackend: GpuBackend = 'cuda',
): FaceProvider {
  const motionDetail = describeMotion(motion);
  const backendName = passBackend(device, gpuBackend);
  const cpuWarp = hasQuirk(quirks, 'cpu-warp');
  const emu = {
    ...(emulation.swapRB ? { swapRB: true } : {}),
    ...(emulation.squash ? { squash: emulation.squash } : {}),
    ...(cpuWarp ? { cpuWarp } : {}),
  };
  const passes = {
    lipSync: hasQuirk(quirks, 'bgr-lipsync'),
    squash: hasQuirk(quirks, 'squash256'),
    staticMouth: hasQuirk(quirks, 'static-mouth'),
    cap: hasQuirk(quirks, 'frame-cap-500'),
  };
  // The face passes outside the one pass (the quirks' extra passes, and the main pass when
  // quirks need those): trackFaces on the CPU; on a device, the native pass without quality,
  // so the networks run where the record says they do.
  const trackOn = (videoPath: string, options: TrackFacesOptions): Promise<FaceTracks & { warnings: string[] }> =>
    device === 'cpu' ? trackFaces(videoPath, options) : trackFacesOnDevice(videoPath, options, device, backendName);
  const mainPass: TrackFacesOptions = { profile, ...emu, ...(motion.enabled ? { motion: true, flowSize: motion.flowSize ?? 128 } : {}) };
  return {
    device,
    ...(backendName !== device ? { gpuBackend } : {}),
    backend: {
      // The engine is in the name so that tables' provenance (and the mixing warning of
      // `theval score`) tell the CPU, CUDA and TensorRT backends apart; the CPU name is unchanged.
      name: `mediapipe-facemesh (native, ${engineLabel(backendName)})`,
      version: `@mediapipe/face_mesh@${FACE_MESH_VERSION} converter ${CONVERTER_VERSION}`,
      details: {
        profile,
        pose: 'weighted Procrustes on the canonical face (upper face, weak perspective)',
        box: 'plain landmarks extent',
        // Part of the config hash: records made with the portable graph's dense-MatMul
        // sampler (same outputs within 1e-4 relative) are not mixed with these on resume.
        attentionSampler: 'TransformTensorBilinear as a native OpenCV layer',
        ...(motionDetail ? { motion: motionDetail } : {}),
        // Part of the config hash: records made before the crops were sampled at pixel
        // centres carry a 0.5 (s - 1) px landmark offset and are not mixed with these.
        crops: cpuWarp ? "MediaPipe CPU converter (cv::warpPerspective, pixel index = position)" : 'pixel centres, float bilinear',
        // The inference backend of the one pass (name, device, engine version): part of the
        // config hash, so records from another backend (e.g. CUDA) are never mixed on resume.
        inference: inferenceBackend(backendName),
        ...(emulation.swapRB || emulation.squash
          ? { referenceEmulation: `MEASUREMENT AID: ${[emu.swapRB ? 'swapRB (BGR to the models)' : '', emu.squash ? `squash ${emu.squash}x${emu.squash} bilinear` : ''].filter(Boolean).join(', ')}` }
          : {}),
        // Clean records keep their earlier hash; a profile with quirks never shares one.
        ...(quirks.quirks.length ? { profile: profileLabel(quirks), quirks: quirks.quirks.join(',') } : {}),
      },
    },
    async track(videoPath, context) {
      const r = await trackOn(videoPath, mainPass);
      for (const w of r.warnings) context.warn(`face pass decode: ${w}`);
      const wants = (id: MetricId): boolean => !context.metrics || context.metrics.includes(id);
      const perMetric: Partial<Record<MetricId, FaceTracks>> = {};
      const extra = async (what: string, options: Parameters<typeof trackFaces>[1]): Promise<FaceTracks> => {
        const v = await trackOn(videoPath, { ...options, ...(cpuWarp ? { cpuWarp } : {}) });
        if (v.frames !== r.frames) context.warn(`${what} pass decoded ${v.frames} frames, the main face pass ${r.frames}`);
        return v;
      };
      if (passes.lipSync && wants('lip_sync')) perMetric.lip_sync = await extra('bgr-lipsync', { profile, swapRB: true });
      if (passes.squash && (wants('lip_dynamics') || wants('silent_lip_stability'))) {
        // Only the refined model feeds these two metrics: refinedOnly skips the plain one.
        const v = await extra('squash256', { profile: 'refinedOnly', squash: 256 });
        if (wants('lip_dynamics')) perMetric.lip_dynamics = v;
        if (wants('silent_lip_stability')) perMetric.silent_lip_stability = v;
      }
      if (passes.staticMouth && wants('mouth_quality')) perMetric.mouth_quality = await extra('static-mouth', { profile, staticMode: true });
      if (passes.cap) {
        for (const id of ['lip_dynamics', 'eyebrow_dynamics'] as const) if (wants(id)) perMetric[id] = capFaceTracks(perMetric[id] ?? r, FRAME_CAP);
      }
      return Object.keys(perMetric).length ? { ...r, perMetric } : r;
    },
    // The one pass serves the clean profile (and cpu-warp, which only changes the crops); the
    // quirks that need extra face passes (or mouth crops from another pass) take the separate
    // passes above.
    ...(passes.lipSync || passes.squash || passes.staticMouth || passes.cap
      ? {}
      : {
          async onePass(videoPath: string, quality: PassQuality | null, frames?: PassFrameSink | null): Promise<VideoPassResult> {
            return runVideoPass(videoPath, { face: await passFaceOptions(mainPass, device, backendName), quality, frames });
          },
        }),
  };
}

/**
 * 'name (device, version)' of the one pass's inference backend, or 'unavailable' without the
 * addon. Part of the config hash: the device's ordinal is left out ('cuda', not 'cuda:1'), so
 * a resume on another GPU of the same kind reuses the records (the record keeps the ordinal).
 */
function inferenceBackend(name: string): string {
  try {
    const b = name === 'cpu' ? native().passStats().backend : native().inferenceBackend(name);
    return `${b.name} (${b.device.replace(/^cuda:\d+$/, 'cuda')}, ${b.version})`;
  } catch {
    return 'unavailable';
  }
}

/** The engine part of the face provider's name, for a native backend name (passBackend). */
function engineLabel(backend: string): string {
  if (backend === 'cpu') return 'OpenCV dnn CPU';
  if (backend === 'cuda-emulated') return 'theval-cuda-emulated';
  return backend.startsWith('cuda:') ? 'theval-cuda' : backend;
}

/** The audio pass: Silero VAD v5 segments + RMS loudness at the native rate (lib/audio/). */
export function sileroAudioProvider(options: { loudnessSampleRate?: number } = {}): AudioProvider {
  const rate = options.loudnessSampleRate ?? 0;
  return {
    backend: {
      name: 'silero-vad-v5 + rms',
      version: `${SILERO_VAD_V5.npmPackage}@${SILERO_VAD_V5.npmVersion}`,
      details: {
        model: SILERO_VAD_V5.entry,
        sha256: SILERO_VAD_V5.sha256,
        runtime: 'onnxruntime-node (cpu)',
        loudness: rate ? `resampled to ${rate} Hz (reference quirk loudness-44k)` : 'native sample rate',
      },
    },
    async analyze(videoPath, fps, frames) {
      const a = await analyzeAudio(videoPath, fps, frames, rate ? { loudnessSampleRate: rate } : {});
      return { tracks: a.tracks, reason: a.reason, warnings: a.warnings };
    },
  };
}

/**
 * Plugin / testing hook: loads providers from an ES module (a path or file: URL). The
 * module exports either `providers` (an object with face/audio/quality) or a function
 * `createProviders(): Providers | Promise<Providers>` (called once per evaluation, so
 * each evaluation gets its own instances). Passes the module does not define keep the
 * defaults. The CLI reads the module from `--providers <module>` or the environment
 * variable THEVAL_PROVIDERS; the test suite uses it to inject face tracks with a known truth.
 */
export async function loadProviders(moduleSpec: string, base: Providers = defaultProviders()): Promise<Providers> {
  const url = /^[a-z]+:/i.test(moduleSpec) && !/^[a-z]:[\\/]/i.test(moduleSpec) ? moduleSpec : pathToFileURL(path.resolve(moduleSpec)).href;
  let mod: { providers?: Providers; createProviders?: () => Providers | Promise<Providers>; default?: unknown };
  try {
    mod = (await import(url)) as typeof mod;
  } catch (e) {
    throw new TheValError('BAD_ARGUMENT', `cannot load providers module '${moduleSpec}': ${(e as Error).message}`);
  }
  const got = typeof mod.createProviders === 'function' ? await mod.createProviders() : mod.providers;
  if (!got || typeof got !== 'object') {
    throw new TheValError('BAD_ARGUMENT', `providers module '${moduleSpec}' exports neither 'providers' nor 'createProviders()'`);
  }
  const out: Providers = { ...base };
  for (const k of ['face', 'audio', 'quality', 'pose'] as const) {
    if (k in got) out[k] = got[k] as never;
  }
  checkProviders(out, moduleSpec);
  return out;
}

/** Validates the shape of providers once, before any video is touched. */
export function checkProviders(p: Providers, where = 'providers'): void {
  const bad = (msg: string) => new TheValError('BAD_ARGUMENT', `${where}: ${msg}`);
  const checkBackend = (k: string, b: BackendInfo | undefined) => {
    if (!b || typeof b.name !== 'string' || !b.name || typeof b.version !== 'string') throw bad(`${k}.backend must have a name and a version`);
  };
  if (p.face) {
    checkBackend('face', p.face.backend);
    if (typeof p.face.track !== 'function') throw bad('face.track must be a function');
  }
  if (p.audio) {
    checkBackend('audio', p.audio.backend);
    if (typeof p.audio.analyze !== 'function') throw bad('audio.analyze must be a function');
  }
  if (p.pose) {
    checkBackend('pose', p.pose.backend);
    if (typeof p.pose.estimate !== 'function') throw bad('pose.estimate must be a function');
  }
  if (p.quality) {
    checkBackend('quality', p.quality.backend);
    for (const [id, s] of Object.entries(p.quality.scorers ?? {})) {
      if (!(QUALITY_METRICS as readonly string[]).includes(id)) throw bad(`quality.scorers: '${id}' is not a quality metric`);
      if (!s || typeof s.scoreBatch !== 'function' || typeof s.name !== 'string') throw bad(`quality.scorers.${id} must be a QualityScorer`);
    }
  }
}

/** 'name version' of a backend, for reports. */
export function describeBackend(b: BackendInfo): string {
  return `${b.name} ${b.version}`;
}
