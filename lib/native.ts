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
  /** Each decoded frame's timestamp in seconds (its pts), in decode-output order; NaN where a frame has none. */
  frameTimes: Float64Array;
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
  /** RGB24 frames converted by theval's vector routine (libswscale's arithmetic) and by libswscale itself. */
  rgbFrames: { simd: number; swscale: number };
  warnings: string[];
}

export interface NativeVideoReader {
  readonly info: NativeVideoInfo;
  readonly frameBytes: number;
  /** Decodes up to `maxFrames` frames into `dst` (frame after frame); resolves with how many. 0 = end. */
  read(dst: Uint8Array | Float32Array, maxFrames: number): Promise<number>;
  stats(): NativeReadStats;
  /** Timestamps (seconds) of the frames read so far, one per frame; NaN where a frame has none. */
  frameTimes(): Float64Array;
  /** Native memory that read() decodes into directly (zero copy), co-owned by pending reads. */
  allocate(bytes: number): ArrayBuffer;
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
  /** The CUDA runtime linked in ('13.0'); '' when CUDA is not compiled in. */
  runtime: string;
  /** libcuda.so.1 (dlopen): present, the CUDA version it supports, why not. */
  driver: { present: boolean; version: string; reason: string };
  deviceList: Array<{ ordinal: number; name: string; memoryMiB: number; computeCapability: string }>;
  /** FFmpeg's cuda hwaccel (NVDEC): compiled in, the decoders offering it, the *_cuvid decoders; usable only with a GPU. */
  nvdec: { available: boolean; hwaccel: boolean; codecs: string[]; cuvidDecoders: string[]; reason: string };
  /** The TensorRT backend ('tensorrt', 'tensorrt-fp16'): compiled in only when TensorRT was found at build time. */
  tensorrt: { compiled: boolean; version?: string; reason: string };
  /** Inference backends the one pass can be given ('cpu', 'cuda', 'cuda-emulated', ...). */
  backends: string[];
}

/** A loaded quality model (BRISQUE or ONNX), shared by every call that uses it. */
export interface NativeQualityModel {
  readonly kind: 'brisque' | 'onnx';
  /** The model file(s): 'model.yml,range.yml' for BRISQUE, the .onnx path for ONNX. */
  readonly source: string;
  /** ONNX only: the graph input, dims N, C, H, W with -1 for a dynamic dim. null for BRISQUE. */
  readonly input: { name: string; dims: number[] } | null;
  /**
   * Scores whole frames (no boxes) or crops of them. `frames` holds `count` RGB24 frames
   * (H x W x 3, packed); it is read in place on a worker thread: do not write it until the
   * promise settles. Resolves with one score per frame / box (NaN = could not score).
   */
  score(frames: Uint8Array, request: NativeScoreRequest): Promise<Float64Array>;
}

export interface NativeScoreRequest {
  width: number;
  height: number;
  count: number;
  /** K x 5: frame index, x0, y0, x1, y1 (pixels; x1, y1 exclusive). Omitted: score whole frames. */
  boxes?: Int32Array | null;
  /** Resize each image to this size before scoring (0 or omitted = as is; a fixed ONNX input size wins). */
  resizeWidth?: number;
  resizeHeight?: number;
}

export interface NativeVideoQualityOptions {
  /** Score every stride-th frame (t % stride == 0). */
  stride: number;
  threads?: number;
  autorotate?: boolean;
  global?: NativeQualityModel | null;
  mouth?: NativeQualityModel | null;
  face?: NativeQualityModel | null;
  /** T x 4 crop boxes (x0, y0, x1, y1; a row starting with -1 = no face in that frame). */
  mouthBoxes?: Int32Array | null;
  faceBoxes?: Int32Array | null;
  globalWidth?: number;
  globalHeight?: number;
  mouthWidth?: number;
  mouthHeight?: number;
  faceWidth?: number;
  faceHeight?: number;
}

export interface NativeVideoQualityResult {
  /** Frames decoded (T). */
  frames: number;
  width: number;
  height: number;
  fps: number;
  /** Frames converted to RGB for scoring (the others were only decoded). */
  convertedFrames: number;
  /** Per-frame scores (length T, NaN where not scored); null when that model was not given. */
  global: Float64Array | null;
  mouth: Float64Array | null;
  face: Float64Array | null;
  warnings: string[];
}

