/**
 * Per-video audio pass: decode once at 16 kHz (VAD) and once at the loudness rate, then
 * compute the AudioTracks the synchronization metrics read.
 *
 * Decoding is the native addon's (`native().decodeAudio(path, sampleRate)`, 0 = the
 * stream's own rate; mono float32). A video without an audio stream (native error code
 * NO_AUDIO_STREAM) is not an error here: `hasAudio` is false and `reason` says why the sync
 * metrics will be NaN.
 */
import { fromNative, TheValError } from '../errors.js';
import { native, type NativeAudio } from '../native.js';
import type { AudioTracks } from '../tracks.js';
import { frameRms } from './loudness.js';
import { speechSegments, type SpeechSegmentOptions } from './speechSegments.js';
import { VAD_SAMPLE_RATE, type VadOptions } from './vad.js';

export interface AnalyzeAudioOptions extends SpeechSegmentOptions, VadOptions {
  /**
   * Sample rate of the loudness curve: 0 = the stream's own rate (default). The reference
   * decoded to 44100 Hz; docs/audio.md gives the measured difference.
   */
  loudnessSampleRate?: number;
}

export interface AudioAnalysis {
  tracks: AudioTracks;
  /** Why the sync metrics cannot use this audio (undefined when they can). */
  reason?: 'no audio' | 'empty audio';
  /** Source stream facts and decoder notes (null without audio). */
  source: { codec: string; sampleRate: number; channels: number; loudnessSampleRate: number } | null;
  decodeErrors: number;
  warnings: string[];
}

/** Builds the analysis from already decoded audio (pure; this is what the tests exercise). */
export async function analyzeDecodedAudio(
  vad16k: NativeAudio | null,
  loud: NativeAudio | null,
  fps: number,
  frames: number,
  opts: AnalyzeAudioOptions = {},
): Promise<AudioAnalysis> {
  if (!vad16k || !loud) {
    return {
      tracks: { hasAudio: false, speech: [], rms: new Float32Array(frames).fill(NaN) },
      reason: 'no audio',
      source: null,
      decodeErrors: 0,
      warnings: [],
    };
  }
  const source = {
    codec: loud.codec,
    sampleRate: loud.sourceSampleRate,
    channels: loud.sourceChannels,
    loudnessSampleRate: loud.sampleRate,
  };
  const warnings = [...vad16k.warnings, ...loud.warnings.filter((w) => !vad16k.warnings.includes(w))];
  const decodeErrors = Math.max(vad16k.decodeErrors, loud.decodeErrors);
  if (vad16k.samples.length === 0 || loud.samples.length === 0) {
    return {
      tracks: { hasAudio: true, speech: [], rms: new Float32Array(frames).fill(NaN) },
      reason: 'empty audio',
      source,
      decodeErrors,
      warnings,
    };
  }
  const speech = await speechSegments(vad16k.samples, opts);
  const rms = frameRms(loud.samples, loud.sampleRate, fps, frames);
  return { tracks: { hasAudio: true, speech, rms }, source, decodeErrors, warnings };
}

/** Decodes the audio of `path` and computes its AudioTracks for a video of `frames` frames at `fps`. */
export async function analyzeAudio(
  path: string,
  fps: number,
  frames: number,
  opts: AnalyzeAudioOptions = {},
): Promise<AudioAnalysis> {
  const nb = native();
  let vad16k: NativeAudio;
  let loud: NativeAudio;
  try {
    const rate = opts.loudnessSampleRate ?? 0;
    [vad16k, loud] = await Promise.all([nb.decodeAudio(path, VAD_SAMPLE_RATE), nb.decodeAudio(path, rate)]);
  } catch (e) {
    const err = fromNative(e);
    if (err.code === 'NO_AUDIO_STREAM') return analyzeDecodedAudio(null, null, fps, frames, opts);
    if (err.file !== undefined) throw err;
    const withFile = new TheValError(err.code, err.message, path);
    if (err.stack) withFile.stack = err.stack;
    throw withFile;
  }
  return analyzeDecodedAudio(vad16k, loud, fps, frames, opts);
}
