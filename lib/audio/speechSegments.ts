/**
 * Speech segments from Silero VAD probabilities: a line-by-line port of the post-processing
 * of `get_speech_timestamps` in silero-vad 5.1.x,
 *   snakers4/silero-vad, src/silero_vad/utils_vad.py, commit 0dd45f0bcd7271463c234f3bae5ad25181f9df8b
 *   (the 5.1 line: `time_resolution` present, max-speech split through `prev_end`/`next_start`,
 *   `min_silence_samples_at_max_speech` fixed at 98 ms, not yet a parameter as in 6.x).
 * For the default max_speech_duration_s = inf, 6.2.x (which splits at the longest of the
 * `possible_ends`) gives the same result: the max-speech branch never runs.
 *
 * Quirks kept on purpose (they change numbers):
 * - sample thresholds are floats (`16000 * ms / 1000`); comparisons are strict where the
 *   source's are (`> min_speech_samples`, `< min_silence_samples`);
 * - `temp_end`, `prev_end` are tested for truthiness (0 means "unset");
 * - padding: first start `int(max(0, start - pad))`; between neighbours, a silence shorter
 *   than 2*pad is split in halves (`silence // 2`), else each side gets `pad`; last end
 *   `int(min(len, end + pad))`;
 * - seconds: Python `round(x, time_resolution)` (round-half-even on the exact binary value:
 *   0.35 -> 0.3, 1.25 -> 1.2 (a tie), 1.35 -> 1.4, 0.45 -> 0.5); start `max(.., 0)`; end
 *   `min(round(end), audio_length_samples / 16000)`, so an end rounded up past the audio
 *   length becomes the exact, unrounded length.
 */
import { speechProbabilities, VAD_SAMPLE_RATE, VAD_WINDOW, type VadOptions } from './vad.js';

export interface SpeechSegmentOptions {
  /** Speech threshold (default 0.5). */
  threshold?: number;
  /** Exit threshold while in speech (default max(threshold - 0.15, 0.01)). */
  negThreshold?: number;
  /** Segments not longer than this are dropped (default 250 ms). */
  minSpeechDurationMs?: number;
  /** Longer segments are split (default Infinity). */
  maxSpeechDurationS?: number;
  /** Silence needed to end a segment (default 100 ms). */
  minSilenceDurationMs?: number;
  /** Padding added to each side (default 30 ms). */
  speechPadMs?: number;
  /** Decimal places of the returned seconds (default 1). */
  timeResolution?: number;
}

interface Speech {
  start?: number;
  end?: number;
}

/**
 * Segment bounds in samples (16 kHz), exactly as `get_speech_timestamps(...,
 * return_seconds=False)` returns them, from the per-window probabilities.
 */
export function speechTimestampsSamples(
  speechProbs: ArrayLike<number>,
  audioLengthSamples: number,
  opts: SpeechSegmentOptions = {},
): Array<[number, number]> {
  const threshold = opts.threshold ?? 0.5;
  const samplingRate = VAD_SAMPLE_RATE;
  const windowSizeSamples = VAD_WINDOW;
  const minSpeechDurationMs = opts.minSpeechDurationMs ?? 250;
  const maxSpeechDurationS = opts.maxSpeechDurationS ?? Infinity;
  const minSilenceDurationMs = opts.minSilenceDurationMs ?? 100;
  const speechPadMs = opts.speechPadMs ?? 30;

  const minSpeechSamples = (samplingRate * minSpeechDurationMs) / 1000;
  const speechPadSamples = (samplingRate * speechPadMs) / 1000;
  const maxSpeechSamples = samplingRate * maxSpeechDurationS - windowSizeSamples - 2 * speechPadSamples;
  const minSilenceSamples = (samplingRate * minSilenceDurationMs) / 1000;
  const minSilenceSamplesAtMaxSpeech = (samplingRate * 98) / 1000;

  let triggered = false;
  const speeches: Speech[] = [];
  let currentSpeech: Speech = {};

  const negThreshold = opts.negThreshold ?? Math.max(threshold - 0.15, 0.01);
  let tempEnd = 0; // potential segment end (tolerates some silence)
  let prevEnd = 0; // potential segment limits for the max-speech split
  let nextStart = 0;

  for (let i = 0; i < speechProbs.length; i++) {
    const speechProb = speechProbs[i] as number;
    if (speechProb >= threshold && tempEnd) {
      tempEnd = 0;
      if (nextStart < prevEnd) nextStart = windowSizeSamples * i;
    }

    if (speechProb >= threshold && !triggered) {
      triggered = true;
      currentSpeech.start = windowSizeSamples * i;
      continue;
    }

    if (triggered && windowSizeSamples * i - (currentSpeech.start as number) > maxSpeechSamples) {
      if (prevEnd) {
        currentSpeech.end = prevEnd;
        speeches.push(currentSpeech);
        currentSpeech = {};
        if (nextStart < prevEnd) {
          // previously reached silence (< neg_thres) and is still not speech (< thres)
          triggered = false;
        } else {
          currentSpeech.start = nextStart;
        }
        prevEnd = nextStart = tempEnd = 0;
      } else {
        currentSpeech.end = windowSizeSamples * i;
        speeches.push(currentSpeech);
        currentSpeech = {};
        prevEnd = nextStart = tempEnd = 0;
        triggered = false;
        continue;
      }
    }

    if (speechProb < negThreshold && triggered) {
      if (!tempEnd) tempEnd = windowSizeSamples * i;
      if (windowSizeSamples * i - tempEnd > minSilenceSamplesAtMaxSpeech) {
        // condition to avoid cutting in very short silence
        prevEnd = tempEnd;
      }
      if (windowSizeSamples * i - tempEnd < minSilenceSamples) {
        continue;
      } else {
        currentSpeech.end = tempEnd;
        if ((currentSpeech.end as number) - (currentSpeech.start as number) > minSpeechSamples) {
          speeches.push(currentSpeech);
        }
        currentSpeech = {};
        prevEnd = nextStart = tempEnd = 0;
        triggered = false;
        continue;
      }
    }
  }

  // `if current_speech and ...`: a non-empty dict (it can only hold 'start' here)
  if (currentSpeech.start !== undefined && audioLengthSamples - currentSpeech.start > minSpeechSamples) {
    currentSpeech.end = audioLengthSamples;
    speeches.push(currentSpeech);
  }

  const pyInt = Math.trunc;
  for (let i = 0; i < speeches.length; i++) {
    const speech = speeches[i] as Required<Speech>;
    if (i === 0) speech.start = pyInt(Math.max(0, speech.start - speechPadSamples));
    if (i !== speeches.length - 1) {
      const next = speeches[i + 1] as Required<Speech>;
      const silenceDuration = next.start - speech.end;
      if (silenceDuration < 2 * speechPadSamples) {
        speech.end += pyInt(Math.floor(silenceDuration / 2));
        next.start = pyInt(Math.max(0, next.start - Math.floor(silenceDuration / 2)));
      } else {
        speech.end = pyInt(Math.min(audioLengthSamples, speech.end + speechPadSamples));
        next.start = pyInt(Math.max(0, next.start - speechPadSamples));
      }
    } else {
      speech.end = pyInt(Math.min(audioLengthSamples, speech.end + speechPadSamples));
    }
  }
  return speeches.map((s) => [s.start as number, s.end as number]);
}

