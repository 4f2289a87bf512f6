/**
 * The one place that loads the addon and types what it returns. Everything else imports
 * from here. The addon is found by node-gyp-build: prebuilds/<platform>-<arch>/*.node
 * first, then build/Release/theval.node (a local cmake-js or node-gyp build).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { TheValError } from './errors.js';

export interface NativeVideoInfo {
  path: string;
  /** Displayed size: after the display-rotation metadata is applied (when autorotate is on). */
  width: number;
  height: number;
  /** Coded size as stored in the stream. */
  codedWidth: number;
  codedHeight: number;
  /** Display rotation in degrees clockwise, one of 0, 90, 180, 270. */
  rotation: number;
  /** Whether frames are delivered rotated (width/height above then already swapped). */
  autorotate: boolean;
  /** Average frame rate (avg_frame_rate, else r_frame_rate). */
  fps: number;
  /** The container's frame count estimate (nb_frames), or -1 when unknown. */
  containerFrames: number;
  /** Duration in seconds (container), or NaN when unknown. */
  duration: number;
  codec: string;
  pixelFormat: string;
  bitRate: number;
  audio: NativeAudioStreamInfo | null;
}

export interface NativeAudioStreamInfo {
  codec: string;
  sampleRate: number;
  channels: number;
  duration: number;
}

export interface NativeProbeResult extends NativeVideoInfo {
  /** Frames actually decoded. */
  frameCount: number;
  /** Packets the decoder rejected and frames flagged corrupt. */
  decodeErrors: number;
  corruptFrames: number;
  /** Human-readable notes about what was lost (truncation, errors). Empty when clean. */
  warnings: string[];
}

export interface NativeReaderOptions {
  threads: number;
  autorotate: boolean;
  format: 'rgb24' | 'rgbf32';
  gpu: boolean;
}

export interface NativeReadStats {
  framesRead: number;
  decodeErrors: number;
  corruptFrames: number;
  warnings: string[];
}

export interface NativeVideoReader {
  readonly info: NativeVideoInfo;
  readonly frameBytes: number;
  /** Decodes up to `maxFrames` frames into `dst` (frame after frame); resolves with how many. 0 = end. */
  read(dst: Uint8Array | Float32Array, maxFrames: number): Promise<number>;
  stats(): NativeReadStats;
  close(): void;
}

export interface NativeAudio {
  samples: Float32Array;
  sampleRate: number;
  sourceSampleRate: number;
  sourceChannels: number;
  codec: string;
  decodeErrors: number;
  warnings: string[];
}

export interface NativeGpuInfo {
  compiled: boolean;
  available: boolean;
  reason: string;
  devices: string[];
}

/** Options of the native face pass (validated by lib/face/trackFaces.ts). */
export interface NativeFaceOptions {
  /** face_landmark.onnx (needed for profile 'both'). */
  landmarkModel: string;
  /** face_landmark_with_attention.onnx. */
  attentionModel: string;
  /** face_detection_short_range.onnx. */
  detectorModel: string;
  /** 'both' (default): plain + refined configurations; 'refinedOnly': refined only, plain track = its points 0..467. */
  profile: 'both' | 'refinedOnly';
  /** OpenCV's thread pool size (cv::setNumThreads, process-wide); 0 keeps the current setting. */
  threads: number;
  /** Run the two configurations of a frame on two threads. */
  parallel: boolean;
}

export interface NativeFaceTimings {
  totalMs: number;
  decodeMs: number;
  detectMs: number;
  plainWarpMs: number;
  plainInferMs: number;
  refinedWarpMs: number;
  refinedInferMs: number;
  /** 0 when the networks came from the addon's pool of loaded models. */
  modelLoadMs: number;
  /** Frames on which the detector ran (the first frame and frames after a face was lost). */
  detectorRuns: number;
  parallel: boolean;
  cvThreads: number;
  backend: string;
}

/** One video's face pass. Arrays are frame-major; NaN where no face. External buffers (no copy). */
export interface NativeFaceResult {
  path: string;
  frames: number;
  fps: number;
  width: number;
  height: number;
  profile: 'both' | 'refinedOnly';
  /** frames x 468 x 3. */
  landmarks: Float32Array;
  /** frames x 478 x 3. */
  refined: Float32Array;
  /** frames x 2: plain, refined face presence (sigmoid of the face flag); 0 where the detector found no face. */
  presence: Float32Array;
  /** frames x 4: x0, y0, x1, y1 in pixels (min / max of the plain landmarks). */
  box: Float32Array;
  /** frames x 3: pitch, yaw, roll in degrees (NaN until head pose is merged from branch `pose`). */
  pose: Float32Array;
  warnings: string[];
  timings: NativeFaceTimings;
}

export interface NativeInferSpec {
  /** Per-item NHWC input shape, e.g. [192, 192, 3]. */
  inputShape: number[];
  outputNames: string[];
  /** Per-item element count of each output. */
  outputElems: number[];
  batch?: number;
  repeats?: number;
  threads?: number;
}

export interface NativeInferResult {
  outputs: Record<string, Float32Array>;
  /** Wall time of each repeat of the whole batch, ms. */
  ms: number[];
  /** False when the graph fixes the batch at 1 and the batch ran item by item. */
  batchedNatively: boolean;
  backend: string;
  threads: number;
}

export interface NativeDetection {
  /** x0, y0, x1, y1 in pixels. */
  box: [number, number, number, number];
  score: number;
  /** 6 BlazeFace keypoints (x, y pixels): eyes, nose tip, mouth, ear tragions. */
  keypoints: number[];
}

export interface NativeBinding {
  ffmpegVersion: string;
  probe(path: string): Promise<NativeProbeResult>;
  openVideo(path: string, options: NativeReaderOptions): Promise<NativeVideoReader>;
  decodeAudio(path: string, sampleRate: number): Promise<NativeAudio>;
  gpuInfo(): NativeGpuInfo;
  analyzeFaces(path: string, options: NativeFaceOptions): Promise<NativeFaceResult>;
  inferModel(path: string, spec: NativeInferSpec, input: Float32Array): Promise<NativeInferResult>;
  /** The face detector alone on a file's first frame, detections in tracking order. */
  detectFaces(path: string, detectorModel: string): Promise<NativeDetection[]>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** Package root: lib/ and dist/ both sit one level below it. */
export const packageRoot = path.resolve(here, '..');

let cached: NativeBinding | undefined;

export function native(): NativeBinding {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  try {
    const load = require('node-gyp-build') as (dir: string) => NativeBinding;
    cached = load(packageRoot);
  } catch (e) {
    throw new TheValError(
      'NATIVE_MISSING',
      `theval's native addon could not be loaded (${(e as Error).message}). ` +
        'Build it with `npm run build:native` (needs the FFmpeg -dev packages: see README, Install).',
    );
  }
  return cached;
}
