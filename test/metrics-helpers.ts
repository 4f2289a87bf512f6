/** Builders for hand-made FaceTracks / AudioTracks used by the metric tests. */
import type { AudioTracks, FaceTracks } from '../lib/tracks.js';
import { PLAIN_POINTS, REFINED_POINTS } from '../lib/tracks.js';

/** A video of T frames with no face anywhere (every float NaN). */
export function emptyFace(T: number, opts: { fps?: number; width?: number; height?: number } = {}): FaceTracks {
  return {
    fps: opts.fps ?? 25,
    width: opts.width ?? 512,
    height: opts.height ?? 512,
    frames: T,
    landmarks: new Float32Array(T * PLAIN_POINTS * 3).fill(NaN),
    refined: new Float32Array(T * REFINED_POINTS * 3).fill(NaN),
    box: new Float32Array(T * 4).fill(NaN),
    pose: new Float32Array(T * 3).fill(NaN),
  };
}

/** Puts a face in frame t of the chosen track: every point at (x, y, 0). */
export function fillFace(face: FaceTracks, track: 'plain' | 'refined', t: number, x: number, y: number): void {
  const n = track === 'plain' ? PLAIN_POINTS : REFINED_POINTS;
  const a = track === 'plain' ? face.landmarks : face.refined;
  for (let k = 0; k < n; k++) {
    a[(t * n + k) * 3] = x;
    a[(t * n + k) * 3 + 1] = y;
    a[(t * n + k) * 3 + 2] = 0;
  }
}

export function setPoint(face: FaceTracks, track: 'plain' | 'refined', t: number, k: number, x: number, y: number): void {
  const n = track === 'plain' ? PLAIN_POINTS : REFINED_POINTS;
  const a = track === 'plain' ? face.landmarks : face.refined;
  a[(t * n + k) * 3] = x;
  a[(t * n + k) * 3 + 1] = y;
}

export function setPoints(face: FaceTracks, track: 'plain' | 'refined', t: number, ks: readonly number[], x: number, y: number): void {
  for (const k of ks) setPoint(face, track, t, k, x, y);
}

export function audio(speech: Array<[number, number]>, rms: ArrayLike<number>, hasAudio = true): AudioTracks {
  return { hasAudio, speech, rms: Float32Array.from(rms) };
}
