/**
 * theval: THEval talking-head video evaluation with a native core.
 * The public API. Everything here is safe to use from several evaluations in one process.
 */
export { TheValError, isTheValError, type TheValErrorCode } from './errors.js';
export { probe, openVideo, frames, VideoReader, type VideoInfo, type ProbeResult, type OpenVideoOptions, type Frame, type PixelFormat, type ReadStats } from './decode/video.js';
export { decodeAudio, type DecodedAudio } from './decode/audio.js';
export { frameTimingDrift, measureFrameTiming, frameTimingWarning, type FrameTiming } from './decode/timing.js';
export { analyzeAudio, type AudioAnalysis, type AnalyzeAudioOptions } from './audio/analyzeAudio.js';
export { gpuInfo, type GpuBackend, type GpuInfo } from './gpu.js';
export { version } from './version.js';
export type { FaceTracks, AudioTracks } from './tracks.js';

// Evaluation: one video, a whole run, scoring.
export {
  analyzeVideo,
  analysisConfig,
  selectMetrics,
  RECORD_SCHEMA,
  type VideoRecord,
  type MetricValue,
  type StageTimings,
  type RecordVersions,
  type AnalysisConfig,
  type AnalyzeOptions,
} from './analyze.js';
export {
  evaluate,
  defaultJobs,
  GT_NAME,
  type EvaluateOptions,
  type MethodInputs,
  type ProgressEvent,
  type EvaluationResult,
  type EvaluationSummary,
  type MethodSummary,
} from './evaluate.js';
export { scoreTable as score, type ScoreTableOptions, type ScoreTableResult } from './scoreTable.js';
export { scoreMethods, scoreMethod, normalisedScore, datasetValue, type MethodScore, type MetricValues, type ScoreOptions } from './score.js';
export {
  defaultProviders,
  loadProviders,
  UNAVAILABLE,
  type Providers,
  type FaceProvider,
  type AudioProvider,
  type AudioAnalysisResult,
  type QualityProvider,
  type QualityMetricId,
  type BackendInfo,
  type ProviderContext,
} from './providers.js';
export type { QualityScorer, QualityImage } from './metrics/quality.js';
export { METRICS, METRIC_IDS, type MetricId, type MetricSpec } from './metrics/registry.js';
export { fingerprint, FINGERPRINT_SCHEME, type Fingerprint } from './io/fingerprint.js';
export { readResults, RESULTS_FILE, type ReadResults } from './io/resultsStore.js';
export { listVideos, expandInputs, VIDEO_EXTENSIONS } from './io/inputs.js';
export { writeTracks, writeTracksJson, readTracksJson, TRACKS_LAYOUT } from './io/tracksJson.js';
export { encodeWav } from './io/wav.js';
export { PUBLISHED_GT, PUBLISHED_LEADERBOARD, mixingWarning } from './io/publishedGt.js';
export { formatAggregateCsv, parseAggregateCsv, collectFolder, type AggregateRow } from './io/referenceCsv.js';

// Quality scorers (BRISQUE built-in, ONNX plug-ins) and the default passes.
export { nativeQualityProvider, sileroAudioProvider, type DefaultProviderOptions } from './providers.js';
export { scoreVideoQuality, type VideoQualityOptions, type VideoQualityResult } from './quality/video.js';
export { loadQualityScorers, parseQualityModelOption, type QualityModelPaths, type QualityRole } from './quality/options.js';
export {
  runVideoPass,
  configurePasses,
  schedulerFor,
  type VideoPassResult,
  type PassQuality,
  type PassFaceOptions,
  type PassFrameSink,
  type PassFrameBatch,
} from './pipeline/videoPass.js';
export { trackFaces, defaultFaceModels, type TrackFacesOptions, type FaceTrackResult, type FaceProfile, type FaceModelFiles } from './face/trackFaces.js';

// The reference's own models (pyiqa, FaceXFormer) through a Python worker: docs/reference-models.md.
export { createReferenceProviders, ReferenceBridge, QualityFeeder, type ReferenceProviderOptions, type ReferenceProviders, type WorkerProvenance } from './reference/index.js';
export { publishedComparableMetrics } from './io/publishedGt.js';
export type { PoseProvider } from './providers.js';
export { QUIRKS, QUIRK_IDS, PROFILE_NAMES, resolveProfile, profileLabel, type Profile, type ProfileName, type ProfileOptions, type QuirkId, type QuirkSpec } from './profile.js';
