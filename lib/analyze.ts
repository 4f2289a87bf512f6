/**
 * One video through the whole pipeline: the one pass (one decode feeding face + quality,
 * docs/pipeline.md) -> audio pass -> metrics -> VideoRecord. With providers that lack the
 * one pass: open -> face pass -> audio pass -> quality pass (its own decode) -> metrics.
 * The passes come from pluggable providers (lib/providers.ts); a pass this build lacks
 * leaves its metrics NaN with an explicit reason.
 *
 * Failure policy: a video that cannot be opened, fingerprinted or face-tracked gives a
 * record with `status: 'error'` and `error: {code, message}` (every metric NaN with the same
 * reason). A failing audio or quality pass only costs the metrics that need it (NaN, reason
 * 'audio pass failed: ...'), because the other metrics are still sound.
 */
import { createHash } from 'node:crypto';
import { fromNative, TheValError } from './errors.js';
import { openVideo, type VideoInfo } from './decode/video.js';
import { frameTimingDrift, frameTimingWarning, measureFrameTiming } from './decode/timing.js';
import { native } from './native.js';
import { parseDevice, parseGpuBackend } from './gpu.js';
import { fingerprint as fingerprintFile, type Fingerprint } from './io/fingerprint.js';
import { frameMean, mouthBox, type QualityImage } from './metrics/quality.js';
import { METRICS, METRIC_IDS, getMetric } from './metrics/registry.js';
import { DIAGNOSTICS, type DiagnosticId } from './diagnostics/registry.js';
import type { MetricId } from './metrics/types.js';
import {
  QUALITY_METRICS,
  UNAVAILABLE,
  checkProviders,
  defaultProviders,
  describeBackend,
  qualityValues,
  type AudioAnalysisResult,
  type BackendInfo,
  type FaceTracksByMetric,
  type ProviderContext,
  type Providers,
  type QualityMetricId,
} from './providers.js';
import { PLAIN_POINTS, REFINED_POINTS, type AudioTracks, type FaceTracks } from './tracks.js';
import { passStages, type PassFrameSink, type PassQuality, type VideoPassResult } from './pipeline/videoPass.js';
import { pluginQualitySink, toQualityImage } from './quality/pluginSink.js';
import { version as toolVersion } from './version.js';
import { CLEAN, profileLabel, toProfile, type Profile, type ProfileName, type ProfileOptions } from './profile.js';

/** Version of the VideoRecord layout (bumped when a field changes meaning). */
export const RECORD_SCHEMA = 1;

/** One metric of one video. `value` is NaN (null in results.jsonl) when there is none; `reason` then says why. */
export interface MetricValue {
  value: number;
  /** Always set when value is NaN; also set for the reference's 0.0-for-nothing convention. */
  reason?: string;
  /** Metric-specific numbers (e.g. head motion's per-angle smoothness, used in its CSV). */
  details?: Record<string, unknown>;
}

/** Milliseconds spent per stage (only the stages that ran). */
export interface StageTimings {
  fingerprint?: number;
  open?: number;
  /** The one pass (decode + face + quality in one, lib/pipeline/videoPass.ts); its stages in `stages`. */
  pass?: number;
  /** Time of each stage of the one pass, summed over the frames, in the order a frame travels. */
  stages?: Record<string, number>;
  face?: number;
  audio?: number;
  quality?: number;
  /** The optional pose pass (providers.pose). */
  pose?: number;
  metrics?: number;
  total: number;
}

/** Which software produced the record's numbers. */
export interface RecordVersions {
  tool: string;
  ffmpeg: string;
  /** OpenCV (dnn, BRISQUE, image ops) the addon runs on; absent in records written before it was recorded. */
  opencv?: string;
  /** 'name version' of each pass's backend; null when the pass is not available. */
  face: string | null;
  audio: string | null;
  quality: Partial<Record<QualityMetricId, string>>;
  /** 'name version' of the pose pass that replaced the face pass's pose for head motion (providers.pose). */
  pose?: string;
  /** The face networks' inference backend, 'name (device kind, version)' (hashed), and the exact device ('cpu', 'cuda:1'); absent in older records. */
  inference?: string;
  device?: string;
}

/**
 * An audio or quality pass that failed while the rest of the video was analysed (its
 * metrics are NaN with reason '<pass> pass failed: ...'). A rerun redoes the video unless
 * the failure is a fact about the file (lib/resume.ts).
 */
