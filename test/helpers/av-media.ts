/**
 * Talking-head-like test clips for the audio pass: a testsrc2 video with espeak-ng speech
 * (SSML pauses) muxed in, generated at test time and cached in mediaDir (see media.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { ffmpegClip, mediaDir } from './media.js';

/** Speech with pauses of 700 and 500 ms (espeak-ng, 22050 Hz mono WAV, about 3.9 s). */
export const SPEECH_SSML =
  '<speak>one two three <break time="700ms"/> four five six <break time="500ms"/> seven eight nine</speak>';

export function speechWav(): string {
  const file = path.join(mediaDir, 'speech-pauses.wav');
  if (existsSync(file)) return file;
  mkdirSync(mediaDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp.wav`;
  execFileSync('espeak-ng', ['-m', '-w', tmp, SPEECH_SSML]);
  renameSync(tmp, file);
  return file;
}

/** testsrc2 video (160x120, 25 fps, `seconds` long) + the speech through `audioArgs` (filters, codec). */
export function talkingClip(name: string, seconds: number, audioArgs: string[], videoArgs: string[] = []): string {
  return ffmpegClip(name, [
    '-f', 'lavfi', '-i', `testsrc2=size=160x120:rate=25:duration=${seconds}`,
    '-i', speechWav(),
    '-map', '0:v', '-map', '1:a',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', ...videoArgs,
    ...audioArgs,
    'OUT',
  ]);
}
