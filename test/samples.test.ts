/**
 * The synthetic talking-head generator: checked with ffmpeg/our decoder on what it made
 * (frame count, streams, the audio shift by cross-correlation, the mouth really moving).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio, openVideo, probe } from '../lib/index.js';
import { GRACE_HOPPER, synthesizeTalkingHead, type SynthResult } from '../lib/samples/synth.js';
import { ffmpegAudio } from './helpers/media.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'theval-synth-'));
const SSML = '<speak>One two three. <break time="700ms"/> Four five six.</speak>';
let base: SynthResult;
let shifted: SynthResult;
let mute: SynthResult;
let still: SynthResult;

beforeAll(async () => {
  [base, shifted, mute, still] = await Promise.all([
    synthesizeTalkingHead(path.join(dir, 'base.mp4'), { ssml: SSML }),
    synthesizeTalkingHead(path.join(dir, 'shifted.mp4'), { ssml: SSML, audioShift: 0.4 }),
    synthesizeTalkingHead(path.join(dir, 'mute.mp4'), { ssml: SSML, noAudio: true, mouth: 'static' }),
    synthesizeTalkingHead(path.join(dir, 'still.mp4'), { ssml: SSML, headMotion: 0, mouth: 'static' }),
  ]);
}, 300_000);

/** Mean absolute difference between two RGB frames inside a box. */
function boxDiff(a: Uint8Array, b: Uint8Array, w: number, [x0, y0, x1, y1]: number[]): number {
  let s = 0;
  let n = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++)
      for (let c = 0; c < 3; c++) {
        s += Math.abs(a[(y * w + x) * 3 + c] - b[(y * w + x) * 3 + c]);
        n++;
      }
  return s / n;
}

describe('synthetic talking heads', () => {
  it('writes H.264 + AAC with the frames it reports', async () => {
    const p = await probe(base.path);
    expect(p.codec).toBe('h264');
    expect([p.width, p.height]).toEqual([512, 512]);
    expect(p.frameCount).toBe(base.frames);
    expect(p.audio?.codec).toBe('aac');
    expect((await probe(mute.path)).audio).toBeNull();
  });

  it('shifts the audio by the asked 400 ms (cross-correlation of the two soundtracks)', () => {
    const a = ffmpegAudio(base.path, 1000); // 1 kHz envelope resolution is plenty for 10 ms
    const b = ffmpegAudio(shifted.path, 1000);
    const env = (x: Float32Array): Float32Array => x.map((v) => Math.abs(v));
    const ea = env(a);
    const eb = env(b);
    let best = 0;
    let bestLag = 0;
    for (let lag = 0; lag <= 800; lag += 5) {
      let s = 0;
      for (let i = 0; i + lag < eb.length && i < ea.length; i++) s += ea[i] * eb[i + lag];
      if (s > best) {
        best = s;
        bestLag = lag;
      }
    }
    expect(Math.abs(bestLag - 400)).toBeLessThanOrEqual(20);
  });

  it('opens the mouth while speaking and keeps it shut in a pause; a still head does not move', async () => {
    const open = base.opening;
    const tOpen = open.indexOf(Math.max(...open));
    // In a pause the lips only tremble (opening <= 0.08, the generator's tremor).
    const tShut = open.findIndex((v, t) => t > 5 && v <= 0.08);
    expect(open[tOpen]).toBeGreaterThan(0.5);
    expect(tShut).toBeGreaterThan(0);
    const r = await openVideo(still.path);
    const frames = r.allocate(still.frames) as Uint8Array;
    await r.read(frames, still.frames);
    r.close();
    const w = 512;
    const fb = w * w * 3;
    // Still head, static mouth: consecutive frames differ by encoding noise only.
    const face = [160, 110, 370, 340];
    expect(boxDiff(frames.subarray(0, fb), frames.subarray(fb * (still.frames - 1)), w, face)).toBeLessThan(2);
    // The speaking clip: the mouth region changes between an open and a shut frame.
    const m = await openVideo(base.path);
    const all = m.allocate(base.frames) as Uint8Array;
    await m.read(all, base.frames);
    m.close();
    const [mx, my] = GRACE_HOPPER.mouth;
    const mouthBox = [mx - 40, my - 10, mx + 40, my + 30];
    const d = boxDiff(all.subarray(tOpen * fb, (tOpen + 1) * fb), all.subarray(tShut * fb, (tShut + 1) * fb), w, mouthBox);
    expect(d).toBeGreaterThan(10);
  });

  it('the speech is real audio with pauses (not silence)', async () => {
    const a = await decodeAudio(base.path, 16000);
    const rms = Math.sqrt(a.samples.reduce((s, v) => s + v * v, 0) / a.samples.length);
    expect(rms).toBeGreaterThan(0.01);
  });
});