export interface PassFailure {
  pass: 'audio' | 'quality' | 'pose';
  code: string;
  message: string;
  /** The run was being abandoned (Ctrl-C twice, an aborted signal) when the pass failed. */
  abandoned?: true;
}

/** The per-video result: one line of results.jsonl. */
export interface VideoRecord {
  schema: number;
  /** The method (model) this video belongs to; set by evaluate(), '' from analyzeVideo alone. */
  method: string;
  /** Absolute path of the input. */
  path: string;
  /** null when the file could not be read. */
  fingerprint: Fingerprint | null;
  /** Hash of the analysis configuration (see analysisConfig); a resume only reuses records with the same hash. */
  configHash: string;
  status: 'ok' | 'error';
  /** Stream facts; frames = frames analysed (from the face pass), or the container's estimate when no pass decoded. */
  video?: { width: number; height: number; fps: number; frames: number; duration: number; codec: string; hasAudio: boolean };
  /** All 8 metric ids, always. A metric left out by the metric selection is NaN with reason 'not requested'. */
  metrics: Record<MetricId, MetricValue>;
  /**
   * Diagnostics beyond THEval (docs/diagnostics.md), never part of the final score unless
   * weighted explicitly. Absent when the face pass produced no motion track (a provider
   * without it, `--no-diagnostics`) or with `diagnostics: false`.
   */
  diagnostics?: Partial<Record<DiagnosticId, MetricValue>>;
  timings: StageTimings;
  warnings: string[];
  versions: RecordVersions;
  /** Set when the whole video failed; `abandoned` when the run was being stopped then (a rerun redoes it). */
  error?: { code: string; message: string; abandoned?: true };
  /** Passes that failed while the record is still 'ok' (see PassFailure); absent when none did. */
  passFailures?: PassFailure[];
  /** Where --save-tracks wrote this video's tracks (relative to the output folder). */
  tracksFile?: string;
  /** The analysis profile (lib/profile.ts): 'clean', 'reference', or a base with toggled quirks. */
  profile?: string;
  /** ISO time the record was finished. */
  finishedAt: string;
}

/** Everything that decides the numbers; its hash keys resume. */
export interface AnalysisConfig {
  tool: string;
  /** FFmpeg and OpenCV versions of the addon: a new decoder or dnn can move a number. */
  libraries: { ffmpeg: string; opencv: string };
  metrics: MetricId[];
  face: BackendInfo | null;
  audio: BackendInfo | null;
  quality: { backend: BackendInfo; scorers: Partial<Record<QualityMetricId, string>> } | null;
  /** The pose pass replacing the face pass's pose for head motion; absent without one (older hashes unchanged). */
  pose?: BackendInfo;
  /** Absent for the clean profile (so clean hashes stay as they were); else the profile and its quirks. */
  profile?: { label: string; quirks: string[] };
}

export interface AnalyzeOptions {
  /** The passes (default: defaultProviders({ profile }), what this build has). */
  providers?: Providers;
  /** 'clean' (default), 'reference', or a profile with toggled quirks (lib/profile.ts); for the default providers. */
  profile?: Profile | ProfileName | ProfileOptions;
  /** Device of the default providers' networks and BRISQUE: 'cpu' (default), 'cuda', 'cuda:N' (lib/gpu.ts). */
  device?: string;
  /** On a cuda device, the engine of the default face provider's networks: 'cuda' (default), 'tensorrt', 'tensorrt-fp16' (lib/gpu.ts). */
  gpuBackend?: string;
  /** Metric subset (default: all 8). */
  metrics?: readonly MetricId[];
  signal?: AbortSignal;
  /** A fingerprint already computed for this file (evaluate() computes it to decide resume). */
  fingerprint?: Fingerprint;
  /** Method name to put in the record. */
  method?: string;
  /** Compute the diagnostics (docs/diagnostics.md) into record.diagnostics (default true). */
  diagnostics?: boolean;
  /** Receives the tracks the passes produced (e.g. to save them), before the record is returned. */
  onTracks?: (tracks: {
    info: VideoInfo;
    face: FaceTracks | null;
    audio: AudioTracks | null;
    /** Per-frame quality scores (NaN = not scored), when the one pass scored them. */
    quality?: Partial<Record<QualityMetricId, Float64Array>>;
  }) => void | Promise<void>;
}

const NOT_REQUESTED = 'not requested';

/** Errors that concern the video itself (not a quality scorer): the whole video fails. */
const VIDEO_ERRORS = new Set(['FILE_NOT_FOUND', 'NOT_MEDIA', 'NO_VIDEO_STREAM', 'NO_FRAMES', 'UNSUPPORTED_CODEC', 'MODEL_MISSING']);