/** Options of the head-pose fit (native/face/pose.h, docs/pose.md). */
export interface NativePoseOptions {
  /**
   * Which points are fitted: 'procrustes', MediaPipe's 33 weighted landmarks; 'uniform', all
   * 468 with equal weights; 'upper' (default), the 309 vertices above the upper lip, equal weights.
   */
  weights?: 'procrustes' | 'uniform' | 'upper';
  /** 0 (default): weak perspective in pixel space; > 0: perspective unprojection with this vertical field of view. */
  verticalFovDegrees?: number;
  /** Also fit the scale of the landmarks' z against x (default false). */
  fitDepthScale?: boolean;
  /** Points per frame in `landmarks`: 468 (default) or 478 (refined; the first 468 are used). */
  points?: 468 | 478;
}

export interface NativePoseDetails {
  /** T x 3: pitch, yaw, roll in degrees (NaN for frames with any non-finite landmark). */
  pose: Float32Array;
  /** T x 9: the head rotation, row-major, canonical -> metric camera frame (x right, y up, z to the camera). */
  rotation: Float32Array;
  /** T: weak perspective: pixels per canonical cm; perspective: 1. */
  scale: Float32Array;
  /** T x 3: the canonical origin in pixel space (weak) or in cm in the camera frame, x right, y down, z forward (perspective). */
  translation: Float32Array;
  /** T: weighted RMS fit error in canonical cm. */
  residual: Float32Array;
  /** T: the fitted depth scale k (landmark z / model z; 1 when fitDepthScale is off). */
  depthScale: Float32Array;
}

/** Options of the native face pass (validated by lib/face/trackFaces.ts). */
export interface NativeFaceOptions {
  /** face_landmark.onnx (needed for profile 'both'). */
  landmarkModel: string;
  /** face_landmark_with_attention.onnx. */
  attentionModel: string;
  /** face_detection_short_range.onnx. */
  detectorModel: string;
  /** face_geometry.json: head pose per frame (native/face/pose.h); omitted = pose NaN. */
  geometry?: string;
  /** 'both' (default): plain + refined configurations; 'refinedOnly': refined only, plain track = its points 0..467. */
  profile: 'both' | 'refinedOnly';
  /** OpenCV's thread pool size (cv::setNumThreads, process-wide); 0 keeps the current setting. */
  threads: number;
  /** Run the two configurations of a frame on two threads. */
  parallel: boolean;
  /** Reference emulation (measurement aid, docs/fidelity.md row 3): detector + landmark models get BGR. Default false. */
  swapRB?: boolean;
  /** Reference quirk cpu-warp: MediaPipe's CPU converter convention for the crops (pixel index = position). Default false (pixel centres). */
  cpuWarp?: boolean;
  /** Static-image mode: detect on every frame, no tracking. Default false. */
  staticMode?: boolean;
  /** Reference emulation (measurement aid, docs/fidelity.md row 4): frames resized to squash x squash (INTER_LINEAR) first. 0 = off (default). */
  squash?: number;
  /** Motion diagnostics per frame pair (native/flow/motion_diagnostics.h). Default false. */
  motion?: boolean;
  /** Side of the face crop / longer side of the frame the optical flow runs on (32..1024, default 128). */
  flowSize?: number;
}

/** Milliseconds of the face stages (native/face/face_pipeline.h FaceTimings), in both the face pass and the one pass. */
export interface NativeFaceStageTimings {
  totalMs: number;
  decodeMs: number;
  detectMs: number;
  plainWarpMs: number;
  plainInferMs: number;
  refinedWarpMs: number;
  refinedInferMs: number;
  /** Face box + head pose. */
  poseMs: number;
  /** The motion diagnostics (optical flow, frame difference); present when they ran. */
  motionMs?: number;
  /** Frames on which the detector ran (the first frame and frames after a face was lost). */
  detectorRuns: number;
}

export interface NativeFaceTimings extends NativeFaceStageTimings {
  /** 0 when the networks came from the addon's pool of loaded models. */
  modelLoadMs: number;
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
  /** frames x 3: pitch, yaw, roll in degrees (docs/pose.md); NaN where no face. */
  pose: Float32Array;
  /** frames x 4 when options.motion: frameDiff, warpError, bgMotion, faceMotion of the pair (t-1, t); NaN at t = 0. */
  motion?: Float32Array;
  warnings: string[];
  timings: NativeFaceTimings;
  /** Present only when a reference-emulation option was in force (measurement aid). */
  emulation?: { swapRB: boolean; squash: number; cpuWarp: boolean; staticMode: boolean };
}

