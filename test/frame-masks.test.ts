import { describe, expect, it } from 'vitest';
import { countFrames, keptSilentFrames, speechFrames } from '../lib/audio/frameMasks.js';

const ones = (m: Uint8Array) => [...m.keys()].filter((i) => m[i]);

describe('speechFrames', () => {
  it('marks int(start*fps) .. int(end*fps) inclusive', () => {
    // 25 fps, [0.3, 0.5]: 0.3*25 = 7.5 -> 7, 0.5*25 = 12.5 -> 12 -> frames 7..12
    expect(ones(speechFrames([[0.3, 0.5]], 25, 100))).toEqual([7, 8, 9, 10, 11, 12]);
  });

  it('truncates the float product like Python int(), not rounding it', () => {
    // Python: 4.6*25 == 114.99999999999999, int() -> 114 (frame 114 is speech, not only from 115);
    // 4.8*25 == 120.0 -> 120.
    const m = speechFrames([[4.6, 4.8]], 25, 200);
    expect(ones(m)).toEqual([114, 115, 116, 117, 118, 119, 120]);
    // Python: 4.1*30 == 122.99999999999999 -> 122 as the END bound too: 123 is not speech.
    const e = speechFrames([[4.0, 4.1]], 30, 200);
    expect(ones(e)).toEqual([120, 121, 122]);
  });

  it('clips to the video and merges overlapping segments', () => {
    const m = speechFrames([[0, 0.2], [0.1, 0.3], [0.9, 5]], 10, 10);
    // [0,2] U [1,3] U [9, 50 clipped to 9]
    expect(ones(m)).toEqual([0, 1, 2, 3, 9]);
    expect(m.length).toBe(10);
  });
});

describe('keptSilentFrames', () => {
  it('keeps silent runs of at least 0.3*fps frames, including the last run', () => {
    // fps 10 -> 0.3*10 == 3.0 (Python) -> runs of length >= 3 kept.
    //  frame: 0 1 2 3 4 5 6 7 8 9 10 11 12
    //  speech 1 0 0 1 0 0 0 1 0 0 0  0  1   -> runs: [1,2] (2, dropped), [4..6] (3, kept), [8..11] (4, kept)
    const speech = Uint8Array.from([1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    expect(ones(keptSilentFrames(speech, 10))).toEqual([4, 5, 6, 8, 9, 10, 11]);
    // The run at the very end is kept too.
    expect(ones(keptSilentFrames(Uint8Array.from([1, 1, 0, 0, 0]), 10))).toEqual([2, 3, 4]);
  });

  it('compares with the non-integer 0.3*fps (29.97 fps -> 8.991: 9 frames kept, 8 not)', () => {
    const run8 = Uint8Array.from([1, ...new Array(8).fill(0), 1]);
    const run9 = Uint8Array.from([1, ...new Array(9).fill(0), 1]);
    expect(countFrames(keptSilentFrames(run8, 29.97))).toBe(0);
    expect(countFrames(keptSilentFrames(run9, 29.97))).toBe(9);
  });

  it('keeps a whole silent video and nothing of an all-speech one', () => {
    expect(countFrames(keptSilentFrames(new Uint8Array(5), 10))).toBe(5);
    expect(countFrames(keptSilentFrames(new Uint8Array(5).fill(1), 10))).toBe(0);
  });
});
