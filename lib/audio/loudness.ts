/**
 * Audio loudness per video frame (metric 8, lip sync), as the reference computes it
 * (librosa.feature.rms with frame_length = hop_length = n, center=True, zero padding,
 * then np.interp at the video frame times):
 * - n = int(0.05 * sr) samples per frame, hop n;
 * - n // 2 zeros padded at both ends; frames k = 0 .. 1 + (len + 2*(n//2) - n) // n - 1
 *   (only whole frames);
 * - rms[k] = sqrt(mean of the squares of the n padded samples), at time k * n / sr;
 * - value at video frame t = linear interpolation of rms at t / fps, clamped to the first /
 *   last frame's value outside their times (np.interp semantics).
 * Sums are accumulated in double precision (the reference works in float32).
 */
import { TheValError } from '../errors.js';

/** The RMS frames (before interpolation) and the frame length n. */
export function rmsFrames(samples: Float32Array, sampleRate: number): { rms: Float64Array; n: number } {
  if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) {
    throw new TheValError('BAD_ARGUMENT', `frameRms: bad sample rate ${sampleRate}`);
  }
  const n = Math.trunc(0.05 * sampleRate); // Python int(0.05*sr), same double product
  if (n < 1) throw new TheValError('BAD_ARGUMENT', `frameRms: sample rate ${sampleRate} gives an empty frame`);
  const pad = Math.floor(n / 2);
  const len = samples.length;
  const padded = len + 2 * pad;
  const count = padded >= n ? 1 + Math.floor((padded - n) / n) : 0;
  const rms = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    // padded index p <-> sample p - pad
    const a = Math.max(0, k * n - pad);
    const b = Math.min(len, k * n - pad + n);
    let s = 0;
    for (let j = a; j < b; j++) {
      const v = samples[j] as number;
      s += v * v;
    }
    rms[k] = Math.sqrt(s / n);
  }
  return { rms, n };
}

/**
 * np.interp(x, xp, fp) for increasing xp (numpy's arithmetic: exact hits return fp[j],
 * slope*(x - xp[j]) + fp[j] otherwise; left of xp[0] -> fp[0], right of xp[-1] -> fp[-1]).
 */
export function npInterp(x: number, xp: ArrayLike<number>, fp: ArrayLike<number>): number {
  const last = xp.length - 1;
  if (last < 0) return NaN;
  if (Number.isNaN(x)) return NaN;
  if (x > (xp[last] as number)) return fp[last] as number;
  if (x < (xp[0] as number)) return fp[0] as number;
  // largest j with xp[j] <= x
  let lo = 0;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((xp[mid] as number) <= x) lo = mid;
    else hi = mid - 1;
  }
  const j = lo;
  if (j === last) return fp[j] as number;
  const xj = xp[j] as number;
  const yj = fp[j] as number;
  if (x === xj) return yj;
  const xj1 = xp[j + 1] as number;
  const yj1 = fp[j + 1] as number;
  const slope = (yj1 - yj) / (xj1 - xj);
  let r = slope * (x - xj) + yj;
  if (Number.isNaN(r)) {
    r = slope * (x - xj1) + yj1;
    if (Number.isNaN(r) && yj === yj1) r = yj;
  }
  return r;
}

/**
 * Audio RMS loudness at each of the T video frame times t / fps (length T).
 * `samples`: mono float audio at `sampleRate`. All NaN when the audio has no whole frame.
 */
export function frameRms(samples: Float32Array, sampleRate: number, fps: number, T: number): Float32Array {
  if (!Number.isInteger(T) || T < 0) throw new TheValError('BAD_ARGUMENT', `frameRms: bad frame count ${T}`);
  if (!(fps > 0) || !Number.isFinite(fps)) throw new TheValError('BAD_ARGUMENT', `frameRms: bad fps ${fps}`);
  const { rms, n } = rmsFrames(samples, sampleRate);
  const out = new Float32Array(T);
  if (rms.length === 0) return out.fill(NaN);
  const times = new Float64Array(rms.length);
  for (let k = 0; k < rms.length; k++) times[k] = (k * n) / sampleRate;
  for (let t = 0; t < T; t++) out[t] = npInterp(t / fps, times, rms);
  return out;
}
