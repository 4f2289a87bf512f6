/** Audio decoding against ffmpeg's own `-ac 1 -ar N -f f32le` output of the same files. */
import { describe, expect, it } from 'vitest';
import { decodeAudio } from '../lib/index.js';
import { clips, ffmpegAudio } from './helpers/media.js';

function compare(ours: Float32Array, ref: Float32Array): { maxAbs: number; lengthDiff: number } {
  const n = Math.min(ours.length, ref.length);
  let maxAbs = 0;
  for (let i = 0; i < n; i++) maxAbs = Math.max(maxAbs, Math.abs(ours[i] - ref[i]));
  return { maxAbs, lengthDiff: ours.length - ref.length };
}

// Tolerance: the same libswresample with the same defaults (mono downmix matrix, filter),
// so samples agree to float rounding; 1e-6 leaves room for FMA/SIMD ordering only.
const TOL = 1e-6;

describe('decodeAudio matches ffmpeg -ac 1 -ar N', () => {
  const cases: Array<[string, () => string, number, number]> = [
    // name, clip, requested rate, source channels
    ['AAC 48 kHz stereo -> 16 kHz', clips.h264, 16000, 2],
    ['AAC 48 kHz stereo at its native rate', clips.h264, 0, 2],
    ['Opus mono -> 16 kHz', clips.vp9, 16000, 1],
    ['PCM 44.1 kHz stereo -> 16 kHz', clips.mpeg4, 16000, 2],
    ['AC-3 5.1 -> 16 kHz', clips.fiveOne, 16000, 6],
    ['WAV 8 kHz mono -> 16 kHz (upsampling)', clips.audio8k, 16000, 1],
    ['WAV 8 kHz mono at 44.1 kHz', clips.audio8k, 44100, 1],
  ];
  for (const [name, clip, rate, channels] of cases) {
    it(name, async () => {
      const file = clip();
      const ours = await decodeAudio(file, rate);
      const ref = ffmpegAudio(file, rate);
      expect(ours.sourceChannels).toBe(channels);
      expect(ours.sampleRate).toBe(rate || ours.sourceSampleRate);
      const d = compare(ours.samples, ref);
      expect(d.lengthDiff).toBe(0);
      expect(d.maxAbs).toBeLessThanOrEqual(TOL);
      // Not trivially silent: the 440 Hz tone is there.
      expect(Math.max(...ref.subarray(0, 4000))).toBeGreaterThan(0.05);
      expect(ours.warnings).toEqual([]);
    });
  }

  it('a video without audio rejects with NO_AUDIO_STREAM', async () => {
    await expect(decodeAudio(clips.hevc(), 16000)).rejects.toMatchObject({ code: 'NO_AUDIO_STREAM' });
  });

  it('validates the sample rate', async () => {
    await expect(decodeAudio(clips.h264(), -1)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(decodeAudio(clips.h264(), 16000.5)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});
