/**
 * get_speech_timestamps port: hand-computed cases on synthetic probability sequences
 * (each expectation derived by hand from the silero-vad 5.1.x algorithm in the comments),
 * Python's own round() as the truth for the rounding, and espeak-ng speech with SSML pauses
 * of known length, decoded by the ffmpeg CLI, for the whole chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  pyRound,
  speechSegments,
  speechTimestampsSamples,
  speechTimestampsSeconds,
} from '../lib/audio/speechSegments.js';
import { espeak, ffmpegDecode, run, silentRuns, tempDir } from './helpers/audio-media.js';

/** "0x2,1x8,0.4" -> [0,0,1,1,1,1,1,1,1,1,0.4] */
function probs(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const [v, n] = part.split('x');
    for (let i = 0; i < Number(n ?? 1); i++) out.push(Number(v));
  }
  return out;
}

describe('speechTimestamps (hand-computed, window 512, defaults)', () => {
  it('one segment: padding 480 samples, Python rounding of 0.35 s down to 0.3', () => {
    // start at window 2 (1024); first silent window 10 -> temp_end 5120; closes at window 14
    // (14*512-5120 = 2048 >= 1600); length 4096 > 4000 kept. Pad: 1024-480 = 544,
    // 5120+480 = 5600. 544/16000 = 0.034 -> 0.0; 5600/16000 is the double just below 0.35 -> 0.3.
    const p = probs('0x2,1x8,0x10');
    expect(speechTimestampsSamples(p, 20 * 512)).toEqual([[544, 5600]]);
    expect(speechTimestampsSeconds(p, 20 * 512)).toEqual([[0, 0.3]]);
  });

  it('drops a segment not longer than 250 ms', () => {
    // windows 2..8: 4608 - 1024 = 3584 <= 4000
    expect(speechTimestampsSamples(probs('0x2,1x7,0x10'), 19 * 512)).toEqual([]);
  });

  it('hysteresis: enters at >= 0.5, leaves only below 0.35', () => {
    // 0.45 never starts speech; 0.5 exactly does (window 6 -> 3072); 0.4 keeps it; 0.3 from
    // window 20 (10240) ends it at window 24 (2048 >= 1600). Pad: 2592, 10720.
    const p = probs('0,0.45x5,0.5,1x7,0.4x6,0.3x5');
    expect(speechTimestampsSamples(p, 25 * 512)).toEqual([[2592, 10720]]);
    expect(speechTimestampsSeconds(p, 25 * 512)).toEqual([[0.2, 0.7]]);
  });

  it('a silence shorter than 100 ms does not split', () => {
    // 3 silent windows: 12*512 - 5120 = 1024 < 1600, then speech resets temp_end.
    // Final silence from window 23 (11776) closes at 27. Pad: 0, 12256 -> 0.766 s -> 0.8.
    const p = probs('1x10,0x3,1x10,0x5');
    expect(speechTimestampsSamples(p, 28 * 512)).toEqual([[0, 12256]]);
    expect(speechTimestampsSeconds(p, 28 * 512)).toEqual([[0, 0.8]]);
  });

  it('splits a short gap in halves when it is under 2*pad', () => {
    // min silence 50 ms (800), pad 60 ms (960). First ends at 5120 (closed at window 12),
    // second starts at window 13 (6656) and runs to the end (11776). Gap 1536 < 1920:
    // each side gets 768 -> [0, 5888], [5888, 11776].
    const opts = { minSilenceDurationMs: 50, speechPadMs: 60 };
    const p = probs('1x10,0x3,1x10');
    expect(speechTimestampsSamples(p, 23 * 512, opts)).toEqual([
      [0, 5888],
      [5888, 11776],
    ]);
    expect(speechTimestampsSeconds(p, 23 * 512, opts)).toEqual([
      [0, 0.4],
      [0.4, 0.7],
    ]);
  });

  it('speech to the end: end = audio length; an exact tie (1.25 s) rounds half-to-even to 1.2', () => {
    // 20000 samples -> 40 windows; start window 1 (512 -> 32 after pad); end = 20000 = 1.25 s,
    // exactly halfway: Python gives 1.2 (even), then min(1.2, 1.25) = 1.2. Rounding half up
    // would give 1.3 and the clip 1.25.
    const p = probs('0,1x39');
    expect(speechTimestampsSamples(p, 20000)).toEqual([[32, 20000]]);
    expect(speechTimestampsSeconds(p, 20000)).toEqual([[0, 1.2]]);
  });

  it('an end rounded up past the audio length is clipped to the exact length', () => {
    // 10500 samples = 0.65625 s: round -> 0.7 > 0.65625 -> 0.65625
    const p = probs('0,1x20');
    expect(speechTimestampsSeconds(p, 10500)).toEqual([[0, 0.65625]]);
  });

  it('max speech without an earlier silence: hard cut, then halves of the 512-sample gap', () => {
    // max_speech_samples = 16000 - 512 - 960 = 14528. Cut at window 29 (14848 > 14528),
    // restart at window 30 (15360), cut at window 59 (30208). Gap 512 < 960: 256 each side
    // -> [0, 15104], [15104, min(30720, 30688)].
    const p = probs('1x60');
    const opts = { maxSpeechDurationS: 1 };
    expect(speechTimestampsSamples(p, 30720, opts)).toEqual([
      [0, 15104],
      [15104, 30688],
    ]);
    expect(speechTimestampsSeconds(p, 30720, opts)).toEqual([
      [0, 0.9],
      [0.9, 1.9],
    ]);
  });

  it('max speech with an earlier silence over 98 ms: split at prev_end, resume at next_start', () => {
    // min silence 200 ms (3200). Silence windows 10..14 (temp_end 5120); at window 14 the
    // silence is 2048 > 1568 -> prev_end = 5120 (but < 3200, no close). Window 15 speech:
    // next_start = 7680. Window 29 exceeds 14528: segment [0, 5120]; next_start >= prev_end
    // so a new segment starts at 7680 and runs to the end (20480).
    // Pad: [0, 5600], [7200, 20480]. Seconds: 0.35 -> 0.3; 0.45 (double just above) -> 0.5;
    // 1.28 -> 1.3, clipped to the length 1.28.
    const p = probs('1x10,0x5,1x25');
    const opts = { maxSpeechDurationS: 1, minSilenceDurationMs: 200 };
    expect(speechTimestampsSamples(p, 40 * 512, opts)).toEqual([
      [0, 5600],
      [7200, 20480],
    ]);
    expect(speechTimestampsSeconds(p, 40 * 512, opts)).toEqual([
      [0, 0.3],
      [0.5, 1.28],
    ]);
  });

  it('no probabilities, no segments', () => {
    expect(speechTimestampsSeconds([], 0)).toEqual([]);
    expect(speechTimestampsSeconds(probs('0x30'), 30 * 512)).toEqual([]);
  });
});

