import type { AudioTracks, FaceTracks } from '../tracks.js';
import { countFrames, keptSilentFrames, speechFrames } from '../audio/frameMasks.js';
import { INNER_LOWER, INNER_UPPER, L_EYE_OUTER, R_EYE_OUTER } from './landmarkSets.js';
import { mean, median } from './stats.js';
import { refinedView, type MetricResult } from './types.js';

export interface SilentLipStabilityDetails {
  /** Frames in silent runs >= 300 ms. */
  keptSilentFrames: number;
  /** Number of per-frame openness values d (kept silent frames with a face and eye distance >= 1e-3). */
  values: number;
  /** mean(d), the centre the deviations are taken about. */
  meanOpening: number;
}

const USED = [R_EYE_OUTER, L_EYE_OUTER, ...INNER_UPPER, ...INNER_LOWER];

/**
 * Silent lip stability (METRICS.md 7) from a precomputed mask of kept silent frames
 * (see keptSilentFrames). Refined landmarks in the 256x256-squashed space.
 * Per video = median of |d_i - mean(d)| (about the MEAN, as the released code).
 */
export function silentLipStabilityFromMask(face: FaceTracks, keptSilent: Uint8Array): MetricResult<SilentLipStabilityDetails> {
  const kept = countFrames(keptSilent);
  if (kept === 0) {
    return { value: NaN, reason: 'no silent run >= 300 ms', details: { keptSilentFrames: 0, values: 0, meanOpening: NaN } };
  }
  const lm = refinedView(face);
  const d: number[] = [];
  const T = Math.min(face.frames, keptSilent.length);
  for (let t = 0; t < T; t++) {
    if (!keptSilent[t] || !lm.has(t, USED)) continue;
    const e = Math.hypot(
      lm.x(t, R_EYE_OUTER) * 256 - lm.x(t, L_EYE_OUTER) * 256,
      lm.y(t, R_EYE_OUTER) * 256 - lm.y(t, L_EYE_OUTER) * 256,
    );
    if (e < 1e-3) continue;
    let s = 0;
    for (let i = 0; i < INNER_UPPER.length; i++) {
      s += Math.abs(lm.y(t, INNER_UPPER[i]) * 256 - lm.y(t, INNER_LOWER[i]) * 256) / e;
    }
    d.push(s / INNER_UPPER.length);
  }
  if (d.length < 2) {
    return { value: NaN, reason: 'fewer than 2 values', details: { keptSilentFrames: kept, values: d.length, meanOpening: mean(d) } };
  }
  const m = mean(d);
  return {
    value: median(d.map((x) => Math.abs(x - m))),
    details: { keptSilentFrames: kept, values: d.length, meanOpening: m },
  };
}

/** Silent lip stability of one video from its face and audio tracks. No audio stream -> NaN. */
export function silentLipStability(face: FaceTracks, audio: AudioTracks): MetricResult<SilentLipStabilityDetails> {
  if (!audio.hasAudio) {
    return { value: NaN, reason: 'no audio', details: { keptSilentFrames: 0, values: 0, meanOpening: NaN } };
  }
  const speech = speechFrames(audio.speech, face.fps, face.frames);
  return silentLipStabilityFromMask(face, keptSilentFrames(speech, face.fps));
}
