/**
 * analyzeAudio on the native decoder, checked against an independent path: the ffmpeg
 * command line decodes the same file (16 kHz for the VAD, the stream's own rate for the
 * loudness) and the pure functions (speechSegments, frameRms) run on that.
 *
 * Tolerances: the native decoder and the ffmpeg CLI use the same libavcodec/libswresample
 * with the same defaults; test/audio-decode.test.ts bounds their samples to 1e-6 apart.
 * An RMS of samples that differ by <= 1e-6 differs by <= 1e-6, plus float32 rounding of
 * the stored value (< 1e-7 for values below 1): RMS_TOL = 2e-6 absolute. VAD probabilities
 * move by far less than the distance of any window to the 0.5 / 0.35 thresholds, so the
 * segments must be identical.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeAudio } from '../lib/audio/analyzeAudio.js';
import { frameRms } from '../lib/audio/loudness.js';
import { speechProbabilities } from '../lib/audio/vad.js';
import { speechSegments } from '../lib/audio/speechSegments.js';
import { lipSync } from '../lib/metrics/lipSync.js';
import { silentLipStability } from '../lib/metrics/silentLipStability.js';
import { probe } from '../lib/index.js';
import { speechWav, talkingClip } from './helpers/av-media.js';
import { clips, ffmpegAudio, ffmpegClip, mediaDir, noiseBytes } from './helpers/media.js';
import { emptyFace, fillFace } from './metrics-helpers.js';

const RMS_TOL = 2e-6;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** Speech frames written out plainly: t in [trunc(s*fps), trunc(e*fps)] for some segment, t < T. */
function expectedSpeechFrames(segs: Array<[number, number]>, fps: number, T: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < T; t++) if (segs.some(([s, e]) => Math.trunc(s * fps) <= t && t <= Math.trunc(e * fps))) out.push(t);
  return out;
}

const ones = (m: Uint8Array): number[] => [...m.keys()].filter((i) => m[i]);

/** The 5 encodings of the same speech (video 4 s, 25 fps; audio padded to 4 s). */
const pad = 'apad=whole_dur=4';
const variants: Array<[string, () => string, number, number]> = [
  // name, clip, source rate, source channels
  ['AAC 48 kHz stereo (speech louder on the left)', () => talkingClip('sp-aac48-stereo.mp4', 4, ['-af', `pan=stereo|c0=c0|c1=0.3*c0,${pad}`, '-ar', '48000', '-c:a', 'aac', '-shortest']), 48000, 2],
  ['AAC 44.1 kHz mono', () => talkingClip('sp-aac441.mp4', 4, ['-af', pad, '-ar', '44100', '-c:a', 'aac', '-shortest']), 44100, 1],
  ['PCM 8 kHz mono (MKV)', () => talkingClip('sp-pcm8k.mkv', 4, ['-af', pad, '-ar', '8000', '-c:a', 'pcm_s16le', '-shortest']), 8000, 1],
  ['PCM 48 kHz stereo (MOV)', () => talkingClip('sp-pcm48-stereo.mov', 4, ['-af', `pan=stereo|c0=0.5*c0|c1=c0,${pad}`, '-ar', '48000', '-c:a', 'pcm_s16le', '-shortest']), 48000, 2],
  ['AC-3 5.1 48 kHz (speech on the centre)', () => talkingClip('sp-ac3-51.mkv', 4, ['-af', `pan=5.1|FC=c0|FL=0.3*c0|FR=0.3*c0,${pad}`, '-ar', '48000', '-c:a', 'ac3', '-shortest']), 48000, 6],
];