/** runVideoPass options: the face stages (model files) and the quality scorers run inside the one pass. */
export interface NativePassOptions {
  face?: {
    landmarkModel: string;
    attentionModel: string;
    detectorModel: string;
    geometry?: string;
    profile?: 'both' | 'refinedOnly';
    swapRB?: boolean;
    squash?: number;
    cpuWarp?: boolean;
    staticMode?: boolean;
    motion?: boolean;
    flowSize?: number;
    /** Inference backend of the networks: 'cpu', 'cuda:N', 'cuda-emulated' (default: configurePasses' backend). */
    backend?: string;
  } | null;
  /** NVDEC: try FFmpeg's cuda hwaccel on this device, falling back to the CPU with a warning. */
  decode?: { hwaccel?: 'cuda'; device?: number } | null;
  quality?: {
    global?: NativeQualityModel | null;
    mouth?: NativeQualityModel | null;
    face?: NativeQualityModel | null;
    stride?: number;
    faceWidth?: number;
    faceHeight?: number;
  } | null;
  /** Decoded frames handed to JS in batches (quality plug-ins); call release() when done with one. */
  frames?: { batch?: number; onBatch: (batch: NativeFrameBatch, release: () => void) => void } | null;
}

/** `count` RGB24 frames from frame `first` on, with their crop boxes (count x 8: mouth x0 y0 x1 y1, face x0 y0 x1 y1; -1 = none). */
export interface NativeFrameBatch {
  first: number;
  count: number;
  width: number;
  height: number;
  data: Uint8Array;
  boxes: Int32Array;
}

/** Milliseconds per stage of one video's pass: the face stages, then the quality stages. */
export interface NativePassTimings extends NativeFaceStageTimings {
  globalQualityMs: number;
  mouthQualityMs: number;
  faceQualityMs: number;
  frameSinkMs: number;
}

/** One video's pass: face signals (when the face stages ran) and per-frame quality scores (NaN = not scored). */
export interface NativePassResult {
  info: NativeVideoInfo;
  frames: number;
  fps: number;
  width: number;
  height: number;
  profile?: 'both' | 'refinedOnly';
  landmarks?: Float32Array;
  refined?: Float32Array;
  presence?: Float32Array;
  box?: Float32Array;
  pose?: Float32Array;
  /** frames x 4 when face.motion: frameDiff, warpError, bgMotion, faceMotion (docs/diagnostics.md). */
  motion?: Float32Array;
  emulation?: { swapRB: boolean; squash: number; cpuWarp: boolean; staticMode: boolean };
  quality: { global: Float64Array | null; mouth: Float64Array | null; face: Float64Array | null };
  /** Each decoded frame's timestamp in seconds (NaN where it has none), decode order. */
  frameTimes: Float64Array;
  warnings: string[];
  timings: NativePassTimings;
}

export interface NativePassConfig {
  /** Videos in flight (scheduler threads). */
  threads: number;
  /** Copies of each network that may run at once (native/infer/batching_model.h). */
  engines: number;
  maxBatch: number;
  backend: string;
}