/** Validates a metric selection and puts it in the registry's order. */
export function selectMetrics(metrics?: readonly string[]): MetricId[] {
  if (!metrics) return [...METRIC_IDS];
  const unknown = metrics.filter((m) => !(METRIC_IDS as readonly string[]).includes(m));
  if (unknown.length) {
    throw new TheValError('BAD_ARGUMENT', `unknown metric(s) ${unknown.map((m) => `'${m}'`).join(', ')}; known: ${METRIC_IDS.join(', ')}`);
  }
  if (metrics.length === 0) throw new TheValError('BAD_ARGUMENT', 'the metric selection is empty');
  return METRIC_IDS.filter((id) => metrics.includes(id));
}

/** JSON with sorted keys: the same configuration always hashes the same. */
function canonicalJson(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonicalJson).join(',')}]`;
  if (x && typeof x === 'object') {
    return `{${Object.keys(x)
      .sort()
      .filter((k) => (x as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((x as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(x);
}

/**
 * The analysis configuration and its hash (sha256, first 16 hex digits): tool version,
 * metric selection, and every backend (name, version, details) that feeds a selected
 * metric. The tool version is in it on purpose: a new release may change a number, and a
 * resumed run must never mix numbers from two versions.
 */
export function analysisConfig(providers: Providers, metrics: readonly MetricId[]): { config: AnalysisConfig; hash: string } {
  const need = needs(metrics);
  const q = providers.quality;
  const scorers: Partial<Record<QualityMetricId, string>> = {};
  if (q) for (const id of QUALITY_METRICS) if (metrics.includes(id) && q.scorers[id]) scorers[id] = `${q.scorers[id]!.name} ${q.scorers[id]!.version}`;
  const config: AnalysisConfig = {
    tool: `theval ${toolVersion}`,
    libraries: libraryVersions(),
    metrics: [...metrics],
    face: need.face && providers.face ? providers.face.backend : null,
    audio: need.audio && providers.audio ? providers.audio.backend : null,
    quality: need.quality && q ? { backend: q.backend, scorers } : null,
    pose: metrics.includes('head_motion') && providers.pose ? providers.pose.backend : undefined,
    ...(providers.profile?.quirks.length ? { profile: { label: profileLabel(providers.profile), quirks: [...providers.profile.quirks] } } : {}),
  };
  return { config, hash: createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16) };
}

let libraries: { ffmpeg: string; opencv: string } | undefined;

/** The addon's FFmpeg and OpenCV versions ('unknown' when the addon does not load: every video then fails anyway). */
export function libraryVersions(): { ffmpeg: string; opencv: string } {
  if (libraries) return libraries;
  let ffmpeg = 'unknown', opencv = 'unknown';
  try {
    const n = native();
    ffmpeg = n.ffmpegVersion;
    opencv = n.opencvInfo().version;
  } catch {
    return { ffmpeg, opencv }; // not cached: the error surfaces when a video is opened
  }
  return (libraries = { ffmpeg, opencv });
}

function needs(metrics: readonly MetricId[]): { face: boolean; audio: boolean; quality: boolean } {
  const specs = METRICS.filter((m) => metrics.includes(m.id));
  return {
    face: specs.some((m) => m.id === 'mouth_quality' || m.compute !== undefined),
    audio: specs.some((m) => m.needsAudio),
    quality: specs.some((m) => m.group === 'quality'),
  };
}

function versionsOf(providers: Providers, metrics: readonly MetricId[]): RecordVersions {
  const need = needs(metrics);
  const quality: Partial<Record<QualityMetricId, string>> = {};
  const q = providers.quality;
  if (q && need.quality) for (const id of QUALITY_METRICS) if (metrics.includes(id) && q.scorers[id]) quality[id] = `${q.scorers[id]!.name} ${q.scorers[id]!.version}`;
  const lib = libraryVersions();
  return {
    tool: `theval ${toolVersion}`,
    ffmpeg: lib.ffmpeg,
    opencv: lib.opencv,
    face: need.face && providers.face ? describeBackend(providers.face.backend) : null,
    audio: need.audio && providers.audio ? describeBackend(providers.audio.backend) : null,
    quality,
    ...(metrics.includes('head_motion') && providers.pose ? { pose: describeBackend(providers.pose.backend) } : {}),
    ...(need.face && providers.face && typeof providers.face.backend.details?.inference === 'string'
      ? { inference: providers.face.backend.details.inference, device: providers.face.device ?? 'cpu' }
      : {}),
  };
}

/**
 * The providers of a call: the given ones, or the defaults for its profile. A profile with
 * quirks only changes the built-in passes, so it cannot be combined with given providers
 * made for another profile.
 */
export function providersFor(options: { providers?: Providers; profile?: Profile | ProfileName | ProfileOptions; device?: string; gpuBackend?: string }): Providers {
  const profile = toProfile(options.profile);
  if (!options.providers) {
    return defaultProviders({
      profile,
      ...(options.device !== undefined ? { device: parseDevice(options.device) } : {}),
      ...(options.gpuBackend !== undefined ? { gpuBackend: parseGpuBackend(options.gpuBackend) } : {}),
    });
  }
  const given = profileLabel(options.providers.profile ?? CLEAN);
  if (options.profile !== undefined && given !== profileLabel(profile))
    throw new TheValError('BAD_ARGUMENT', `profile '${profileLabel(profile)}' was asked for, but the given providers were made for '${given}' (defaultProviders({ profile }))`);
  return options.providers;
}

function nan(reason: string): MetricValue {
  return { value: NaN, reason };
}

function errorOf(e: unknown, file: string): { code: string; message: string } {
  const err = fromNative(e);
  const message = err.message.includes(file) ? err.message : `${file}: ${err.message}`;
  return { code: err.code, message };
}

/** Checks the shapes of a face provider's output against the video, so a metric never reads past an array. */
function checkFaceTracks(f: FaceTracks, file: string): void {
  const bad = (msg: string) => new TheValError('INTERNAL', `${file}: face provider returned bad tracks: ${msg}`, file);
  if (!f || typeof f !== 'object') throw bad('not an object');
  if (!(f.fps > 0) || !Number.isFinite(f.fps)) throw bad(`fps ${f.fps}`);
  if (!Number.isInteger(f.frames) || f.frames < 0) throw bad(`frames ${f.frames}`);
  if (!(f.width > 0) || !(f.height > 0)) throw bad(`size ${f.width}x${f.height}`);
  const want: Array<[keyof FaceTracks, number]> = [
    ['landmarks', PLAIN_POINTS * 3],
    ['refined', REFINED_POINTS * 3],
    ['box', 4],
    ['pose', 3],
  ];
  for (const [k, per] of want) {
    const a = f[k] as unknown;
    if (!(a instanceof Float32Array) || a.length !== f.frames * per) {
      throw bad(`${k} must be a Float32Array of ${f.frames} x ${per} values, got ${a instanceof Float32Array ? a.length : typeof a}`);
    }
  }
}

/**
 * The quality pass: decodes every frame once (rgb24), scores whole frames in batches for
 * the whole-frame metrics and each mouth crop alone (no batch padding, METRICS.md 2).
 */
async function qualityPass(
  file: string,
  providers: Providers,
  wanted: QualityMetricId[],
  face: FaceTracks | null,
  ctx: ProviderContext,
): Promise<Partial<Record<QualityMetricId, MetricValue>>> {
  const q = providers.quality!;
  if (q.scoreVideo) return q.scoreVideo(file, face, wanted, ctx);
  const whole = wanted.filter((id) => id !== 'mouth_quality' && q.scorers[id]);
  const mouth = wanted.includes('mouth_quality') && face && q.scorers.mouth_quality ? q.scorers.mouth_quality : undefined;
  const scores = new Map<QualityMetricId, number[]>();
  for (const id of [...whole, ...(mouth ? (['mouth_quality'] as const) : [])]) scores.set(id, []);
  if (scores.size === 0) return {};
  const batch = Math.max(1, q.batchSize ?? 8);
  const reader = await openVideo(file, { format: 'rgb24' });
  try {
    const { width: W, height: H } = reader.info;
    const buf = reader.allocate(batch) as Uint8Array;
    let t = 0;
    for (;;) {
      if (ctx.signal?.aborted) throw new TheValError('INTERNAL', `${file}: abandoned`, file);
      const n = await reader.read(buf, batch);
      if (n === 0) break;
      const images: QualityImage[] = [];
      for (let i = 0; i < n; i++) images.push(toQualityImage(buf.subarray(i * reader.frameBytes, (i + 1) * reader.frameBytes), W, 0, 0, W, H));
      for (const id of whole) {
        const s = await q.scorers[id]!.scoreBatch(images);
        if (s.length !== n) throw new TheValError('INTERNAL', `${q.scorers[id]!.name} returned ${s.length} scores for ${n} images`, file);
        scores.get(id)!.push(...s);
      }
      if (mouth) {
        for (let i = 0; i < n; i++) {
          const box = t + i < face!.frames && (face!.width === W && face!.height === H) ? mouthBox(face!, t + i) : null;
          if (!box) {
            scores.get('mouth_quality')!.push(NaN);
            continue;
          }
          const frame = buf.subarray(i * reader.frameBytes, (i + 1) * reader.frameBytes);
          const s = await mouth.scoreBatch([toQualityImage(frame, W, box.x0, box.y0, box.x1, box.y1)]);
          scores.get('mouth_quality')!.push(s[0] ?? NaN);
        }
      }
      t += n;
    }
    const st = reader.stats();
    for (const w of st.warnings) ctx.warn(`quality pass decode: ${w}`);
    if (face && t !== face.frames) ctx.warn(`quality pass decoded ${t} frames, the face pass ${face.frames}`);
    if (face && (face.width !== W || face.height !== H)) ctx.warn(`face tracks are ${face.width}x${face.height}, frames ${W}x${H}: mouth crops skipped`);
  } finally {
    reader.close();
  }
  const out: Partial<Record<QualityMetricId, MetricValue>> = {};
  for (const [id, s] of scores) {
    const r = frameMean(s, id === 'mouth_quality' ? 'no frame with a face' : 'no scored frame');
    out[id] = { value: r.value, ...(r.reason ? { reason: r.reason } : {}), details: { ...r.details } };
  }
  return out;
}

/** A pose pass's T x 3 / T x 4 arrays fitted to the face pass's T frames (NaN-padded, with a warning). */
function fitPose(p: { pose: Float32Array; box: Float32Array }, T: number, ctx: ProviderContext): { pose: Float32Array; box: Float32Array } {
  if (!(p?.pose instanceof Float32Array) || !(p.box instanceof Float32Array) || p.pose.length / 3 !== p.box.length / 4) {
    throw new TheValError('INTERNAL', 'pose provider must return Float32Arrays pose (T x 3) and box (T x 4)');
  }
  const n = p.pose.length / 3;
  if (n === T) return p;
  ctx.warn(`pose pass gave ${n} frames, the face pass ${T}`);
  const pose = new Float32Array(T * 3).fill(NaN), box = new Float32Array(T * 4).fill(NaN);
  pose.set(p.pose.subarray(0, Math.min(n, T) * 3));
  box.set(p.box.subarray(0, Math.min(n, T) * 4));
  return { pose, box };
}

function elapsed(since: number): number {
  return Math.round((performance.now() - since) * 10) / 10;
}

function blankRecord(file: string, providers: Providers, metrics: MetricId[], options: AnalyzeOptions): VideoRecord {
  const values = {} as Record<MetricId, MetricValue>;
  for (const id of METRIC_IDS) values[id] = nan(NOT_REQUESTED);
  return {
    schema: RECORD_SCHEMA,
    method: options.method ?? '',
    path: file,
    fingerprint: options.fingerprint ?? null,
    configHash: analysisConfig(providers, metrics).hash,
    status: 'ok',
    metrics: values,
    timings: { total: 0 },
    warnings: [],
    versions: versionsOf(providers, metrics),
    profile: profileLabel(providers.profile ?? CLEAN),
    finishedAt: '',
  };
}

/** A record for a video that failed as a whole with error `e` (every selected metric NaN). */
export function errorRecord(file: string, e: unknown, options: AnalyzeOptions = {}): VideoRecord {
  const providers = providersFor(options);
  const metrics = selectMetrics(options.metrics);
  const record = blankRecord(file, providers, metrics, options);
  record.status = 'error';
  record.error = errorOf(e, file);
  for (const id of metrics) record.metrics[id] = nan(`video failed: ${record.error.code}`);
  record.finishedAt = new Date().toISOString();
  return record;
}

/**
 * Analyses one video: every selected metric, with a reason for each NaN. Never rejects for
 * a problem with the video itself (that becomes `status: 'error'`); rejects only for bad
 * options.
 */
export async function analyzeVideo(file: string, options: AnalyzeOptions = {}): Promise<VideoRecord> {
  const t0 = performance.now();
  const providers = providersFor(options);
  checkProviders(providers);
  const metrics = selectMetrics(options.metrics);
  const need = needs(metrics);
  const record = blankRecord(file, providers, metrics, options);
  const { timings, warnings, metrics: values } = record;
  const finish = (): VideoRecord => {
    timings.total = elapsed(t0);
    record.finishedAt = new Date().toISOString();
    return record;
  };
  const fail = (e: unknown): VideoRecord => {
    record.status = 'error';
    record.error = { ...errorOf(e, file), ...(options.signal?.aborted ? { abandoned: true as const } : {}) };
    for (const id of metrics) values[id] = nan(`video failed: ${record.error.code}`);
    return finish();
  };

  const wantedQuality = QUALITY_METRICS.filter((id) => metrics.includes(id));
  let quality: Partial<Record<QualityMetricId, MetricValue>> = {};
  const qualityPerFrame: Partial<Record<QualityMetricId, Float64Array>> = {};
  let qualityFailure: string | undefined;
  let info: VideoInfo;
  let face: FaceTracks | null = null;
  // The one pass's decoded frame times (VFR check without reading the file again).
  let frameTimes: Float64Array | undefined;
  const onePass = need.face && providers.face?.onePass ? providers.face : null;
  // Quality runs inside the one pass when the quality provider offers native scorers.
  let qualityInPass = false;

  if (onePass) {
    // fingerprint, then one decode feeding the face stages and the quality scorers
    try {
      const t = performance.now();
      record.fingerprint = options.fingerprint ?? (await fingerprintFile(file));
      timings.fingerprint = elapsed(t);
    } catch (e) {
      return fail(e);
    }
    let passQuality: PassQuality | null = null;
    // A JS plug-in (scorers only): the pass hands it the decoded frames, no second decode.
    const q = providers.quality;
    const ctx0: ProviderContext = { info: undefined as unknown as VideoInfo, signal: options.signal, warn: (m) => warnings.push(m), metrics };
    const plugin: { sink: PassFrameSink; readonly error: unknown; values(frames: number): unknown } | null =
      need.quality && q && !q.passQuality
        ? q.frameSink
          ? q.frameSink(wantedQuality, ctx0)
          : !q.scoreVideo
            ? pluginQualitySink(q.scorers, wantedQuality, q.batchSize ?? 8)
            : null
        : null;
    if (plugin) qualityInPass = true;
    if (need.quality && providers.quality?.passQuality) {
      qualityInPass = true;
      try {
        passQuality = await providers.quality.passQuality(wantedQuality);
      } catch (e) {
        const err = errorOf(e, file);
        qualityFailure = `quality pass failed: ${err.code}: ${err.message}`;
        warnings.push(qualityFailure);
        (record.passFailures ??= []).push({ pass: 'quality', ...err, ...(options.signal?.aborted ? { abandoned: true as const } : {}) });
      }
    }
    const t = performance.now();
    let r: VideoPassResult;
    try {
      try {
        r = await onePass.onePass!(file, passQuality, plugin?.sink ?? null);
      } catch (e) {
        // A scorer failing mid-pass costs only the quality metrics (as a separate quality
        // pass would): the video is run again without them.
        if (!passQuality || VIDEO_ERRORS.has(fromNative(e).code)) throw e;
        const err = errorOf(e, file);
        qualityFailure = `quality pass failed: ${err.code}: ${err.message}`;
        warnings.push(qualityFailure);
        (record.passFailures ??= []).push({ pass: 'quality', ...err, ...(options.signal?.aborted ? { abandoned: true as const } : {}) });
        r = await onePass.onePass!(file, null);
      }
      if (!r.face) throw new TheValError('INTERNAL', `${file}: the one pass returned no face tracks`, file);
      checkFaceTracks(r.face, file);
    } catch (e) {
      return fail(e);
    }
    timings.pass = elapsed(t);
    timings.stages = passStages(r.timings);
    for (const w of r.warnings) warnings.push(`decode: ${w}`);
    info = r.info;
    face = r.face;
    frameTimes = r.frameTimes;
    if (passQuality && !qualityFailure) {
      quality = qualityValues(wantedQuality, r.quality) as Partial<Record<QualityMetricId, MetricValue>>;
      const role = { global_aesthetic: 'global', mouth_quality: 'mouth', face_quality: 'face' } as const;
      for (const id of wantedQuality) if (r.quality[role[id]]) qualityPerFrame[id] = r.quality[role[id]]!.perFrame;
    }
    let pluginValues: Record<string, { value: number; reason?: string; details?: Record<string, unknown> }> = {};
    let pluginError: unknown = plugin?.error;
    if (plugin && pluginError === undefined) {
      try {
        pluginValues = (await plugin.values(r.face!.frames)) as typeof pluginValues;
      } catch (e) {
        pluginError = e;
      }
    }
    if (plugin && pluginError !== undefined) {
      const err = errorOf(pluginError, file);
      qualityFailure = `quality pass failed: ${err.code}: ${err.message}`;
      warnings.push(qualityFailure);
      (record.passFailures ??= []).push({ pass: 'quality', ...err, ...(options.signal?.aborted ? { abandoned: true as const } : {}) });
    } else if (plugin) {
      for (const [id, v] of Object.entries(pluginValues)) {
        quality[id as QualityMetricId] = { value: v.value, ...(v.reason ? { reason: v.reason } : {}), details: { ...v.details } };
      }
    }
  } else {
  // open: fingerprint + stream facts (no decoding yet)
  try {
    let t = performance.now();
    record.fingerprint = options.fingerprint ?? (await fingerprintFile(file));
    timings.fingerprint = elapsed(t);
    t = performance.now();
    const reader = await openVideo(file);
    info = reader.info;
    reader.close();
    timings.open = elapsed(t);
  } catch (e) {
    return fail(e);
  }
  }
  record.video = {
    width: info.width,
    height: info.height,
    fps: info.fps,
    frames: info.containerFrames,
    duration: info.duration,
    codec: info.codec,
    hasAudio: info.audio !== null,
  };
  const ctx: ProviderContext = { info, signal: options.signal, warn: (m) => warnings.push(m), metrics };

  // face pass (when the one pass did not already run it)
  if (onePass) {
    record.video.frames = face!.frames;
  } else if (need.face && providers.face) {
    const t = performance.now();
    try {
      face = await providers.face.track(file, ctx);
      checkFaceTracks(face, file);
      for (const v of Object.values((face as FaceTracksByMetric).perMetric ?? {})) checkFaceTracks(v, file);
    } catch (e) {
      return fail(e);
    }
    timings.face = elapsed(t);
    record.video.frames = face.frames;
  }

  // pose hook: an external head-pose pass (e.g. FaceXFormer, lib/reference/) replaces the
  // face pass's pose and box, which only head motion reads.
  let poseFailure: string | undefined;
  if (face && providers.pose && metrics.includes('head_motion')) {
    const t = performance.now();
    try {
      face = { ...face, ...fitPose(await providers.pose.estimate(file, ctx), face.frames, ctx) };
    } catch (e) {
      const err = errorOf(e, file);
      poseFailure = `pose pass failed: ${err.code}: ${err.message}`;
      warnings.push(poseFailure);
      (record.passFailures ??= []).push({ pass: 'pose', ...err, ...(options.signal?.aborted ? { abandoned: true as const } : {}) });
    }
    timings.pose = elapsed(t);
  }

  // audio pass (needs T from the face pass; every audio metric also needs the face)
  let audio: AudioAnalysisResult | null = null;
  let audioFailure: string | undefined;
  if (need.audio && face && providers.audio) {
    const t = performance.now();
    // Frame t sits at t / fps on the audio axis; say so when the real frame times drift (VFR).
    const vfr = frameTimes
      ? frameTimingWarning({ ...frameTimingDrift(frameTimes, face.fps), missing: 0 }, face.fps)
      : await measureFrameTiming(file, face.fps).then((m) => frameTimingWarning(m, face!.fps), () => null);
    if (vfr) warnings.push(vfr);
    try {
      audio = await providers.audio.analyze(file, face.fps, face.frames, ctx);
      if (!audio?.tracks || audio.tracks.rms?.length !== face.frames) {
        throw new TheValError('INTERNAL', `audio provider returned ${audio?.tracks?.rms?.length} RMS values for ${face.frames} frames`, file);
      }
      for (const w of audio.warnings ?? []) warnings.push(`audio: ${w}`);
    } catch (e) {
      const err = errorOf(e, file);
      audioFailure = `audio pass failed: ${err.code}: ${err.message}`;
      warnings.push(audioFailure);
      (record.passFailures ??= []).push({ pass: 'audio', ...err, ...(options.signal?.aborted ? { abandoned: true as const } : {}) });
      audio = null;
    }
    timings.audio = elapsed(t);
  }

  // quality pass (when the one pass did not already score the frames)
  if (need.quality && providers.quality && !qualityInPass) {
    const t = performance.now();
    try {
      // A profile may give mouth quality its own tracks (static-mouth): its crops then come
      // from a second quality pass over the video, for that metric alone.
      const mouthTracks = (face as FaceTracksByMetric | null)?.perMetric?.mouth_quality;
      if (mouthTracks && wantedQuality.includes('mouth_quality')) {
        const rest = wantedQuality.filter((id) => id !== 'mouth_quality');
        quality = rest.length ? await qualityPass(file, providers, rest, face, ctx) : {};
        Object.assign(quality, await qualityPass(file, providers, ['mouth_quality'], mouthTracks, ctx));
      } else quality = await qualityPass(file, providers, wantedQuality, face, ctx);
    } catch (e) {
      const err = errorOf(e, file);
      qualityFailure = `quality pass failed: ${err.code}: ${err.message}`;
      warnings.push(qualityFailure);
      (record.passFailures ??= []).push({ pass: 'quality', ...err, ...(options.signal?.aborted ? { abandoned: true as const } : {}) });
    }
    timings.quality = elapsed(t);
  }

  if (options.onTracks) {
    await options.onTracks({ info, face, audio: audio?.tracks ?? null, ...(Object.keys(qualityPerFrame).length ? { quality: qualityPerFrame } : {}) });
  }

  // metrics
  const t = performance.now();
  for (const id of metrics) {
    const spec = getMetric(id);
    if (spec.group === 'quality') {
      const qid = id as QualityMetricId;
      if (quality[qid]) values[id] = quality[qid]!;
      else if (qualityFailure) values[id] = nan(qualityFailure);
      else if (!providers.quality || !providers.quality.scorers[qid]) values[id] = nan(UNAVAILABLE.quality);
      else values[id] = nan(UNAVAILABLE.face); // mouth quality without face tracks
      continue;
    }
    if (!face) {
      values[id] = nan(UNAVAILABLE.face);
      continue;
    }
    if (id === 'head_motion' && poseFailure) {
      values[id] = nan(poseFailure);
      continue;
    }
    let audioTracks: AudioTracks = { hasAudio: false, speech: [], rms: new Float32Array(face.frames).fill(NaN) };
    if (spec.needsAudio) {
      if (!providers.audio) {
        values[id] = nan(info.audio ? UNAVAILABLE.audio : 'no audio');
        continue;
      }
      if (audioFailure) {
        values[id] = nan(audioFailure);
        continue;
      }
      if (audio!.reason) {
        values[id] = nan(audio!.reason);
        continue;
      }
      audioTracks = audio!.tracks;
    }
    try {
      const r = spec.compute!({ face: (face as FaceTracksByMetric).perMetric?.[id] ?? face, audio: audioTracks });
      values[id] = { value: r.value, ...(r.reason ? { reason: r.reason } : {}), ...(r.details ? { details: { ...r.details } } : {}) };
      if (Number.isNaN(r.value) && !r.reason) values[id].reason = 'no value';
    } catch (e) {
      values[id] = nan(`metric failed: ${(e as Error).message}`);
      warnings.push(`${spec.name}: ${(e as Error).message}`);
    }
  }
  // Diagnostics come with the face pass's motion track (a face provider without it, e.g. a
  // plug-in, or --no-diagnostics, leaves the record as before).
  if (face?.motion && options.diagnostics !== false) record.diagnostics = computeDiagnostics(face, audio, audioFailure, providers, info);
  timings.metrics = elapsed(t);
  return finish();
}

/** Every diagnostic of one video (docs/diagnostics.md), each with its NaN reason. */
function computeDiagnostics(
  face: FaceTracks,
  audio: AudioAnalysisResult | null,
  audioFailure: string | undefined,
  providers: Providers,
  info: VideoInfo,
): Partial<Record<DiagnosticId, MetricValue>> {
  const out: Partial<Record<DiagnosticId, MetricValue>> = {};
  const audioReason =
    audioFailure ??
    audio?.reason ??
    (audio ? undefined : !providers.audio ? UNAVAILABLE.audio : !info.audio ? 'no audio' : 'audio pass not run (no synchronization metric selected)');
  const usable = audio && !audio.reason ? audio.tracks : null;
  for (const d of DIAGNOSTICS) {
    try {
      const r = d.compute({ face, audio: usable, audioReason: audioReason ?? 'no audio' });
      out[d.id] = { value: r.value, ...(r.reason ? { reason: r.reason } : {}), ...(r.details ? { details: { ...r.details } } : {}) };
      if (Number.isNaN(r.value) && !r.reason) out[d.id]!.reason = 'no value';
    } catch (e) {
      out[d.id] = nan(`diagnostic failed: ${(e as Error).message}`);
    }
  }
  return out;
}
