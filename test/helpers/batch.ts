/** Batches of small test videos in fresh temporary folders (copies of cached ffmpeg clips). */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ffmpegClip } from './media.js';

/** 160x120 H.264 + AAC, 25 fps, 1 s (25 frames). */
export const smallClip = (): string =>
  ffmpegClip('small.mp4', [
    '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=1',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=1',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', 'OUT',
  ]);

export function tempDir(prefix = 'theval-eval-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** `n` copies of the small clip named v00.mp4, v01.mp4, ... in `dir` (created). Returns their paths. */
export function makeBatch(dir: string, n: number): string[] {
  mkdirSync(dir, { recursive: true });
  const src = smallClip();
  return Array.from({ length: n }, (_, i) => {
    const p = path.join(dir, `v${String(i).padStart(2, '0')}.mp4`);
    copyFileSync(src, p);
    return p;
  });
}

/** A file that is not a video at all, and one cut in half (corrupt / truncated). */
export function makeBadVideos(dir: string): { garbage: string; truncated: string } {
  mkdirSync(dir, { recursive: true });
  const garbage = path.join(dir, 'garbage.mp4');
  writeFileSync(garbage, Buffer.from('this is not a video\n'.repeat(100)));
  const whole = readFileSync(smallClip());
  const truncated = path.join(dir, 'truncated.mp4');
  writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 3)));
  return { garbage, truncated };
}

/** The valid records of a results.jsonl (JSON lines), skipping a torn last line. */
export function jsonl(file: string): Array<Record<string, any>> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });
}
