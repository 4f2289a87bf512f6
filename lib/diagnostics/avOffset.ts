/**
 * Audio-video offset: the lag that maximises the correlation between the mouth openness
 * (plain landmarks, as lip sync uses it) and the loudness envelope (the audio pass's RMS at
 * the frame times), over the speech frames (dilated by the search range, so that onsets and
 * ends of speech, the strongest cues, are in), searched over +-600 ms in 5 ms steps with a
 * parabolic refinement of the peak.
 *
 * Sign: POSITIVE = the audio is LATE (the sound of a mouth movement comes after it).
 * Confidence: the peak correlation minus the median correlation over all lags searched
 * (SyncNet's "confidence" in correlation form): near 0 when no lag stands out (a static
 * mouth), larger when one does. docs/diagnostics.md has the measured values.
 */
import { speechFrames, countFrames } from '../audio/frameMasks.js';
import { mouthOpenness } from '../metrics/lipSync.js';
import { median } from '../metrics/stats.js';
import { plainView, type MetricResult } from '../metrics/types.js';
import type { AudioTracks, FaceTracks } from '../tracks.js';

export interface AvOffsetOptions {
  /** Search range, milliseconds each way (default 600). */
  maxLagMs?: number;
  /** Grid step, milliseconds (default 5). */
  stepMs?: number;
  /** Return the whole correlation curve in details.curve (for plots; default false). */
  withCurve?: boolean;
}

export interface AvOffsetDetails {
  confidence: number;
  peakCorrelation: number;
  /** Frames whose pairs enter the correlation at lag 0. */
  frames: number;
  maxLagMs: number;
  /** The correlation curve (lag ms -> r), for plots. */
  curve?: { lagMs: number[]; r: number[] };
}

/** Pearson correlation of the pairs (a[i], b[i]) where both are finite; NaN under 10 pairs or no variance. */
function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0, sa = 0, sb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) continue;
    n++;
    sa += a[i];
    sb += b[i];
  }
  if (n < 10) return NaN;
  const ma = sa / n, mb = sb / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) continue;
    const da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

export function avOffset(face: FaceTracks, audio: AudioTracks, options: AvOffsetOptions = {}): MetricResult<AvOffsetDetails> {
  const maxLagMs = options.maxLagMs ?? 600;
  const stepMs = options.stepMs ?? 5;
  const empty = (reason: string): MetricResult<AvOffsetDetails> => ({
    value: NaN,
    reason,
    details: { confidence: 0, peakCorrelation: NaN, frames: 0, maxLagMs },
  });
  if (!audio.hasAudio) return empty('no audio');
  const T = face.frames, fps = face.fps;
  if (audio.rms.length !== T) throw new RangeError(`avOffset: audio rms has ${audio.rms.length} values, the video has ${T} frames`);
  const speech = speechFrames(audio.speech, fps, T);
  if (countFrames(speech) < 0.1 * T) return empty('speech in fewer than 10% of the frames');

  // Frames within maxLag of speech: the mouth samples that enter every lag's correlation.
  const reach = Math.ceil((maxLagMs / 1000) * fps);
  const inRegion = new Uint8Array(T);
  for (let t = 0; t < T; t++) if (speech[t]) for (let k = Math.max(0, t - reach); k <= Math.min(T - 1, t + reach); k++) inRegion[k] = 1;
  const lm = plainView(face);
  const frames: number[] = [];
  const mouth: number[] = [];
  for (let t = 0; t < T; t++) {
    if (!inRegion[t]) continue;
    frames.push(t);
    mouth.push(mouthOpenness(lm, t));
  }
  // Loudness at time s (seconds), linear between frame times; NaN outside the video.
  const loudAt = (s: number): number => {
    const x = s * fps;
    if (x < 0 || x > T - 1) return NaN;
    const i = Math.min(T - 2, Math.floor(x));
    if (T < 2) return audio.rms[0];
    const f = x - i;
    return audio.rms[i] * (1 - f) + audio.rms[i + 1] * f;
  };
  const lags: number[] = [];
  const rs: number[] = [];
  const shifted = new Float64Array(frames.length);
  for (let lag = -maxLagMs; lag <= maxLagMs + 1e-9; lag += stepMs) {
    for (let i = 0; i < frames.length; i++) shifted[i] = loudAt(frames[i] / fps + lag / 1000);
    lags.push(lag);
    rs.push(pearson(mouth, shifted));
  }
  let best = -1;
  for (let i = 0; i < rs.length; i++) if (Number.isFinite(rs[i]) && (best < 0 || rs[i] > rs[best])) best = i;
  if (best < 0) return { ...empty('the mouth does not move or the loudness is flat (no correlation defined)'), details: { confidence: 0, peakCorrelation: NaN, frames: frames.length, maxLagMs } };
  let peak = lags[best];
  if (best > 0 && best < rs.length - 1 && Number.isFinite(rs[best - 1]) && Number.isFinite(rs[best + 1])) {
    const a = rs[best - 1], b = rs[best], c = rs[best + 1];
    const den = a - 2 * b + c;
    if (den < 0) peak += (0.5 * (a - c) / den) * stepMs;
  }
  const finite = rs.filter((r) => Number.isFinite(r));
  const confidence = rs[best] - median(finite);
  return {
    value: peak,
    details: {
      confidence,
      peakCorrelation: rs[best],
      frames: frames.length,
      maxLagMs,
      ...(options.withCurve ? { curve: { lagMs: lags, r: rs } } : {}),
    },
  };
}
