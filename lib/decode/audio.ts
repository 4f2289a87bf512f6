/** Audio decoding: the file's audio stream as mono float32, resampled with libswresample. */
import { fromNative, TheValError } from '../errors.js';
import { native, type NativeAudio } from '../native.js';

export type DecodedAudio = NativeAudio;

/**
 * Decodes the audio stream to mono float32 at `sampleRate` (0 = the stream's own rate),
 * downmixed and resampled as `ffmpeg -ac 1 -ar <rate>` does. Rejects with NO_AUDIO_STREAM
 * when there is none.
 */
export async function decodeAudio(path: string, sampleRate = 0): Promise<DecodedAudio> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TheValError('BAD_ARGUMENT', `expected a file path, got ${JSON.stringify(path)}`);
  }
  if (!Number.isInteger(sampleRate) || sampleRate < 0 || sampleRate > 768000) {
    throw new TheValError('BAD_ARGUMENT', `sampleRate must be an integer in 0..768000 (0 = native), got ${sampleRate}`, path);
  }
  try {
    return await native().decodeAudio(path, sampleRate);
  } catch (e) {
    throw fromNative(e);
  }
}
