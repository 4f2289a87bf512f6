/**
 * RMS loudness per video frame: a hand-computed case, sox's whole-file RMS on a tone, and
 * ffmpeg's per-frame astats RMS on a fading tone (ffmpeg frames aligned with ours by
 * delaying the audio by n//2 samples, the same zero padding).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { frameRms, npInterp, rmsFrames } from '../lib/audio/loudness.js';
import { ffmpegDecode, run, runStderr, tempDir } from './helpers/audio-media.js';

describe('frameRms by hand', () => {
  it('sr 100 (n = 5, 2 zeros each side), 12 samples, 40 fps', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // padded: 0 0 1 2 3 | 4 5 6 7 8 | 9 10 11 12 0 | 0  -> 3 whole frames at 0, 0.05, 0.10 s
    const f0 = Math.sqrt((1 + 4 + 9) / 5);
    const f1 = Math.sqrt((16 + 25 + 36 + 49 + 64) / 5);
    const f2 = Math.sqrt((81 + 100 + 121 + 144) / 5);
    const { rms, n } = rmsFrames(x, 100);
    expect(n).toBe(5);
    expect(Array.from(rms)).toEqual([f0, f1, f2]);
    // frame times 0, .025, .05, .075, .1, .125 s: hits, midpoints, and a clamp past the end
    const want = [f0, (f0 + f1) / 2, f1, (f1 + f2) / 2, f2, f2];
    const got = frameRms(x, 100, 40, 6);
    expect(got.length).toBe(6);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
  });

  it('counts only whole padded frames', () => {
    // 10 samples + 4 padding = 14 -> 1 + (14 - 5) // 5 = 2 frames; 11 -> 15 -> 3 frames
    expect(rmsFrames(new Float32Array(10), 100).rms.length).toBe(2);
    expect(rmsFrames(new Float32Array(11), 100).rms.length).toBe(3);
    // 44.1 kHz: n = int(0.05 * 44100) = 2205 (odd), padding 1102 each side
    expect(rmsFrames(new Float32Array(44100), 44100).n).toBe(2205);
    expect(rmsFrames(new Float32Array(44100), 44100).rms.length).toBe(1 + Math.floor((44100 + 2204 - 2205) / 2205));
  });

  it('np.interp semantics: clamps both ends', () => {
    const xp = [0, 1, 2];
    const fp = [10, 20, 40];
    expect(npInterp(-1, xp, fp)).toBe(10);
    expect(npInterp(0.5, xp, fp)).toBe(15);
    expect(npInterp(1.5, xp, fp)).toBe(30);
    expect(npInterp(2, xp, fp)).toBe(40);
    expect(npInterp(7, xp, fp)).toBe(40);
    expect(npInterp(3, [5], [1])).toBe(1);
  });

  it('all NaN without a whole frame; rejects bad arguments', () => {
    // 44.1 kHz: 0 samples + 2204 padding < 2205
    expect(Array.from(frameRms(new Float32Array(0), 44100, 25, 3)).every(Number.isNaN)).toBe(true);
    expect(() => frameRms(new Float32Array(10), 0, 25, 3)).toThrow(/sample rate/);
    expect(() => frameRms(new Float32Array(10), 100, 0, 3)).toThrow(/fps/);
  });
});

describe('frameRms against sox and ffmpeg', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('loudness');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a 440 Hz tone: interior frames equal sox stats RMS', () => {
    const wav = path.join(dir, 'tone.wav');
    run('sox', ['-n', '-r', '44100', '-c', '1', '-b', '32', '-e', 'floating-point', wav, 'synth', '2', 'sine', '440', 'vol', '0.5']);
    const stats = runStderr('sox', [wav, '-n', 'stats']);
    const m = /RMS lev dB\s+(-?[\d.]+)/.exec(stats);
    expect(m).not.toBeNull();
    const soxRms = 10 ** (Number(m![1]) / 20);
    const x = ffmpegDecode(wav, 44100);
    expect(x.length).toBe(88200);
    const fps = 25;
    const T = 50;
    const v = frameRms(x, 44100, fps, T);
    // RMS frame 0 (time 0) is half zero padding; the last whole frame (39, at 1.95 s) is
    // interior. Video frames from t = 2 (0.08 s) on only see interior frames.
    for (let t = 2; t < T; t++) {
      expect(Math.abs(20 * Math.log10(v[t]! / soxRms))).toBeLessThan(0.006); // sox prints 0.01 dB steps
    }
    // the edges: t = 0 is RMS frame 0, half padding -> sqrt(1/2) of the tone's RMS (+-2%)
    expect(v[0]! / soxRms).toBeGreaterThan(Math.SQRT1_2 * 0.98);
    expect(v[0]! / soxRms).toBeLessThan(Math.SQRT1_2 * 1.02);
  });

  it('a fading tone: every RMS frame equals ffmpeg astats on the same padded frames', () => {
    const wav = path.join(dir, 'fade.wav');
    run('sox', ['-n', '-r', '44100', '-c', '1', '-b', '32', '-e', 'floating-point', wav, 'synth', '2', 'sine', '300', 'vol', '0.8', 'fade', 't', '0.5', '2', '0.7']);
    const n = 2205;
    const out = run('ffmpeg', [
      '-v', 'error', '-nostdin', '-i', wav, '-af',
      `adelay=delays=${Math.floor(n / 2)}S:all=1,asetnsamples=n=${n}:p=1,astats=metadata=1:reset=1,` +
        'ametadata=mode=print:key=lavfi.astats.Overall.RMS_level:file=-',
      '-f', 'null', '-',
    ]).toString();
    const ff = [...out.matchAll(/RMS_level=(-?[\d.]+|-inf)/g)].map((r) => (r[1] === '-inf' ? 0 : 10 ** (Number(r[1]) / 20)));
    const x = ffmpegDecode(wav, 44100);
    const { rms } = rmsFrames(x, 44100);
    expect(rms.length).toBe(40); // 1 + (88200 + 2204 - 2205) // 2205
    expect(ff.length).toBeGreaterThanOrEqual(rms.length);
    // the curve really varies (fade in and out)
    expect(Math.max(...rms) / Math.min(...rms.subarray(1, -1))).toBeGreaterThan(5);
    for (let k = 0; k < rms.length; k++) {
      expect(Math.abs(rms[k]! - ff[k]!) / ff[k]!).toBeLessThan(2e-5); // astats prints dB to 1e-6
    }
  });
});
