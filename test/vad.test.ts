/**
 * Silero VAD v5 probabilities: lib/audio/vad.ts against a plain, independent driver of the
 * same model through onnxruntime-node, on speech decoded by the ffmpeg CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { speechProbabilities } from '../lib/audio/vad.js';
import { vadModelPath, SILERO_VAD_V5, sha256 } from '../lib/models/vadModel.js';
import { espeak, ffmpegDecode, tempDir } from './helpers/audio-media.js';

let dir: string;
let modelFile: string;
let speech: Float32Array;

beforeAll(async () => {
  dir = tempDir('vad');
  modelFile = await vadModelPath();
  const wav = espeak(dir, 'speech.wav', '<speak>one two three <break time="700ms"/> four five six</speak>');
  speech = ffmpegDecode(wav, 16000);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * The reference feeding, written out from silero-vad's OnnxWrapper without sharing any code
 * with lib/audio/vad.ts: window i = audio[512i, 512i+512) zero-padded; model input =
 * concat(last 64 values of the previous padded window (zeros for i = 0), window i);
 * state starts at zeros and is replaced by `stateN`; sr = int64 16000. Default session
 * options (all threads) on purpose, unlike the library's single-threaded session.
 */
async function referenceProbabilities(audio: Float32Array): Promise<number[]> {
  const session = await ort.InferenceSession.create(modelFile);
  const windows: Float32Array[] = [];
  for (let start = 0; start < audio.length; start += 512) {
    const w = new Float32Array(512); // zero padded
    w.set(audio.slice(start, Math.min(start + 512, audio.length)));
    windows.push(w);
  }
  let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 1 * 128), [2, 1, 128]);
  const sr = new ort.Tensor('int64', new BigInt64Array([16000n]), []);
  const probs: number[] = [];
  for (let i = 0; i < windows.length; i++) {
    const context = i === 0 ? new Float32Array(64) : windows[i - 1]!.slice(512 - 64);
    const input = new Float32Array(576);
    input.set(context, 0);
    input.set(windows[i]!, 64);
    const out = await session.run({ input: new ort.Tensor('float32', input, [1, 576]), state, sr });
    probs.push((out.output!.data as Float32Array)[0]!);
    state = out.stateN as ort.Tensor;
  }
  await session.release();
  return probs;
}

describe('speechProbabilities', () => {
  it('uses the pinned model file', () => {
    const buf = fs.readFileSync(modelFile);
    expect(buf.length).toBe(2_327_524);
    expect(sha256(buf)).toBe(SILERO_VAD_V5.sha256);
    expect(SILERO_VAD_V5.sha256.startsWith('2623a295')).toBe(true);
  });

  it('equals an independent onnxruntime-node driver of the same windows (max |diff| <= 1e-5)', async () => {
    // An odd length so the last window is zero-padded.
    const audio = speech.subarray(0, speech.length - 137);
    expect(audio.length % 512).not.toBe(0);
    const got = await speechProbabilities(audio);
    const want = await referenceProbabilities(audio);
    expect(got.length).toBe(Math.ceil(audio.length / 512));
    expect(want.length).toBe(got.length);
    let maxDiff = 0;
    for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
    console.log(`VAD equivalence: max |diff| = ${maxDiff}`);
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
    // The audio has speech and a pause: the probabilities must span both classes, so the
    // comparison above is not between two flat curves.
    expect(Math.max(...got)).toBeGreaterThan(0.9);
    expect(Math.min(...got)).toBeLessThan(0.1);
  });

  it('depends on the 64-sample context (a driver without it disagrees)', async () => {
    // Guards the test above: feeding bare 512-sample windows must give other numbers.
    const session = await ort.InferenceSession.create(modelFile);
    let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]);
    const sr = new ort.Tensor('int64', new BigInt64Array([16000n]), []);
    const got = await speechProbabilities(speech.subarray(0, 512 * 40));
    let maxDiff = 0;
    for (let i = 0; i < 40; i++) {
      const input = new Float32Array(576);
      input.set(speech.subarray(512 * i, 512 * i + 512), 64); // context left at zeros
      const out = await session.run({ input: new ort.Tensor('float32', input, [1, 576]), state, sr });
      state = out.stateN as ort.Tensor;
      maxDiff = Math.max(maxDiff, Math.abs((out.output!.data as Float32Array)[0]! - got[i]!));
    }
    await session.release();
    expect(maxDiff).toBeGreaterThan(1e-3);
  });

  it('resets the recurrent state per call', async () => {
    const a = speech.subarray(0, 16000);
    const b = speech.subarray(16000, 48000);
    const bAlone = await speechProbabilities(b);
    await speechProbabilities(a);
    const bAfterA = await speechProbabilities(b);
    expect(Array.from(bAfterA)).toEqual(Array.from(bAlone));
  });

  it('returns an empty array for empty audio and one value for a partial window', async () => {
    expect((await speechProbabilities(new Float32Array(0))).length).toBe(0);
    expect((await speechProbabilities(new Float32Array(100))).length).toBe(1);
  });
});
