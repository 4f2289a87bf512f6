/** Audio decoding against ffmpeg's own `-ac 1 -ar N -f f32le` output of the same files. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeAudio } from '../lib/index.js';
import { clips, ffmpegAudio, ffmpegClip } from './helpers/media.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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

describe('stream parameters that change mid-stream (joined MPEG-TS segments)', () => {
  // Segments made here and joined as a broadcaster or a cutting tool would: `concat:` + copy.
  const segment = (name: string, rate: number, layout: string, bitrate: string): string =>
    ffmpegClip(name, ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${rate}:duration=1`, '-af', `aformat=channel_layouts=${layout}`, '-c:a', 'aac', '-b:a', bitrate, 'OUT']);
  const joined = (name: string, a: string, b: string): string => ffmpegClip(name, ['-i', `concat:${a}|${b}`, '-c', 'copy', 'OUT']);
  const rms = (x: Float32Array, from: number, to: number): number => {
    let s = 0;
    for (let i = from; i < to; i++) s += x[i] * x[i];
    return Math.sqrt(s / (to - from));
  };

  const cases: Array<[string, () => string]> = [
    ['stereo then 5.1 (48 kHz)', () => joined('stereo-then-51.ts', segment('seg-stereo48.ts', 48000, 'stereo', '96k'), segment('seg-51-48.ts', 48000, '5.1', '192k'))],
    ['48 kHz then 44.1 kHz (stereo)', () => joined('48k-then-44k.ts', segment('seg-stereo48.ts', 48000, 'stereo', '96k'), segment('seg-stereo44.ts', 44100, 'stereo', '96k'))],
  ];
  for (const [name, clip] of cases) {
    it(`${name}: sample for sample ffmpeg -ac 1 -ar 16000, no warning`, async () => {
      // Before: the later part went through the first part's resampler (5.1 downmixed with
      // the stereo matrix; 44.1 kHz samples timed as 48 kHz) and a false "data was lost".
      const file = clip();
      const ours = await decodeAudio(file, 16000);
      const ref = ffmpegAudio(file, 16000);
      const d = compare(ours.samples, ref);
      expect(d.lengthDiff).toBe(0);
      expect(d.maxAbs).toBeLessThanOrEqual(TOL);
      expect(ours.warnings).toEqual([]);
      // Both halves carry the tone at full level (a wrong downmix left the 5.1 half silent).
      const n = ref.length;
      expect(rms(ours.samples, 2000, 14000)).toBeGreaterThan(0.05);
      expect(rms(ours.samples, n - 14000, n - 2000)).toBeGreaterThan(0.05);
      // 2 s of audio at 16 kHz (AAC priming adds a few ms per segment); time compression made it 1.9 s.
      expect(n / 16000).toBeGreaterThan(2.0);
      expect(n / 16000).toBeLessThan(2.1);
    });
  }
});

describe('damaged headers', () => {
  it('a stated duration of 2.6e9 s (fuzzer find) is not reserved up front: no OUT_OF_MEMORY', async () => {
    // fuzz/regressions/: a libFuzzer crash input (mutated AAC .m4a). ffmpeg decodes it to 0 samples.
    const file = path.join(root, 'fuzz/regressions/audio-reserve-from-damaged-duration');
    const ref = ffmpegAudio(file, 16000);
    const ours = await decodeAudio(file, 16000);
    expect(ours.samples.length).toBe(ref.length);
  });
});