export interface NativePassStats {
  running: number;
  networks: Array<{ path: string; backend: string; calls: number; batches: number; items: number; maxBatch: number; engines: number }>;
  /** Decoders opened in this process so far (the throughput bench's decodes per video). */
  decoders: { video: number; audio: number };
  backend: { name: string; device: string; version: string };
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

/** The CUDA backend's graph executor (native/infer/cuda): host emulation or the kernels. */
export interface NativeEmulatedInferSpec extends Omit<NativeInferSpec, 'threads'> {
  backend?: 'host' | 'cuda';
}

export interface NativeEmulatedInferResult {
  outputs: Record<string, Float32Array>;
  ms: number[];
  /** 'host-emulation' or 'cuda'. */
  backend: string;
  stats: { nodes: number; calls: number; arenaFloats: number; unpackedFloats: number; weightFloats: number };
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
  /** The video stream's packet timestamps in seconds, sorted (demuxed, not decoded). */
  videoTimestamps(path: string): Promise<{ times: Float64Array; missing: number; fps: number }>;
  decodeAudio(path: string, sampleRate: number): Promise<NativeAudio>;
  /** Test hook: theval's yuv420p -> rgb24 routine against the system's libswscale (synchronous). */
  checkYuv420Rgb24(options: {
    colorspace: number;
    fullRange: boolean;
    width?: number;
    height?: number;
    exhaustive?: boolean;
    seed?: number;
  }): { pixels: number; vectorMismatches: number; scalarMismatches: number; vectorized: boolean };
  gpuInfo(): NativeGpuInfo;
  /** Loads OpenCV's BRISQUE (quality module) from its SVM model and range files. */
  loadBrisque(modelFile: string, rangeFile: string, device?: string): Promise<NativeQualityModel>;
  /** Loads an ONNX quality model with OpenCV's dnn (maxBatch: images per pass when the batch dim is dynamic). */
  loadOnnxModel(file: string, options: { maxBatch?: number }): Promise<NativeQualityModel>;
  /** Decodes a video once and scores its frames / crops with the given models. */
  scoreVideoQuality(path: string, options: NativeVideoQualityOptions): Promise<NativeVideoQualityResult>;
  /** Bench only: OpenCV's QualityBRISQUE::compute alone on BGR copies of the same images; times compute only. */
  brisqueBare(
    frames: Uint8Array,
    request: NativeScoreRequest,
    modelFile: string,
    rangeFile: string,
  ): Promise<{ seconds: number; cpuSeconds: number; scores: Float64Array }>;
  opencvInfo(): { version: string; threads: number };
  /** cv::setNumThreads (0 = sequential); returns the previous cv::getNumThreads(). Process-wide. */
  setOpenCvThreads(n: number): number;
  /** Head pose per frame (synchronous). Returns T x 3 (pitch, yaw, roll in degrees). */
  estimatePose(
    landmarks: Float32Array,
    width: number,
    height: number,
    geometryPath: string,
    options?: NativePoseOptions,
  ): Float32Array;
  estimatePoseDetails(
    landmarks: Float32Array,
    width: number,
    height: number,
    geometryPath: string,
    options?: NativePoseOptions,
  ): NativePoseDetails;
  analyzeFaces(path: string, options: NativeFaceOptions): Promise<NativeFaceResult>;
  /** One video's one pass on the native scheduler's threads (pipeline/pass_bindings.cc). */
  runVideoPass(path: string, options: NativePassOptions): Promise<NativePassResult>;
  /** Sets (or, without an argument, reads) the scheduler: videos in flight, engines per network, batch cap. */
  configurePasses(config?: Partial<NativePassConfig>): NativePassConfig;
  passStats(): NativePassStats;
  /** Name, device and version of an inference backend ('cpu', 'cuda:N', 'cuda-emulated'); BAD_ARGUMENT when not in this build. */
  inferenceBackend(name: string): { name: string; device: string; version: string };
  /** One audio decode resampled to each rate (0 = native): element k equals decodeAudio(path, rates[k]). */
  decodeAudioRates(path: string, rates: number[]): Promise<NativeAudio[]>;
  inferModel(path: string, spec: NativeInferSpec, input: Float32Array): Promise<NativeInferResult>;
  /** A face network through the CUDA backend's executor (GPU_UNAVAILABLE for 'cuda' without a GPU). */
  inferModelEmulated(path: string, spec: NativeEmulatedInferSpec, input: Float32Array): Promise<NativeEmulatedInferResult>;
  /** BRISQUE through the CUDA backend's per-element functions, on the host (parity hook). */
  brisqueEmulated(grey: Uint8Array, width: number, height: number, modelFile: string, rangeFile: string, backend?: 'host' | 'cuda'): { score: number; features: Float32Array };
  /** Test hook: the kernel of the attention model's native TransformTensorBilinear layer. */
  transformTensorBilinear(features: Float32Array, shape: [number, number, number], matrix: Float32Array, oh: number, ow: number): Float32Array;
  /** The dense optical flow of the motion diagnostics on two grey images (tests, benches). */
  denseFlow(i0: Float32Array, i1: Float32Array, width: number, height: number, options?: { levels?: number; iterations?: number }): { u: Float32Array; v: Float32Array };
  /** The same flow by the CUDA twin (native/cuda/dense_flow.cu); throws GPU_UNAVAILABLE without a GPU. */
  denseFlowGpu(i0: Float32Array, i1: Float32Array, width: number, height: number, options?: { levels?: number; iterations?: number }): { u: Float32Array; v: Float32Array };
  /** The face detector alone on a file's first frame, detections in tracking order. */
  detectFaces(path: string, detectorModel: string): Promise<NativeDetection[]>;
  /** The landmark models' input crop (tests): pixel-centre bilinear warp of a rotated ROI. */
  faceCropTensor(
    rgb: Uint8Array,
    width: number,
    height: number,
    roi: { centerX: number; centerY: number; width: number; height: number; rotation: number },
    options?: { size?: number; rangeMin?: number; rangeMax?: number; border?: 'replicate' | 'zero'; simd?: boolean },
  ): { tensor: Float32Array; map: Float64Array };
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
