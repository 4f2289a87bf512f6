/**
 * The tracks JSON file (`theval track -o tracks.json`): a stable, plain-JSON view of a
 * video's face tracks. Schema (docs/face.md, "Tracks JSON"):
 *   { fps, width, height, frames,
 *     landmarks: ([[x, y, z] x 468] | null)[],   normalised x, y; z as MediaPipe scales it
 *     refined:   ([[x, y, z] x 478] | null)[],
 *     box:       ([x0, y0, x1, y1] | null)[],    pixels of the displayed frame
 *     pose:      ([pitch, yaw, roll] | null)[] } degrees
 * Further per-frame or per-video keys (e.g. `speech`, `rms`) may be added; readers must
 * ignore keys they do not know. `null` = no face (or no pose) on that frame.
 */
import type { FaceTracks } from '../tracks.js';
import { PLAIN_POINTS, REFINED_POINTS } from '../tracks.js';

export interface TracksJson {
  fps: number;
  width: number;
  height: number;
  frames: number;
  landmarks: (number[][] | null)[];
  refined: (number[][] | null)[];
  box: (number[] | null)[];
  pose: (number[] | null)[];
  [extra: string]: unknown;
}

/** A float32 value with 9 significant digits: enough to read back the same float32. */
function f32(v: number): number {
  return Number(v.toPrecision(9));
}

function rows(a: Float32Array, frames: number, points: number, dims: number): (number[][] | null)[] {
  const out: (number[][] | null)[] = [];
  for (let t = 0; t < frames; t++) {
    const o = t * points * dims;
    if (Number.isNaN(a[o])) {
      out.push(null);
      continue;
    }
    const frame: number[][] = [];
    for (let i = 0; i < points; i++) {
      const p: number[] = [];
      for (let d = 0; d < dims; d++) p.push(f32(a[o + i * dims + d]));
      frame.push(p);
    }
    out.push(frame);
  }
  return out;
}

function vectors(a: Float32Array, frames: number, dims: number): (number[] | null)[] {
  return rows(a, frames, 1, dims).map((r) => (r ? r[0] : null));
}

export function tracksToJson(t: FaceTracks): TracksJson {
  return {
    fps: t.fps,
    width: t.width,
    height: t.height,
    frames: t.frames,
    landmarks: rows(t.landmarks, t.frames, PLAIN_POINTS, 3),
    refined: rows(t.refined, t.frames, REFINED_POINTS, 3),
    box: vectors(t.box, t.frames, 4),
    pose: vectors(t.pose, t.frames, 3),
  };
}

/** The inverse: NaN where the file has null. */
export function tracksFromJson(j: TracksJson): FaceTracks {
  const fill = (src: (number[][] | null)[], points: number, dims: number): Float32Array => {
    const a = new Float32Array(j.frames * points * dims).fill(NaN);
    src.forEach((f, t) => f?.forEach((p, i) => p.forEach((v, d) => (a[(t * points + i) * dims + d] = v))));
    return a;
  };
  return {
    fps: j.fps,
    width: j.width,
    height: j.height,
    frames: j.frames,
    landmarks: fill(j.landmarks, PLAIN_POINTS, 3),
    refined: fill(j.refined, REFINED_POINTS, 3),
    box: fill(j.box.map((b) => (b ? [b] : null)), 1, 4),
    pose: fill(j.pose.map((b) => (b ? [b] : null)), 1, 3),
  };
}