/**
 * Segment bounds in seconds, as `get_speech_timestamps(..., return_seconds=True,
 * time_resolution=1)` returns them (see the quirks above).
 */
export function speechTimestampsSeconds(
  speechProbs: ArrayLike<number>,
  audioLengthSamples: number,
  opts: SpeechSegmentOptions = {},
): Array<[number, number]> {
  const res = opts.timeResolution ?? 1;
  const audioLengthSeconds = audioLengthSamples / VAD_SAMPLE_RATE;
  return speechTimestampsSamples(speechProbs, audioLengthSamples, opts).map(([s, e]) => [
    Math.max(pyRound(s / VAD_SAMPLE_RATE, res), 0),
    Math.min(pyRound(e / VAD_SAMPLE_RATE, res), audioLengthSeconds),
  ]);
}

/** Silero VAD v5 speech segments (seconds) of 16 kHz mono audio, reference defaults. */
export async function speechSegments(
  samples16k: Float32Array,
  opts: SpeechSegmentOptions & VadOptions = {},
): Promise<Array<[number, number]>> {
  const probs = await speechProbabilities(samples16k, opts);
  return speechTimestampsSeconds(probs, samples16k.length, opts);
}

/**
 * Python 3 `round(x, ndigits)` for finite doubles: the decimal with `ndigits` places
 * nearest to the exact binary value of x, ties to even, returned as the nearest double.
 * `toFixed` is exact too but breaks ties away from zero, so exact ties are detected and
 * re-rounded to even.
 */
export function pyRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (!Number.isInteger(ndigits) || ndigits < 0 || ndigits > 20) {
    throw new RangeError(`pyRound: ndigits must be an integer in 0..20, got ${ndigits}`);
  }
  if (Math.abs(x) >= 1e21) return x;
  let s = x.toFixed(ndigits);
  if (isExactTie(x, ndigits)) {
    // s was rounded away from zero; if its last digit is odd, step one unit toward zero.
    const neg = s.startsWith('-');
    const digits = (neg ? s.slice(1) : s).replace('.', '');
    const last = Number(digits[digits.length - 1]);
    if (last % 2 === 1) {
      const k = BigInt(digits) - 1n;
      let t = k.toString().padStart(ndigits + 1, '0');
      if (ndigits > 0) t = `${t.slice(0, t.length - ndigits)}.${t.slice(t.length - ndigits)}`;
      s = (neg ? '-' : '') + t;
    }
  }
  const r = Number(s);
  return r === 0 ? (x < 0 ? -0 : 0) : r;
}

/** Whether x * 10^nd lies exactly halfway between two integers (x finite, non-zero). */
function isExactTie(x: number, nd: number): boolean {
  // x = m * 2^e exactly, m odd. x*10^nd*2 = m * 5^nd * 2^(e+nd+1) is an odd integer iff
  // e + nd + 1 === 0 (5^nd and m are odd).
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(x));
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (biased === 0) {
    e = -1074;
  } else {
    m |= 1n << 52n;
    e = biased - 1075;
  }
  while ((m & 1n) === 0n) {
    m >>= 1n;
    e += 1;
  }
  return e + nd + 1 === 0;
}
