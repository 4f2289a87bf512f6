/**
 * Quality-test helpers: pixels of the face photos (decoded once by ffmpeg into raw RGB24,
 * so our scorer and OpenCV's Python BRISQUE read the very same bytes), the Python oracle,
 * controlled degradations, and a moving-face clip.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ffmpegClip } from './media.js';

export const facesDir = process.env.THEVAL_FACES_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../samples/faces');
export const FACES = {
  hopper: path.join(facesDir, 'grace_hopper_512x512.jpg'),
  astronaut: path.join(facesDir, 'astronaut.png'),
};
const PYTHON = '/usr/bin/python3';
const ORACLE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'brisque_oracle.py');

export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export const scratch = mkdtempSync(path.join(os.tmpdir(), 'theval-quality-'));

function ffprobeSize(file: string): [number, number] {
  const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffprobe ${file}: ${r.stderr}`);
  const [w, h] = r.stdout.trim().split(',').map(Number);
  return [w, h];
}

/** The image's pixels as RGB24, decoded by ffmpeg (optionally through a filter). */
export function rawRgb(file: string, vf?: string): RawImage {
  const [width, height] = ffprobeSize(file);
  const args = ['-v', 'error', '-i', file, ...(vf ? ['-vf', vf] : []), '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'];
  const r = spawnSync('ffmpeg', args, { maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${r.stderr}`);
  const data = new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.length);
  if (data.length !== width * height * 3) throw new Error(`${file}: ${data.length} bytes for ${width}x${height}`);
  return { data, width, height };
}

let seq = 0;
export function writeRaw(img: { data: Uint8Array }): string {
  const f = path.join(scratch, `img-${process.pid}-${seq++}.raw`);
  writeFileSync(f, img.data);
  return f;
}

export interface OracleJob {
  file: string;
  width: number;
  height: number;
  index?: number;
  box?: [number, number, number, number] | null;
  mode?: 'bgr' | 'gray';
  resize?: [number, number] | null;
}

function python(args: string[]): string {
  const r = spawnSync(PYTHON, [ORACLE, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error || r.status !== 0) {
    throw new Error(`${PYTHON} ${ORACLE} failed (needs Debian's python3-opencv and opencv-data): ${r.error?.message ?? r.stderr}`);
  }
  return r.stdout;
}

/** Scores from OpenCV's Python cv2.quality.QualityBRISQUE_compute. */
export function oracleBrisque(jobs: OracleJob[]): number[] {
  const f = path.join(scratch, `jobs-${process.pid}-${seq++}.json`);
  writeFileSync(f, JSON.stringify(jobs));
  return JSON.parse(python(['score', f])) as number[];
}

/** JPEG round trip at `quality` (OpenCV's libjpeg encoder, IMWRITE_JPEG_QUALITY). */
export function jpegRoundTrip(img: RawImage, quality: number): RawImage {
  const src = writeRaw(img);
  const dst = `${src}.jpeg.raw`;
  python(['jpeg', src, String(img.width), String(img.height), String(quality), dst]);
  return { data: new Uint8Array(readFileSync(dst)), width: img.width, height: img.height };
}

/** Adds seeded Gaussian noise (sigma in 8-bit levels), clamped to 0..255. */
export function addNoise(img: RawImage, sigma: number, seed = 1): RawImage {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const g = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    out[i] = Math.min(255, Math.max(0, Math.round(img.data[i] + sigma * g)));
  }
  return { data: out, width: img.width, height: img.height };
}

/** Concatenates same-size images into one N x H x W x 3 buffer. */
export function stack(images: RawImage[]): { data: Uint8Array; width: number; height: number; count: number } {
  const { width, height } = images[0];
  const data = new Uint8Array(width * height * 3 * images.length);
  images.forEach((im, i) => {
    if (im.width !== width || im.height !== height) throw new Error('stack: sizes differ');
    data.set(im.data, i * width * height * 3);
  });
  return { data, width, height, count: images.length };
}

/**
 * A 25 fps, 512x512 H.264 clip of a face photo with smooth zoom and pan (zoompan), so
 * consecutive frames differ; `extra` is appended to the filter chain (e.g. timed noise).
 */
export function movingClip(photo: string, seconds: number, extra?: string): string {
  const zoom = "zoompan=z='1.15+0.15*sin(2*PI*on/60)':x='(iw-iw/zoom)/2+40*sin(2*PI*on/45)':y='(ih-ih/zoom)/2+25*cos(2*PI*on/70)':d=1:s=512x512:fps=25";
  const vf = extra ? `${zoom},${extra}` : zoom;
  const name = `${path.basename(photo, path.extname(photo))}-moving.mp4`;
  return ffmpegClip(name, ['-loop', '1', '-framerate', '25', '-t', String(seconds), '-i', photo, '-vf', vf, '-c:v', 'libx264', '-preset', 'medium', '-crf', '20', '-pix_fmt', 'yuv420p', 'OUT']);
}

/** The Grace Hopper photo moving for 4 s (100 frames). */
export function movingFaceClip(seconds = 4): string {
  return movingClip(FACES.hopper, seconds);
}

/** The first `count` frames of movingFaceClip() as our decoder gives them, as a frame batch. */
export async function movingFaceFrames(count: number): Promise<{ data: Uint8Array; width: number; height: number; count: number }> {
  const { openVideo } = await import('../../lib/decode/video.js');
  const reader = await openVideo(movingFaceClip());
  try {
    const data = reader.allocate(count) as Uint8Array;
    const n = await reader.read(data, count);
    const { width, height } = reader.info;
    return { data, width, height, count: n };
  } finally {
    reader.close();
  }
}