describe('pyRound equals Python 3 round()', () => {
  it('on every k/16000 up to 3 s at 1 decimal, and on ties and odd cases', () => {
    const xs: Array<[number, number]> = [];
    for (let k = 0; k <= 48000; k++) xs.push([k / 16000, 1]);
    for (const x of [0.25, 0.75, 1.25, 0.35, 0.45, 0.05, 0.15, 2.675, 1e-300, 123456.65, -0.25, -0.35, -0.04, 1e20])
      for (const nd of [0, 1, 2, 3]) xs.push([x, nd]);
    xs.push([2.5, 0], [3.5, 0], [0.125, 2], [0.375, 2], [5e-324, 1]);
    const input = JSON.stringify(xs.map(([x, nd]) => [x.toString(), nd]));
    const py = execFileSync('python3', ['-c', 'import json,sys\nprint(json.dumps([round(float(x), n) for x, n in json.load(sys.stdin)]))'], {
      input,
      maxBuffer: 1 << 26,
    });
    const want = JSON.parse(py.toString()) as number[];
    expect(want.length).toBe(xs.length);
    const bad: string[] = [];
    xs.forEach(([x, nd], i) => {
      const got = pyRound(x, nd);
      if (!Object.is(got, want[i]) && !(got === 0 && want[i] === 0)) bad.push(`round(${x}, ${nd}): py ${want[i]}, js ${got}`);
    });
    expect(bad).toEqual([]);
  });
});

