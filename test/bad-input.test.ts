/**
 * Bad input: every case gives a typed error (stable code, message naming the file) or a
 * partial decode that says what was lost. Never a crash, a hang or a silent empty result.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio, openVideo, probe } from '../lib/index.js';
import { clips, ffmpegClip, mediaDir, noiseBytes } from './helpers/media.js';

const dir = path.join(mediaDir, 'bad');
const f = (name: string): string => path.join(dir, name);


let ts: string;
let fastStart: string;
let mkv: string;

beforeAll(() => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(f('text.mp4'), 'this is not a video\n'.repeat(100));
  writeFileSync(f('empty.mp4'), '');
  writeFileSync(f('random.mkv'), noiseBytes(64 * 1024));
  ts = ffmpegClip('bad-src.ts', ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-f', 'mpegts', 'OUT']);
  fastStart = ffmpegClip('bad-src.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', 'OUT']);
  mkv = clips.vfr();
  const tsData = readFileSync(ts);
  // Only the stream headers and part of the first frame: the codec is known, no frame decodes.
  writeFileSync(f('headers-only.ts'), tsData.subarray(0, 1000));
  // Corrupt: 4 KiB of noise over the middle of the stream (188-byte TS packets stay aligned).
  const corrupt = Buffer.from(tsData);
  noiseBytes(4136, 99).copy(corrupt, 188 * 200);
  writeFileSync(f('corrupt.ts'), corrupt);
  const mp4 = readFileSync(fastStart);
  writeFileSync(f('truncated.mp4'), mp4.subarray(0, Math.floor(mp4.length / 2)));
  const mkvData = readFileSync(mkv);
  writeFileSync(f('truncated.mkv'), mkvData.subarray(0, Math.floor(mkvData.length / 3)));
  // Unsupported codec: an AVI whose MPEG-4 fourcc is replaced by one no decoder knows.
  const avi = readFileSync(ffmpegClip('bad-src.avi', ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=1', '-c:v', 'mpeg4', 'OUT']));
  let at = -1;
  while ((at = avi.indexOf('FMP4', at + 1)) >= 0) avi.write('ZZZZ', at, 'latin1');
  writeFileSync(f('unknown-codec.avi'), avi);
  writeFileSync(f('audio-only.wav'), readFileSync(clips.audio8k()));
});

describe('errors with a stable code and the file name', () => {
  const cases: Array<[string, () => string, string]> = [
    ['missing file', () => f('does-not-exist.mp4'), 'FILE_NOT_FOUND'],
    ['a text file', () => f('text.mp4'), 'NOT_MEDIA'],
    ['an empty file', () => f('empty.mp4'), 'NOT_MEDIA'],
    ['random bytes', () => f('random.mkv'), 'NOT_MEDIA'],
    ['a directory', () => dir, 'NOT_MEDIA'],
    ['no video stream (WAV)', () => f('audio-only.wav'), 'NO_VIDEO_STREAM'],
    ['zero decodable frames', () => f('headers-only.ts'), 'NO_FRAMES'],
    ['unsupported codec', () => f('unknown-codec.avi'), 'UNSUPPORTED_CODEC'],
  ];
  for (const [name, file, code] of cases) {
    it(`${name} -> ${code}`, async () => {
      const p = file();
      const err = await probe(p).then(
        () => null,
        (e: unknown) => e as { code: string; message: string; file?: string },
      );
      expect(err).not.toBeNull();
      expect(err!.code).toBe(code);
      expect(err!.message).toContain(p);
      expect(err!.file).toBe(p);
    });
  }

  it('a reader on a file with no decodable frame rejects with NO_FRAMES, not an empty result', async () => {
    // Opening fails already when the stream's size is only known from a first frame;
    // otherwise the first read fails. Either way: NO_FRAMES, never 0 frames and no error.
    const outcome = await openVideo(f('headers-only.ts')).then(
      async (r) => r.read(r.allocate(1), 1).finally(() => r.close()),
    ).catch((e: { code: string }) => e.code);
    expect(outcome).toBe('NO_FRAMES');
  });

  it('audio: missing file, not media, no audio stream', async () => {
    await expect(decodeAudio(f('nope.wav'), 16000)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(decodeAudio(f('text.mp4'), 16000)).rejects.toMatchObject({ code: 'NOT_MEDIA' });
    await expect(decodeAudio(fastStart, 16000)).rejects.toMatchObject({ code: 'NO_AUDIO_STREAM' });
  });

  it('bad arguments are rejected before any native call', async () => {
    await expect(probe('')).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(openVideo(fastStart, { threads: -1 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(openVideo(fastStart, { format: 'bgr' as never })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(openVideo(fastStart, { gpu: true })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});

describe('partial decodes say what was lost', () => {
  it('an MP4 cut in half (index up front): decodes what is there, reports the missing frames', async () => {
    const r = await probe(f('truncated.mp4'));
    expect(r.containerFrames).toBe(50);
    expect(r.frameCount).toBeGreaterThan(5);
    expect(r.frameCount).toBeLessThan(50);
    expect(r.warnings.join('\n')).toMatch(new RegExp(`decoded ${r.frameCount} of the 50 frames`));
  });

  it('a Matroska file cut to a third: partial frames and a time-span warning', async () => {
    const full = await probe(mkv);
    const r = await probe(f('truncated.mkv'));
    expect(r.frameCount).toBeGreaterThan(0);
    expect(r.frameCount).toBeLessThan(full.frameCount);
    expect(r.warnings.join('\n')).toMatch(/decoded frames span .* but the container states/);
  });

  it('corrupt packets in the middle: decoding continues to the end and counts the damage', async () => {
    const clean = await probe(ts);
    const r = await probe(f('corrupt.ts'));
    expect(r.frameCount).toBeGreaterThan(clean.frameCount * 0.7);
    expect(r.decodeErrors + r.corruptFrames).toBeGreaterThan(0);
    expect(r.warnings.length).toBeGreaterThan(0);
    // A reader over the same file gives the same frames and the same account.
    const reader = await openVideo(f('corrupt.ts'));
    const buf = reader.allocate(16);
    let n = 0;
    let k;
    while ((k = await reader.read(buf, 16)) > 0) n += k;
    expect(n).toBe(r.frameCount);
    expect(reader.stats().warnings).toEqual(r.warnings);
    reader.close();
  });
});
