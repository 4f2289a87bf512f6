/**
 * analyzeDecodedAudio: the pure part of analyzeAudio, fed with audio decoded by the ffmpeg
 * CLI in the shape the native decoder will return (NativeAudio).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { analyzeDecodedAudio } from '../lib/audio/analyzeAudio.js';
import { frameRms } from '../lib/audio/loudness.js';
import type { NativeAudio } from '../lib/native.js';
import { espeak, ffmpegDecode, tempDir } from './helpers/audio-media.js';

const asNative = (samples: Float32Array, sampleRate: number): NativeAudio => ({
  samples,
  sampleRate,
  sourceSampleRate: 22050,
  sourceChannels: 1,
  codec: 'pcm_s16le',
  decodeErrors: 0,
  warnings: [],
});

let dir: string;
let wav: string;
beforeAll(() => {
  dir = tempDir('analyze');
  wav = espeak(dir, 's.wav', '<speak>one two three <break time="700ms"/> four five six</speak>');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('analyzeDecodedAudio', () => {
  it('no audio stream: hasAudio false, no speech, NaN loudness of length T, reason', async () => {
    const r = await analyzeDecodedAudio(null, null, 25, 30);
    expect(r.tracks.hasAudio).toBe(false);
    expect(r.tracks.speech).toEqual([]);
    expect(r.tracks.rms.length).toBe(30);
    expect(Array.from(r.tracks.rms).every(Number.isNaN)).toBe(true);
    expect(r.reason).toBe('no audio');
    expect(r.source).toBeNull();
  });

  it('empty audio (a stream without a decodable sample): hasAudio false (sync metrics NaN), reason says why', async () => {
    const r = await analyzeDecodedAudio(asNative(new Float32Array(0), 16000), asNative(new Float32Array(0), 22050), 25, 5);
    expect(r.tracks.hasAudio).toBe(false);
    expect(r.source).not.toBeNull();
    expect(r.reason).toBe('empty audio');
    expect(Array.from(r.tracks.rms).every(Number.isNaN)).toBe(true);
  });

  it('speech: two segments around the pause, loudness at the loudness rate, length T', async () => {
    const x16 = ffmpegDecode(wav, 16000);
    const xNative = ffmpegDecode(wav, 22050);
    const fps = 25;
    const T = Math.floor((xNative.length / 22050) * fps);
    const r = await analyzeDecodedAudio(asNative(x16, 16000), asNative(xNative, 22050), fps, T);
    expect(r.reason).toBeUndefined();
    expect(r.tracks.hasAudio).toBe(true);
    expect(r.tracks.speech.length).toBe(2);
    expect(r.tracks.speech[1]![0] - r.tracks.speech[0]![1]).toBeGreaterThan(0.5);
    expect(r.tracks.rms.length).toBe(T);
    expect(Array.from(r.tracks.rms)).toEqual(Array.from(frameRms(xNative, 22050, fps, T)));
    expect(r.source).toEqual({ codec: 'pcm_s16le', sampleRate: 22050, channels: 1, loudnessSampleRate: 22050 });
  });
});
