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

export interface NativeBinding {
  ffmpegVersion: string;
  probe(path: string): Promise<NativeProbeResult>;
  openVideo(path: string, options: NativeReaderOptions): Promise<NativeVideoReader>;
  decodeAudio(path: string, sampleRate: number): Promise<NativeAudio>;
  gpuInfo(): NativeGpuInfo;
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
