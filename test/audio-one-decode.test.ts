/**
 * The audio half of the one pass: one decode of the audio stream resampled to 16 kHz (VAD)
 * and to the native rate (loudness) side by side, each against ffmpeg's own
 * `-ac 1 -ar N -f f32le` output of the same file (tolerance as test/audio-decode.test.ts),
 * with one audio decoder opened (the native decoder-open counter).
 */
import { describe, expect, it } from 'vitest';
import { native } from '../lib/native.js';
import { clips, ffmpegAudio } from './helpers/media.js';

const TOL = 1e-6; // same libswresample and defaults as ffmpeg: float rounding only

function maxAbs(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('decodeAudioRates: one decode, every rate as ffmpeg -ac 1 -ar N', () => {
  const cases: Array<[string, () => string]> = [
    ['AAC 48 kHz stereo', clips.h264],
    ['PCM 44.1 kHz stereo', clips.mpeg4],
    ['AC-3 5.1', clips.fiveOne],
    ['WAV 8 kHz mono (upsampled to 16 kHz)', clips.audio8k],
  ];
  for (const [name, clip] of cases) {
    it(name, async () => {
      const file = clip();
      const before = native().passStats().decoders.audio;
      const [vad, loud] = await native().decodeAudioRates(file, [16000, 0]);
      expect(native().passStats().decoders.audio - before).toBe(1);
      for (const [ours, rate] of [[vad, 16000], [loud, 0]] as const) {
        const ref = ffmpegAudio(file, rate);
        expect(ours.sampleRate).toBe(rate || ours.sourceSampleRate);
        expect(ours.samples.length).toBe(ref.length);
        expect(maxAbs(ours.samples, ref)).toBeLessThanOrEqual(TOL);
        expect(Math.max(...ref.subarray(0, 4000))).toBeGreaterThan(0.05); // the tone is there
      }
    });
  }

  it('no audio stream: NO_AUDIO_STREAM; bad rates: BAD_ARGUMENT', async () => {
    await expect(native().decodeAudioRates(clips.hevc(), [16000, 0])).rejects.toMatchObject({ code: 'NO_AUDIO_STREAM' });
    expect(() => native().decodeAudioRates(clips.h264(), [-1])).toThrow(/sampleRates/);
    expect(() => native().decodeAudioRates(clips.h264(), [])).toThrow(/sampleRates/);
  });
});
