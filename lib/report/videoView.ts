/**
 * The per-video view's signals, derived from a saved tracks file (`--save-tracks`) with
 * the same formulas the metrics use (lib/metrics/*), so what the page plots is what was
 * measured: mouth openness (lip sync's, plain landmarks), loudness (RMS per frame),
 * speech segments and the kept silent runs (lib/audio/frameMasks.ts), head pose angles
 * and box centre (head motion's inputs), brow-to-eye distances (eyebrow dynamics'),
 * per-frame quality scores when the tracks file has them, and face-detection gaps.
 *
 * Size: a long video has thousands of frames, and a report can link thousands of videos.
 * Series are downsampled to at most `maxPoints` points by taking every k-th frame (k the
 * smallest integer that fits; no averaging, so a plotted point is a real frame's value);
 * intervals (speech, silent runs, gaps) are kept at full frame resolution. Values are
 * rounded to 5 significant digits.
 */
import { keptSilentFrames, speechFrames } from '../audio/frameMasks.js';
import { readFile } from 'node:fs/promises';
import { tracksFromJson, type TracksJson } from '../io/tracksJson.js';
import { browEyeRatios } from '../metrics/eyebrowDynamics.js';
import { mouthOpenness } from '../metrics/lipSync.js';
import { plainView, refinedView } from '../metrics/types.js';
import type { FaceTracks } from '../tracks.js';

export interface VideoView {
  fps: number;
  frames: number;
  width: number;
  height: number;
  /** Frame index of each plotted point. */
  frame: number[];
  /** Series keyed by name, one value per plotted point (null where NaN). */
  series: Record<string, Array<number | null>>;
  hasAudio: boolean;
  /** Intervals in frames [first, last] inclusive. */
  speech: Array<[number, number]>;
  silentRuns: Array<[number, number]>;
  gaps: Array<[number, number]>;
  /** Frames with a face. */
  faceFrames: number;
  notes: string[];
}

function round(x: number): number | null {
  return Number.isFinite(x) ? Number(x.toPrecision(5)) : null;
}

/** Runs of set entries of a 0/1 predicate over frames, as [first, last] inclusive. */
export function runs(T: number, on: (t: number) => boolean): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = -1;
  for (let t = 0; t <= T; t++) {
    const x = t < T && on(t);
    if (x && start < 0) start = t;
    if (!x && start >= 0) {
      out.push([start, t - 1]);
      start = -1;
    }
  }
  return out;
}

/** Brow-to-eye distance over eye-to-eye distance, left and right (eyebrow dynamics' d_L, d_R). */
function browDistances(face: FaceTracks, t: number): [number, number] {
  return browEyeRatios(refinedView(face), t, face.width, face.height) ?? [NaN, NaN];
}

/** The view of one video from its tracks file. */
export async function videoView(file: string, maxPoints = 600): Promise<VideoView> {
  // Parsed once here (not readTracksJson) because the optional `quality` key is read too.
  const j = JSON.parse(await readFile(file, 'utf8')) as TracksJson & { quality?: Record<string, Array<number | null>> };
  const T = Array.isArray(j.landmarks) ? j.landmarks.length : 0;
  const face: FaceTracks | null = T ? tracksFromJson({ ...j, frames: T }) : null;
  const audio = {
    hasAudio: j.hasAudio ?? (j.rms ?? []).length > 0,
    speech: j.speech ?? [],
    rms: Float32Array.from(j.rms ?? [], (x) => (x === null ? NaN : x)),
  };
  const fps = j.fps;
  const notes: string[] = [];
  const step = Math.max(1, Math.ceil(T / maxPoints));
  if (step > 1) notes.push(`series show one frame in ${step} (${T} frames); speech, silent runs and gaps are exact`);
  const frame: number[] = [];
  for (let t = 0; t < T; t += step) frame.push(t);
  const series: Record<string, Array<number | null>> = {};
  const add = (name: string, f: (t: number) => number) => (series[name] = frame.map((t) => round(f(t))));
  let speech: Array<[number, number]> = [];
  let silentRuns: Array<[number, number]> = [];
  let gaps: Array<[number, number]> = [];
  let faceFrames = 0;
  if (face) {
    const plain = plainView(face);
    const has = (t: number) => !Number.isNaN(face.box[t * 4]) || !Number.isNaN(face.refined[t * 478 * 3]);
    for (let t = 0; t < T; t++) if (has(t)) faceFrames++;
    gaps = runs(T, (t) => !has(t));
    add('mouth openness', (t) => mouthOpenness(plain, t));
    add('pitch', (t) => face.pose[t * 3]);
    add('yaw', (t) => face.pose[t * 3 + 1]);
    add('roll', (t) => face.pose[t * 3 + 2]);
    add('box centre x', (t) => (face.box[t * 4] + face.box[t * 4 + 2]) / 2);
    add('box centre y', (t) => (face.box[t * 4 + 1] + face.box[t * 4 + 3]) / 2);
    const brows = frame.map((t) => browDistances(face, t));
    series['brow distance left'] = brows.map((b) => round(b[0]));
    series['brow distance right'] = brows.map((b) => round(b[1]));
    if (audio.hasAudio && audio.rms.length === T) {
      add('loudness (RMS)', (t) => audio.rms[t]);
      const sp = speechFrames(audio.speech, fps, T);
      speech = runs(T, (t) => sp[t] === 1);
      const kept = keptSilentFrames(sp, fps);
      silentRuns = runs(T, (t) => kept[t] === 1);
    } else notes.push(audio.hasAudio ? 'no loudness track in the tracks file' : 'the video has no audio: no loudness, speech or silent runs');
  } else notes.push('the tracks file has no face tracks (face pass not run, or the video failed)');
  // Per-frame quality scores are an optional key of the tracks file ({ metric: [score|null per frame] }).
  const quality = j.quality;
  if (quality && typeof quality === 'object') {
    for (const [id, s] of Object.entries(quality)) if (Array.isArray(s)) series[`quality: ${id}`] = frame.map((t) => round(s[t] ?? NaN));
  } else notes.push('per-frame quality scores are not in the tracks file (written only when the one pass scored the quality metrics); the per-video mean is in the table');
  return { fps, frames: T, width: j.width, height: j.height, frame, series, hasAudio: audio.hasAudio, speech, silentRuns, gaps, faceFrames, notes };
}
