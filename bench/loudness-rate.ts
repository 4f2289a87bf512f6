/**
 * How much the lip-sync loudness curve depends on the rate the audio is decoded at: the
 * reference decoded to 44.1 kHz; theval can use the stream's own rate. For a few encodings
 * of the same espeak-ng speech, compares frameRms at 44.1 kHz (ffmpeg's resampler) with
 * frameRms at the native rate, raw and after the metric's min-max normalisation over the
 * speech frames. `npx tsx bench/loudness-rate.ts`
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { frameRms } from '../lib/audio/loudness.js';
import { speechSegments } from '../lib/audio/speechSegments.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'theval-bench-rate-'));
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { maxBuffer: 1 << 28 });
const decode = (file: string, rate?: number) => {
  const args = ['-v', 'error', '-i', file, '-ac', '1'];
  if (rate) args.push('-ar', String(rate));
  args.push('-f', 'f32le', '-');
  const b = sh('ffmpeg', args);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
};
const probeRate = (file: string) =>
  Number(sh('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=sample_rate', '-of', 'csv=p=0', file]).toString().trim());

const src = path.join(dir, 'speech.wav');
sh('espeak-ng', ['-m', '-w', src,
  '<speak>The quick brown fox jumps over the lazy dog. <break time="700ms"/> She sells sea shells by the sea shore. ' +
  '<break time="400ms"/> Peter Piper picked a peck of pickled peppers. <break time="300ms"/> How much wood would a woodchuck chuck.</speak>']);
const variants: Array<[string, string[]]> = [
  ['espeak wav 22050 Hz (pcm)', []],
  ['AAC 48 kHz (m4a)', ['-ar', '48000', '-c:a', 'aac', '-b:a', '128k']],
  ['AAC 44.1 kHz (m4a)', ['-ar', '44100', '-c:a', 'aac', '-b:a', '128k']],
  ['AAC 16 kHz (m4a)', ['-ar', '16000', '-c:a', 'aac', '-b:a', '64k']],
  ['PCM 48 kHz (wav)', ['-ar', '48000', '-c:a', 'pcm_s16le']],
];
const fps = 25;
console.log('variant | native Hz | frames | speech frames | raw max rel diff | norm max |diff| | norm mean |diff|');
for (const [name, enc] of variants) {
  let file = src;
  if (enc.length) {
    file = path.join(dir, `${name.replace(/\W+/g, '_')}.${enc.includes('aac') ? 'm4a' : 'wav'}`);
    sh('ffmpeg', ['-v', 'error', '-y', '-i', src, ...enc, file]);
  }
  const native = probeRate(file);
  const xNative = decode(file);
  const x44 = decode(file, 44100);
  const x16 = decode(file, 16000);
  const T = Math.floor((xNative.length / native) * fps);
  const a = frameRms(x44, 44100, fps, T);
  const b = frameRms(xNative, native, fps, T);
  const segs = await speechSegments(x16);
  const mask: number[] = [];
  for (let t = 0; t < T; t++) if (segs.some(([s, e]) => Math.trunc(s * fps) <= t && t <= Math.trunc(e * fps))) mask.push(t);
  const norm = (v: Float32Array) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of mask) { lo = Math.min(lo, v[t]!); hi = Math.max(hi, v[t]!); }
    return mask.map((t) => (v[t]! - lo) / (hi - lo + 1e-8));
  };
  const na = norm(a);
  const nb = norm(b);
  let rawMax = 0;
  for (const t of mask) rawMax = Math.max(rawMax, Math.abs(a[t]! - b[t]!) / Math.max(a[t]!, 1e-12));
  let nMax = 0;
  let nSum = 0;
  na.forEach((v, i) => { const d = Math.abs(v - nb[i]!); nMax = Math.max(nMax, d); nSum += d; });
  console.log(`${name} | ${native} | ${T} | ${mask.length} | ${rawMax.toExponential(2)} | ${nMax.toExponential(2)} | ${(nSum / mask.length).toExponential(2)}`);
}
fs.rmSync(dir, { recursive: true, force: true });
