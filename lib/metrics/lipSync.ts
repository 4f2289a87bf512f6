import type { AudioTracks, FaceTracks } from '../tracks.js';
import { countFrames, speechFrames } from '../audio/frameMasks.js';
import { INNER_LOWER, INNER_UPPER, L_EYE_INNER, L_EYE_OUTER, R_EYE_INNER, R_EYE_OUTER } from './landmarkSets.js';
import { plainView, type LandmarkView, type MetricResult } from './types.js';

export interface LipSyncDetails {
  speechFrames: number;
  /** Speech frames with a defined mouth openness. */
  maskedFrames: number;
}

const USED = [R_EYE_OUTER, R_EYE_INNER, L_EYE_INNER, L_EYE_OUTER, ...INNER_UPPER, ...INNER_LOWER];

/**
 * Mouth openness of frame t in normalised coordinates (plain landmarks):
 * |mean y(INNER_UPPER) - mean y(INNER_LOWER)| / |mean x(33,133) - mean x(362,263)|;
 * NaN without a face or when the denominator is 0.
 */
export function mouthOpenness(lm: LandmarkView, t: number): number {
  if (!lm.has(t, USED)) return NaN;
  let up = 0, lo = 0;
  for (const k of INNER_UPPER) up += lm.y(t, k);
  for (const k of INNER_LOWER) lo += lm.y(t, k);
  const num = Math.abs(up / INNER_UPPER.length - lo / INNER_LOWER.length);
  const den = Math.abs((lm.x(t, R_EYE_OUTER) + lm.x(t, R_EYE_INNER)) / 2 - (lm.x(t, L_EYE_INNER) + lm.x(t, L_EYE_OUTER)) / 2);
  return den === 0 ? NaN : num / den;
}

function minMax(xs: number[]): number[] {
  let lo = Infinity, hi = -Infinity;
  for (const x of xs) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return xs.map((x) => (x - lo) / (hi - lo + 1e-8));
}

/**
 * Lip sync (METRICS.md 8): mean |o' - v'| over speech frames with a defined openness,
 * where o is mouth openness (plain landmarks) and v the audio RMS at the frame time
 * (AudioTracks.rms, already interpolated), both min-max normalised over those frames.
 * NaN when there is no audio, when speech covers fewer than 10% of the frames, or when
 * fewer than 2 frames remain.
 */
export function lipSync(face: FaceTracks, audio: AudioTracks): MetricResult<LipSyncDetails> {
  if (!audio.hasAudio) return { value: NaN, reason: 'no audio', details: { speechFrames: 0, maskedFrames: 0 } };
  const T = face.frames;
  if (audio.rms.length !== T) {
    throw new RangeError(`lipSync: audio rms has ${audio.rms.length} values, the video has ${T} frames`);
  }
  const speech = speechFrames(audio.speech, face.fps, T);
  const nSpeech = countFrames(speech);
  if (nSpeech < 0.1 * T) {
    return { value: NaN, reason: 'speech in fewer than 10% of the frames', details: { speechFrames: nSpeech, maskedFrames: 0 } };
  }
  const lm = plainView(face);
  const o: number[] = [];
  const v: number[] = [];
  for (let t = 0; t < T; t++) {
    if (!speech[t]) continue;
    const ot = mouthOpenness(lm, t);
    if (Number.isNaN(ot)) continue;
    o.push(ot);
    v.push(audio.rms[t]);
  }
  const details = { speechFrames: nSpeech, maskedFrames: o.length };
  if (o.length < 2) return { value: NaN, reason: 'fewer than 2 speech frames with a face', details };
  const on = minMax(o), vn = minMax(v);
  let s = 0;
  for (let i = 0; i < on.length; i++) s += Math.abs(on[i] - vn[i]);
  const value = s / on.length;
  if (Number.isNaN(value)) return { value, reason: 'loudness has non-finite values', details };
  return { value, details };
}