describe('analyzeAudio (native decoder) equals the pure functions on ffmpeg-CLI-decoded audio', () => {
  for (const [name, clip, rate, channels] of variants) {
    it(name, async () => {
      const file = clip();
      const info = await probe(file);
      const T = info.frameCount;
      const fps = info.fps;
      expect(T).toBe(100);
      const a = await analyzeAudio(file, fps, T);
      expect(a.reason).toBeUndefined();
      expect(a.tracks.hasAudio).toBe(true);
      expect(a.source).toEqual({ codec: info.audio!.codec, sampleRate: rate, channels, loudnessSampleRate: rate });

      const x16 = ffmpegAudio(file, 16000);
      const ref = await speechSegments(x16);
      expect(a.tracks.speech).toEqual(ref);
      expect(a.audioDurationSec).toBe(x16.length / 16000);
      // Not trivially empty: the two SSML pauses split the speech into 3 segments.
      expect(ref.length).toBe(3);
      const refProbs = await speechProbabilities(x16);
      expect(maxAbsDiff(a.probabilities, refProbs)).toBeLessThanOrEqual(1e-4);

      const xNative = ffmpegAudio(file, 0);
      const rms = frameRms(xNative, rate, fps, T);
      expect(a.tracks.rms.length).toBe(T);
      expect(maxAbsDiff(a.tracks.rms, rms)).toBeLessThanOrEqual(RMS_TOL);
      expect(Math.max(...rms)).toBeGreaterThan(0.01); // speech is there

      expect(a.speechFrame.length).toBe(T);
      expect(ones(a.speechFrame)).toEqual(expectedSpeechFrames(ref, fps, T));
      // Kept silent frames: silent frames in runs of >= 0.3*25 = 7.5, i.e. >= 8 frames.
      const silent = [...Array(T).keys()].filter((t) => !a.speechFrame[t]);
      const runs: number[][] = [];
      for (const t of silent) {
        const last = runs[runs.length - 1];
        if (last && last[last.length - 1] === t - 1) last.push(t);
        else runs.push([t]);
      }
      expect(ones(a.keptSilent)).toEqual(runs.filter((r) => r.length >= 8).flat());
    });
  }

  it('the masks are what the sync metrics count (lip sync, silent lip stability)', async () => {
    const file = variants[0]![1]();
    const a = await analyzeAudio(file, 25, 100);
    const face = emptyFace(100);
    for (let t = 0; t < 100; t++) {
      fillFace(face, 'plain', t, 0.5, 0.5);
      fillFace(face, 'refined', t, 0.5, 0.5);
    }
    const ls = lipSync(face, a.tracks);
    expect(ls.details!.speechFrames).toBe(ones(a.speechFrame).length);
    const sls = silentLipStability(face, a.tracks);
    expect(sls.details!.keptSilentFrames).toBe(ones(a.keptSilent).length);
    expect(ones(a.keptSilent).length).toBeGreaterThan(0);
  });

  it('a WAV file (audio only) works too, at its own rate (22050 Hz)', async () => {
    const wav = speechWav();
    const x = ffmpegAudio(wav, 0);
    const T = Math.floor((x.length / 22050) * 25);
    const a = await analyzeAudio(wav, 25, T);
    expect(a.source!.sampleRate).toBe(22050);
    expect(a.tracks.speech).toEqual(await speechSegments(ffmpegAudio(wav, 16000)));
    expect(maxAbsDiff(a.tracks.rms, frameRms(x, 22050, 25, T))).toBeLessThanOrEqual(RMS_TOL);
  });

  it('loudnessSampleRate 44100 decodes the loudness at 44.1 kHz (the reference grid)', async () => {
    const file = variants[0]![1]();
    const a = await analyzeAudio(file, 25, 100, { loudnessSampleRate: 44100 });
    expect(a.source!.loudnessSampleRate).toBe(44100);
    expect(maxAbsDiff(a.tracks.rms, frameRms(ffmpegAudio(file, 44100), 44100, 25, 100))).toBeLessThanOrEqual(RMS_TOL);
  });
});


