/**
 * Cost of the whole analyzeAudio pass (decode 16 kHz + decode native rate, in parallel;
 * Silero VAD; segments; RMS per frame) on a 60 s talking clip, in ms per minute of audio.
 * `npx tsx bench/analyze-audio.ts` (espeak-ng and ffmpeg on PATH).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeAudio } from '../lib/audio/analyzeAudio.js';
import { speechProbabilities } from '../lib/audio/vad.js';
import { decodeAudio } from '../lib/decode/audio.js';
import { timeCalls } from './timing.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'theval-bench-aa-'));
const wav = path.join(dir, 's.wav');
execFileSync('espeak-ng', ['-m', '-w', wav,
  '<speak>The quick brown fox jumps over the lazy dog. <break time="700ms"/> ' +
  'She sells sea shells by the sea shore. <break time="400ms"/> Peter Piper picked a peck of pickled peppers.</speak>']);
const clip = path.join(dir, 'talk60.mp4');
// 60 s: 512x512 H.264 25 fps + the speech looped, AAC 48 kHz stereo (a typical talking-head file).
execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=512x512:rate=25:duration=60',
  '-stream_loop', '-1', '-i', wav, '-map', '0:v', '-map', '1:a', '-af', 'pan=stereo|c0=c0|c1=c0',
  '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ar', '48000', '-t', '60', clip]);

async function time(label: string, f: () => Promise<unknown>, reps = 5): Promise<number> {
  const t = await timeCalls(f, reps);
  console.log(`${label.padEnd(44)} median ${t.median.toFixed(0)} ms (min ${t.min.toFixed(0)}, max ${t.max.toFixed(0)})`);
  return t.median;
}

console.log(`node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model}; clip 60 s, 1500 frames`);
const a = await analyzeAudio(clip, 25, 1500);
console.log(`audio ${a.audioDurationSec} s, ${a.tracks.speech.length} segments, warnings ${JSON.stringify(a.warnings)}`);
await time('analyzeAudio (all of it)', () => analyzeAudio(clip, 25, 1500));
await time('  decodeAudio 16 kHz', () => decodeAudio(clip, 16000));
await time('  decodeAudio native (48 kHz)', () => decodeAudio(clip, 0));
await time('  both decodes in parallel', () => Promise.all([decodeAudio(clip, 16000), decodeAudio(clip, 0)]));
const x16 = (await decodeAudio(clip, 16000)).samples;
await time('  speechProbabilities (VAD)', () => speechProbabilities(x16));
fs.rmSync(dir, { recursive: true, force: true });
