/** Face test media and small geometry helpers for the face pipeline tests. */
import path from 'node:path';
import { packageRoot } from '../../lib/native.js';
import { ffmpegClip } from './media.js';

export const GRACE = path.join(packageRoot, 'samples', 'faces', 'grace_hopper_512x512.jpg');
export const ASTRONAUT = path.resolve(packageRoot, 'samples', 'faces', 'astronaut.png');

/** A lossless still (PNG) of `src` through an ffmpeg filter graph. */
export function stillImage(name: string, src: string[], filter: string): string {
  const inputs = src.flatMap((s) => ['-i', s]);
  return ffmpegClip(`${name}.png`, [...inputs, ...(filter ? ['-filter_complex', filter] : []), '-frames:v', '1', 'OUT']);
}

/** A lossless clip (FFV1, RGB) of `frames` copies of `src` through a filter. */
export function stillClip(name: string, src: string, filter: string, frames: number): string {
  return ffmpegClip(`${name}.mkv`, ['-loop', '1', '-i', src, ...(filter ? ['-vf', filter] : []), '-frames:v', String(frames), '-c:v', 'ffv1', '-pix_fmt', 'rgb24', 'OUT']);
}

/** Landmark i of frame t in pixels. */
export function px(track: Float32Array, points: number, t: number, i: number, width: number, height: number): [number, number] {
  const o = (t * points + i) * 3;
  return [track[o] * width, track[o + 1] * height];
}

export { pearson, slope } from './stats.js';

/** Is frame t of a track a face (not NaN)? */
export function hasFace(track: Float32Array, points: number, t: number): boolean {
  return !Number.isNaN(track[t * points * 3]);
}
