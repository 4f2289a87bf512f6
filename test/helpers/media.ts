/**
 * Test media, generated with the ffmpeg command line at test time (nothing binary is
 * committed). Each clip is made once into a cache folder and reused; writes are atomic
 * so parallel test files can ask for the same clip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const mediaDir = process.env.THEVAL_TEST_MEDIA ?? path.join(os.tmpdir(), 'theval-test-media');

/** Runs ffmpeg with `args` (output path last, given as OUT) once; returns the cached file. */
export function ffmpegClip(name: string, args: string[]): string {
  const key = createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 10);
  const ext = path.extname(name);
  const file = path.join(mediaDir, `${path.basename(name, ext)}-${key}${ext}`);
  if (existsSync(file)) return file;
  mkdirSync(mediaDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp${ext}`;
  const argv = ['-v', 'error', '-y', ...args.map((a) => (a === 'OUT' ? tmp : a))];
  const r = spawnSync('ffmpeg', argv, { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    throw new Error(`ffmpeg ${argv.join(' ')} failed: ${r.stderr}`);
  }
  renameSync(tmp, file);
  return file;
}

const src = (size: string, rate: string, seconds: number): string[] => [
  '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`,
];
const tone = (rate: number, layout: string, seconds: number): string[] => [
  '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${rate}:duration=${seconds},aformat=channel_layouts=${layout}`,
];

/** The decode test matrix: codecs, sizes, rates, rotation, VFR, with and without audio. */
export const clips = {
  h264: () => ffmpegClip('h264.mp4', [...src('512x512', '25', 2), ...tone(48000, 'stereo', 2), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', 'OUT']),
  hevc: () => ffmpegClip('hevc.mp4', [...src('320x240', '30', 1), '-c:v', 'libx265', '-x265-params', 'log-level=error', '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1', 'OUT']),
  vp9: () => ffmpegClip('vp9.webm', [...src('256x144', '24', 1), ...tone(48000, 'mono', 1), '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus', '-shortest', 'OUT']),
  mpeg4: () => ffmpegClip('mpeg4.avi', [...src('352x288', '30', 1), ...tone(44100, 'stereo', 1), '-c:v', 'mpeg4', '-q:v', '5', '-c:a', 'pcm_s16le', '-shortest', 'OUT']),
  odd: () => ffmpegClip('odd.mkv', [...src('514x290', '25', 1), '-vf', 'format=rgb24,crop=513:289:0:0', '-c:v', 'libx264', '-pix_fmt', 'yuv444p', 'OUT']),
  oddVp9: () => ffmpegClip('odd-vp9.webm', [...src('514x290', '25', 1), '-vf', 'format=rgb24,crop=513:289:0:0', '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-pix_fmt', 'yuv420p', 'OUT']),
  ntsc: () => ffmpegClip('ntsc.mp4', [...src('320x240', '30000/1001', 1), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', 'OUT']),
  rotated: () => rotatedClip(90),
  rotated270: () => rotatedClip(270),
  rotated180: () => rotatedClip(180),
  vfr: () => ffmpegClip('vfr.mkv', [...src('320x240', '25', 2), '-vf', "setpts='if(lt(N,20),N*0.04,0.8+(N-20)*0.1)/TB'", '-fps_mode', 'vfr', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', 'OUT']),
  fullRange: () => ffmpegClip('mjpeg.avi', [...src('320x240', '25', 1), '-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p', '-q:v', '3', 'OUT']),
  // Even-height yuv420p at widths where libswscale's SIMD routine, given tight rows, leaves
  // the last pixels unwritten (514) or writes past the row end (526).
  width514: () => ffmpegClip('w514.mp4', [...src('514x290', '25', 1), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', 'OUT']),
  width526: () => ffmpegClip('w526.mp4', [...src('526x290', '25', 1), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', 'OUT']),
  // Full range flagged on a plain yuv420p stream (VP9 keeps the format; H.264 would decode to yuvj420p).
  fullRangeYuv420p: () => ffmpegClip('fullrange-vp9.webm', [...src('320x240', '25', 1), '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-pix_fmt', 'yuv420p', '-color_range', 'pc', 'OUT']),
  bt709: () => ffmpegClip('bt709.mp4', [...src('320x240', '25', 1), '-vf', 'scale=out_color_matrix=bt709', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', 'OUT']),
  fiveOne: () => ffmpegClip('surround.mkv', [...src('160x120', '25', 1), ...tone(48000, '5.1', 1), '-c:v', 'libx264', '-c:a', 'ac3', '-shortest', 'OUT']),
  audio8k: () => ffmpegClip('tone8k.wav', [...tone(8000, 'mono', 1), 'OUT']),
};

/**
 * A 320x180 H.264 MP4 whose track header carries a display rotation (as phones write it).
 * FFmpeg 5.1 can no longer set one from the command line, so the tkhd matrix is patched
 * to the values FFmpeg's own MP4 muxer writes for that rotation.
 */
function rotatedClip(degrees: 90 | 180 | 270): string {
  const file = path.join(mediaDir, `rotated${degrees}.mp4`);
  if (existsSync(file)) return file;
  const plain = ffmpegClip('unrotated.mp4', [...src('320x180', '25', 1), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', 'OUT']);
  const data = readFileSync(plain);
  const tkhd = data.indexOf('tkhd');
  if (tkhd < 4 || data[tkhd + 4] !== 0) throw new Error('expected a version-0 tkhd box');
  const at = tkhd - 4 + 48; // box start + header 8 + version/flags 4 + 20 + reserved 8 + 8
  const fixed = (x: number): number => (x * 0x10000) | 0;
  const [w, h] = [320, 180];
  const m = {
    90: [0, fixed(1), 0, fixed(-1), 0, 0, fixed(h), 0, 0x40000000],
    180: [fixed(-1), 0, 0, 0, fixed(-1), 0, fixed(w), fixed(h), 0x40000000],
    270: [0, fixed(-1), 0, fixed(1), 0, 0, 0, fixed(w), 0x40000000],
  }[degrees];
  if (data.readInt32BE(at) !== 0x10000 || data.readInt32BE(at + 32) !== 0x40000000) throw new Error('tkhd matrix not found');
  m.forEach((v, i) => data.writeInt32BE(v, at + 4 * i));
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
  return file;
}

export type ClipName = keyof typeof clips;

/** ffmpeg's own decode of every frame, rgb24, in decode order (no frame rate conversion). */
export function ffmpegFrames(file: string, extra: string[] = []): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', ...extra, '-i', file, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    maxBuffer: 1 << 30,
  });
}

/** ffmpeg's own decode of the audio, mono float32 at `rate` (0 = keep the stream's rate). */
export function ffmpegAudio(file: string, rate: number): Float32Array {
  const args = ['-v', 'error', '-i', file, '-vn', '-ac', '1', ...(rate ? ['-ar', String(rate)] : []), '-f', 'f32le', '-'];
  const buf = execFileSync('ffmpeg', args, { maxBuffer: 1 << 30 });
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

/** Deterministic pseudo-random bytes (xorshift32), e.g. to corrupt a file reproducibly. */
export function noiseBytes(n: number, seed = 12345): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}
