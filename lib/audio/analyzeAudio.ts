/**
 * Per-video audio pass: one decode of the audio stream, resampled to 16 kHz (VAD) and to the
 * loudness rate side by side (two libswresample outputs of the same decoded frames), then
 * compute the AudioTracks the synchronization metrics read, plus the per-frame masks
 * (speech frames, kept silent runs) and notes on how audio and video line up.
 *
 * Decoding is the native addon's (`decodeAudio(path, sampleRate)`, 0 = the stream's own
 * rate; mono float32, downmixed and resampled as `ffmpeg -ac 1 -ar N`). A video without an
 * audio stream (native error code NO_AUDIO_STREAM), or whose audio stream decodes to no
 * sample at all, is not an error here: `hasAudio` is false and `reason` says why the sync
 * metrics will be NaN. docs/audio.md has the table "input -> result".
 */
import { fromNative, TheValError } from '../errors.js';
import { native, type NativeAudio } from '../native.js';
import type { AudioTracks } from '../tracks.js';
import { keptSilentFrames, speechFrames } from './frameMasks.js';
import { frameRms } from './loudness.js';
import { speechTimestampsSeconds, type SpeechSegmentOptions } from './speechSegments.js';
import { speechProbabilities, VAD_SAMPLE_RATE, type VadOptions } from './vad.js';

export interface AnalyzeAudioOptions extends SpeechSegmentOptions, VadOptions {
  /**
   * Sample rate of the loudness curve: 0 = the stream's own rate (default). The reference
   * decoded to 44100 Hz; docs/audio.md gives the measured difference.
   */
  loudnessSampleRate?: number;
}

/** Why the sync metrics cannot use this audio: no audio stream, or a stream without a decodable sample. */
export type AudioReason = 'no audio' | 'empty audio';

export interface AudioAnalysis {
  /** What the metric layer reads (lib/tracks.ts). `rms.length` is always `frames`. */
  tracks: AudioTracks;
  /** Why the sync metrics will be NaN because of the audio (undefined when the audio is usable). */
  reason?: AudioReason;
  /** Source stream facts (null without an audio stream). */
  source: { codec: string; sampleRate: number; channels: number; loudnessSampleRate: number } | null;
  /** Decoded audio length in seconds (16 kHz samples / 16000); 0 without audio. */
  audioDurationSec: number;
  /** Video length used for the frame grid: frames / fps. */
  videoDurationSec: number;
  /**
   * Frames t with t/fps at or after the end of the decoded audio: they are never speech and
   * their loudness is the last RMS frame's value (np.interp clamps at the right end).
   */
  framesAfterAudioEnd: number;
  /** 1 where frame t is a speech frame (METRICS.md: int(start*fps) <= t <= int(end*fps)); length T. */
  speechFrame: Uint8Array;
  /** 1 where frame t is silent and in a silent run >= 0.3*fps frames (silent lip stability); length T. */
  keptSilent: Uint8Array;
  /** Per-window Silero probabilities (one per 512 samples at 16 kHz); empty without audio. */
  probabilities: Float32Array;
  /** Audio packets the decoder rejected. */
  decodeErrors: number;
  /** Decoder notes (corrupt / lost data) and alignment notes (audio shorter / longer than the video). */
  warnings: string[];
}

/** Audio longer than the video by more than this is noted in `warnings` (AAC padding etc. stays quiet). */
export const LONGER_AUDIO_NOTE_SEC = 0.5;

function checkGrid(fps: number, frames: number): void {
  if (!(fps > 0) || !Number.isFinite(fps)) throw new TheValError('BAD_ARGUMENT', `analyzeAudio: bad fps ${fps}`);
  if (!Number.isInteger(frames) || frames < 0) throw new TheValError('BAD_ARGUMENT', `analyzeAudio: bad frame count ${frames}`);
}

const fmt = (s: number): string => `${Math.round(s * 1000) / 1000} s`;