describe('analyzeAudio on bad input: a defined result for each case', () => {
  it('no audio stream: hasAudio false, reason "no audio", NaN loudness of length T, empty masks', async () => {
    const a = await analyzeAudio(clips.hevc(), 30, 30);
    expect(a.tracks.hasAudio).toBe(false);
    expect(a.reason).toBe('no audio');
    expect(a.tracks.speech).toEqual([]);
    expect(a.tracks.rms.length).toBe(30);
    expect(Array.from(a.tracks.rms).every(Number.isNaN)).toBe(true);
    expect(ones(a.speechFrame)).toEqual([]);
    expect(ones(a.keptSilent)).toEqual([]);
    expect(a.source).toBeNull();
    // The metrics then say why they are NaN.
    const face = emptyFace(30, { fps: 30 });
    expect(lipSync(face, a.tracks)).toMatchObject({ value: NaN, reason: 'no audio' });
    expect(silentLipStability(face, a.tracks)).toMatchObject({ value: NaN, reason: 'no audio' });
  });

  it('errors other than "no audio" are thrown with a code and the file', async () => {
    await expect(analyzeAudio(path.join(mediaDir, 'nope.mp4'), 25, 10)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(analyzeAudio(clips.h264(), 0, 10)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(analyzeAudio(clips.h264(), 25, 10, { loudnessSampleRate: -5 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it('10 ms of audio (shorter than one 512-sample VAD window): one padded window, no speech, constant loudness', async () => {
    const file = ffmpegClip('short-audio.mkv', [
      '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=1',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=0.01',
      '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'pcm_s16le', 'OUT',
    ]);
    const a = await analyzeAudio(file, 25, 25);
    const x = ffmpegAudio(file, 0);
    expect(x.length).toBe(480);
    expect(a.audioDurationSec).toBe(0.01);
    expect(a.probabilities.length).toBe(1);
    expect(a.tracks.speech).toEqual([]);
    expect(a.reason).toBeUndefined();
    // n = 2400 at 48 kHz, 1200 zeros each side: one RMS frame holding all 480 samples, so
    // every video frame gets sqrt(sum x^2 / 2400).
    let s = 0;
    for (const v of x) s += v * v;
    const only = Math.sqrt(s / 2400);
    expect(only).toBeGreaterThan(0.03); // not silent (sine amplitude 1/8 over 480 of 2400 samples: 0.0395)
    for (const v of a.tracks.rms) expect(Math.abs(v - only)).toBeLessThanOrEqual(RMS_TOL);
    // Frames 1..24 lie after the audio's end (t/25 >= 0.01).
    expect(a.framesAfterAudioEnd).toBe(24);
    expect(a.warnings.join('\n')).toMatch(/ends before the video.*24 frame\(s\).*last loudness value/);
    // No speech: lip sync NaN by its own rule; silent lip stability sees one 25-frame silent run.
    expect(ones(a.keptSilent).length).toBe(25);
    expect(lipSync(emptyFace(25), a.tracks)).toMatchObject({ value: NaN, reason: 'speech in fewer than 10% of the frames' });
  });

  it('audio shorter than the video: rms still has T values; frames past the last RMS frame take its value', async () => {
    const file = talkingClip('sp-short-audio.mp4', 6, ['-af', 'atrim=0:2', '-ar', '48000', '-c:a', 'aac']);
    const info = await probe(file);
    const T = info.frameCount;
    expect(T).toBe(150);
    const a = await analyzeAudio(file, 25, T);
    const x = ffmpegAudio(file, 0);
    const n = 2400;
    expect(a.tracks.rms.length).toBe(T);
    expect(maxAbsDiff(a.tracks.rms, frameRms(x, 48000, 25, T))).toBeLessThanOrEqual(RMS_TOL);
    // The last RMS frame, computed here by hand: K = 1 + floor((len + 2*1200 - n) / n) frames,
    // the last one centred at (K-1)*n/sr and covering padded samples (K-1)*n .. (K-1)*n + n - 1.
    const K = 1 + Math.floor((x.length + 2 * 1200 - n) / n);
    let s = 0;
    for (let j = (K - 1) * n - 1200; j < Math.min(x.length, K * n - 1200); j++) s += x[j]! * x[j]!;
    const last = Math.sqrt(s / n);
    const lastTime = ((K - 1) * n) / 48000;
    const after = [...Array(T).keys()].filter((t) => t / 25 >= lastTime);
    expect(after.length).toBeGreaterThan(90); // about 4 s of video past a 2 s audio
    for (const t of after) expect(Math.abs(a.tracks.rms[t]! - last)).toBeLessThanOrEqual(RMS_TOL);
    // Past the audio: never speech.
    const firstAfterAudio = Math.ceil(a.audioDurationSec * 25);
    expect(a.framesAfterAudioEnd).toBe(T - firstAfterAudio);
    expect(ones(a.speechFrame).every((t) => t <= Math.trunc(a.audioDurationSec * 25))).toBe(true);
    expect(a.warnings.some((w) => w.includes('ends before the video'))).toBe(true);
  });

  it('audio longer than the video: rms has T values, segments may end past the video, masks are clipped', async () => {
    const file = talkingClip('sp-long-audio.mkv', 1.6, ['-ar', '48000', '-c:a', 'aac']);
    const info = await probe(file);
    const T = info.frameCount;
    expect(T).toBe(40);
    const a = await analyzeAudio(file, 25, T);
    expect(a.audioDurationSec).toBeGreaterThan(3.5);
    expect(a.tracks.rms.length).toBe(T);
    expect(maxAbsDiff(a.tracks.rms, frameRms(ffmpegAudio(file, 0), 48000, 25, T))).toBeLessThanOrEqual(RMS_TOL);
    expect(a.tracks.speech).toEqual(await speechSegments(ffmpegAudio(file, 16000)));
    expect(a.tracks.speech.at(-1)![1]).toBeGreaterThan(T / 25);
    expect(a.speechFrame.length).toBe(T);
    expect(ones(a.speechFrame)).toEqual(expectedSpeechFrames(a.tracks.speech, 25, T));
    expect(a.framesAfterAudioEnd).toBe(0);
    expect(a.warnings.some((w) => w.includes('longer than the video'))).toBe(true);
  });

  let tsCorrupt: string;
  let tsClean: string;
  beforeAll(() => {
    tsClean = talkingClip('sp-aac.ts', 4, ['-af', pad, '-ar', '48000', '-c:a', 'aac', '-shortest', '-f', 'mpegts']);
    // Overwrite the payload (not the 4-byte headers) of 16 audio TS packets in the middle
    // of the file with noise: the demuxer keeps delivering packets, the AAC data is garbage.
    const d = Buffer.from(readFileSync(tsClean));
    const pids: number[] = [];
    for (let i = 0; i + 188 <= d.length; i += 188) pids.push(((d[i + 1]! & 0x1f) << 8) | d[i + 2]!);
    const audioPid = 0x101; // ffmpeg's mpegts muxer: video 0x100, audio 0x101
    const audio = pids.flatMap((p, i) => (p === audioPid ? [i] : []));
    expect(audio.length).toBeGreaterThan(60);
    const mid = audio.slice(Math.floor(audio.length / 2) - 8, Math.floor(audio.length / 2) + 8);
    mid.forEach((i, k) => noiseBytes(184, 1000 + k).copy(d, i * 188 + 4));
    tsCorrupt = path.join(mediaDir, 'sp-aac-corrupt.ts');
    writeFileSync(tsCorrupt, d);
  });

  it('MPEG-TS with AAC, noise over audio data in the middle: decoding continues, the loss is reported', async () => {
    const clean = await analyzeAudio(tsClean, 25, 100);
    const a = await analyzeAudio(tsCorrupt, 25, 100);
    expect(clean.decodeErrors).toBe(0);
    expect(clean.warnings).toEqual([]);
    // The ADTS parser drops the damaged frames without a decoder error; the hole in the
    // timestamps is what shows it. Its size must be the audio that went missing.
    const gap = a.warnings.map((w) => /gap\(s\) in the audio timestamps, ([\d.]+) s in all \(first at ([\d.]+) s\)/.exec(w)).find(Boolean);
    expect(gap).toBeTruthy();
    expect(Math.abs(Number(gap![1]) - (clean.audioDurationSec - a.audioDurationSec))).toBeLessThan(0.03);
    const at = Number(gap![2]);
    expect(at).toBeGreaterThan(0.3 * clean.audioDurationSec); // in the middle, where the noise went
    expect(at).toBeLessThan(0.8 * clean.audioDurationSec);
    // Same length as the ffmpeg CLI decode of the damaged file, and most of the audio kept.
    const x16 = ffmpegAudio(tsCorrupt, 16000);
    expect(a.audioDurationSec).toBe(x16.length / 16000);
    expect(a.audioDurationSec).toBeGreaterThan(0.7 * clean.audioDurationSec);
    expect(a.audioDurationSec).toBeLessThan(clean.audioDurationSec);
    // Speech after the damage is still found.
    expect(a.tracks.speech.length).toBeGreaterThanOrEqual(2);
    expect(a.tracks.speech).toEqual(await speechSegments(x16));
    expect(a.tracks.rms.length).toBe(100);
    expect(Array.from(a.tracks.rms).every(Number.isFinite)).toBe(true);
  });

  it('MKV with AAC, 16 KiB of noise in the middle: no throw, the ffmpeg CLI result, the loss is reported', async () => {
    const src = talkingClip('sp-aac.mkv', 4, ['-af', pad, '-ar', '48000', '-c:a', 'aac', '-shortest']);
    const d = Buffer.from(readFileSync(src));
    noiseBytes(16384, 4242).copy(d, Math.floor(d.length / 2) - 8192);
    const bad = path.join(mediaDir, 'sp-aac-corrupt.mkv');
    writeFileSync(bad, d);
    const a = await analyzeAudio(bad, 25, 100);
    const x16 = ffmpegAudio(bad, 16000);
    expect(a.audioDurationSec).toBe(x16.length / 16000);
    expect(a.tracks.speech).toEqual(await speechSegments(x16));
    expect(a.tracks.rms.length).toBe(100);
    expect(a.audioDurationSec).toBeLessThan(3.9); // data was lost ...
    expect(a.warnings.length).toBeGreaterThan(0); // ... and that is said
  });
});