describe('speechSegments on espeak-ng speech (ffmpeg-decoded)', () => {
  let dir: string;
  let speech16k: Float32Array;
  const pauses = [0.7, 0.5, 0.3];

  beforeAll(() => {
    dir = tempDir('segments');
    const wav = espeak(
      dir,
      'pauses.wav',
      '<speak>one two three <break time="700ms"/> four five six <break time="500ms"/> ' +
        'seven eight nine <break time="300ms"/> ten eleven twelve</speak>',
    );
    speech16k = ffmpegDecode(wav, 16000);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gaps between segments match the SSML pauses within 0.15 s and lie in the silences', async () => {
    const segs = await speechSegments(speech16k);
    expect(segs.length).toBe(4);
    for (const [s, e] of segs) {
      expect(e).toBeGreaterThan(s);
      expect(Math.round(s * 10)).toBeCloseTo(s * 10, 9); // on the 0.1 s grid
    }
    const gaps = segs.slice(1).map(([s], i) => s - segs[i]![1]);
    gaps.forEach((g, i) => expect(Math.abs(g - pauses[i]!)).toBeLessThanOrEqual(0.15));
    // Independent positions: the silent runs of the waveform itself (|x| < 1e-3, >= 200 ms).
    const quiet = silentRuns(speech16k, 16000, 1e-3, 0.2).filter(([a, b]) => a > 0 && b < speech16k.length / 16000);
    expect(quiet.length).toBe(3);
    quiet.forEach(([a, b], i) => {
      expect(Math.abs(b - a - pauses[i]!)).toBeLessThanOrEqual(0.05); // espeak honoured the pause
      // segment i ends, segment i+1 starts, inside or within 0.15 s of silence i
      expect(segs[i]![1]).toBeGreaterThanOrEqual(a - 0.15);
      expect(segs[i]![1]).toBeLessThanOrEqual(a + 0.15);
      expect(segs[i + 1]![0]).toBeGreaterThanOrEqual(b - 0.15);
      expect(segs[i + 1]![0]).toBeLessThanOrEqual(b + 0.15);
    });
    // the last segment ends where the speech ends (within 0.15 s), never past the audio
    expect(segs[3]![1]).toBeLessThanOrEqual(speech16k.length / 16000);
  });

  it('audio that starts with speech gives a segment starting at 0', async () => {
    // cut 0.3 s into "one two three": the first sample is mid-speech
    const cut = speech16k.subarray(Math.round(0.3 * 16000));
    expect(Math.max(...Array.from(cut.subarray(0, 800), Math.abs))).toBeGreaterThan(0.01);
    const segs = await speechSegments(cut);
    expect(segs[0]?.[0]).toBe(0);
  });

  it('speech after 1 s of digital silence starts at 1.0 +- 0.15 s', async () => {
    const delayed = new Float32Array(16000 + speech16k.length);
    delayed.set(speech16k, 16000);
    const lead = speech16k.findIndex((v) => Math.abs(v) >= 1e-3) / 16000; // espeak's own lead-in
    const segs = await speechSegments(delayed);
    expect(Math.abs(segs[0]![0] - (1 + lead))).toBeLessThanOrEqual(0.15);
  });

  it('pure silence and white noise at -60 dBFS RMS give no segment', async () => {
    const silenceWav = path.join(dir, 'silence.wav');
    const noiseWav = path.join(dir, 'noise.wav');
    // -D: no dither (sox would otherwise add noise when writing 16-bit samples)
    run('sox', ['-D', '-n', '-r', '16000', '-c', '1', '-b', '16', silenceWav, 'trim', '0', '3']);
    run('sox', ['-n', '-r', '16000', '-c', '1', '-b', '32', '-e', 'floating-point', noiseWav, 'synth', '3', 'whitenoise', 'vol', '-50.27dB']);
    const silence = ffmpegDecode(silenceWav, 16000);
    const noise = ffmpegDecode(noiseWav, 16000);
    expect(silence.length).toBe(48000);
    expect(silence.every((v) => v === 0)).toBe(true);
    // the noise is really there at an RMS level of -60 dBFS (measured: sox's whitenoise RMS is
    // about 9.7 dB below its vol setting)
    const rmsDb = 10 * Math.log10(noise.reduce((a, v) => a + v * v, 0) / noise.length);
    expect(rmsDb).toBeGreaterThan(-60.5);
    expect(rmsDb).toBeLessThan(-59.5);
    expect(await speechSegments(silence)).toEqual([]);
    expect(await speechSegments(noise)).toEqual([]);
  });
});