/** Builds the analysis from already decoded audio (pure apart from the VAD model). */
export async function analyzeDecodedAudio(
  vad16k: NativeAudio | null,
  loud: NativeAudio | null,
  fps: number,
  frames: number,
  opts: AnalyzeAudioOptions = {},
): Promise<AudioAnalysis> {
  checkGrid(fps, frames);
  const videoDurationSec = frames / fps;
  const none = (reason: AudioReason, source: AudioAnalysis['source'], decodeErrors: number, warnings: string[]): AudioAnalysis => ({
    tracks: { hasAudio: false, speech: [], rms: new Float32Array(frames).fill(NaN) },
    reason,
    source,
    audioDurationSec: 0,
    videoDurationSec,
    framesAfterAudioEnd: frames,
    speechFrame: new Uint8Array(frames),
    keptSilent: new Uint8Array(frames),
    probabilities: new Float32Array(0),
    decodeErrors,
    warnings,
  });
  if (!vad16k || !loud) return none('no audio', null, 0, []);
  if (vad16k.sampleRate !== VAD_SAMPLE_RATE) {
    throw new TheValError('BAD_ARGUMENT', `analyzeDecodedAudio: VAD audio must be ${VAD_SAMPLE_RATE} Hz, got ${vad16k.sampleRate}`);
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
    const note = 'the audio stream decoded to 0 samples'; // the native decoder's own wording
    return none('empty audio', source, decodeErrors, warnings.includes(note) ? warnings : [...warnings, note]);
  }
  const probabilities = await speechProbabilities(vad16k.samples, opts);
  const speech = speechTimestampsSeconds(probabilities, vad16k.samples.length, opts);
  const rms = frameRms(loud.samples, loud.sampleRate, fps, frames);
  const speechFrame = speechFrames(speech, fps, frames);
  const keptSilent = keptSilentFrames(speechFrame, fps);

  const audioDurationSec = vad16k.samples.length / VAD_SAMPLE_RATE;
  // Frames whose time t/fps is at or past the end of the audio: t >= ceil(duration * fps).
  const firstAfter = Math.ceil(audioDurationSec * fps);
  const framesAfterAudioEnd = Math.max(0, frames - firstAfter);
  if (framesAfterAudioEnd > 0) {
    warnings.push(
      `the audio (${fmt(audioDurationSec)}) ends before the video (${fmt(videoDurationSec)}): ` +
        `the last ${framesAfterAudioEnd} frame(s) are non-speech and take the last loudness value (np.interp clamps)`,
    );
  } else if (audioDurationSec - videoDurationSec > LONGER_AUDIO_NOTE_SEC) {
    warnings.push(
      `the audio (${fmt(audioDurationSec)}) is longer than the video (${fmt(videoDurationSec)}): ` +
        'audio after the last frame is not used (speech segments past the end are clipped to the frames)',
    );
  }
  return {
    tracks: { hasAudio: true, speech, rms },
    source,
    audioDurationSec,
    videoDurationSec,
    framesAfterAudioEnd,
    speechFrame,
    keptSilent,
    probabilities,
    decodeErrors,
    warnings,
  };
}

/** Decodes the audio of `path` and computes its AudioTracks for a video of `frames` frames at `fps`. */
export async function analyzeAudio(
  path: string,
  fps: number,
  frames: number,
  opts: AnalyzeAudioOptions = {},
): Promise<AudioAnalysis> {
  checkGrid(fps, frames);
  const rate = opts.loudnessSampleRate ?? 0;
  if (!Number.isInteger(rate) || rate < 0 || rate > 768000) {
    throw new TheValError('BAD_ARGUMENT', `loudnessSampleRate must be an integer in 0..768000 (0 = native), got ${rate}`, path);
  }
  const nb = native();
  let vad16k: NativeAudio;
  let loud: NativeAudio;
  try {
    [vad16k, loud] = await nb.decodeAudioRates(path, [VAD_SAMPLE_RATE, rate]);
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
