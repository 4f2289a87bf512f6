/**
 * Cost of Silero VAD v5 speech probabilities, in ms per minute of 16 kHz audio.
 * `npx tsx bench/vad-cost.ts` (espeak-ng and ffmpeg on PATH). Prints a small table.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { speechProbabilities } from '../lib/audio/vad.js';
import { speechTimestampsSeconds } from '../lib/audio/speechSegments.js';
import { vadModelPath } from '../lib/models/vadModel.js';
import { timeCalls } from './timing.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'theval-bench-vad-'));
const wav = path.join(dir, 's.wav');
execFileSync('espeak-ng', ['-m', '-w', wav,
  '<speak>The quick brown fox jumps over the lazy dog. <break time="700ms"/> ' +
  'She sells sea shells by the sea shore. <break time="400ms"/> Peter Piper picked a peck of pickled peppers.</speak>']);
const buf = execFileSync('ffmpeg', ['-v', 'error', '-i', wav, '-ac', '1', '-ar', '16000', '-f', 'f32le', '-'], { maxBuffer: 1 << 28 });
fs.rmSync(dir, { recursive: true, force: true });
const clip = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
const minute = new Float32Array(16000 * 60);
for (let i = 0; i < minute.length; i += clip.length) minute.set(clip.subarray(0, Math.min(clip.length, minute.length - i)), i);

async function time(label: string, f: () => Promise<unknown>, reps = 3): Promise<void> {
  const t = await timeCalls(f, reps);
  console.log(`${label.padEnd(58)} median ${t.median.toFixed(0)} ms / min of audio (min ${t.min.toFixed(0)})`);
}

console.log(`node ${process.version}, onnxruntime-node ${ort.env.versions.node}, ${os.cpus().length} x ${os.cpus()[0]?.model}`);
await time('speechProbabilities (1 intra-op thread, as the reference)', () => speechProbabilities(minute));
const t0 = performance.now();
const p = await speechProbabilities(minute);
const t1 = performance.now();
speechTimestampsSeconds(p, minute.length);
console.log(`post-processing (get_speech_timestamps port)                 ${(performance.now() - t1).toFixed(2)} ms (VAD ${(t1 - t0).toFixed(0)} ms)`);

// Same loop with onnxruntime's default thread pool, for comparison.
const model = await vadModelPath();
const sDefault = await ort.InferenceSession.create(model);
await time('same windows, default session options (all cores)', async () => {
  let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]);
  const sr = new ort.Tensor('int64', BigInt64Array.of(16000n), []);
  const x = new Float32Array(576);
  const input = new ort.Tensor('float32', x, [1, 576]);
  for (let i = 0; i < minute.length / 512; i++) {
    x.copyWithin(0, 512, 576);
    x.set(minute.subarray(i * 512, i * 512 + 512), 64);
    const o = await sDefault.run({ input, state, sr });
    state = o.stateN as ort.Tensor;
  }
});

// Main-thread availability while the VAD runs: count event-loop turns.
let ticks = 0;
const iv = setInterval(() => ticks++, 1);
const t2 = performance.now();
await speechProbabilities(minute);
clearInterval(iv);
console.log(`event loop during one run: ${ticks} timer ticks in ${(performance.now() - t2).toFixed(0)} ms (1 ms interval)`);
