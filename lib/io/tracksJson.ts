/**
 * Per-video tracks as JSON (`--save-tracks`), for inspection and for recomputing metrics
 * without the models:
 *
 *   { fps, width, height, frames,
 *     landmarks: [ [[x,y,z] x 468] | null, ... one per frame ],   plain model
 *     refined:   [ [[x,y,z] x 478] | null, ... ],                 attention model
 *     box:       [ [x0,y0,x1,y1] | null, ... ],                   pixels
 *     pose:      [ [pitch,yaw,roll] | null, ... ],                degrees
 *     motion:    [ [frameDiff,warpError,bgMotion,faceMotion] | null, ... ]  (only when the
 *                motion diagnostics ran: docs/diagnostics.md; pair (t-1, t) at t)
 *     speech:    [ [start,end], ... ],                            seconds (VAD)
 *     rms:       [ number|null, ... ] }                           loudness per frame
 *
 * A frame is null when every value in it is NaN (no face); a single NaN inside a frame is
 * null. Float32 values are written with 9 significant digits, which reads back to the same
 * float32. Tracks a pass did not produce are empty arrays (and `hasAudio` says whether an
 * audio analysis exists).
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { PLAIN_POINTS, REFINED_POINTS, type AudioTracks, type FaceTracks } from '../tracks.js';

function num(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(9))) : 'null';
}

function frameJson(a: Float32Array, t: number, points: number, dims: number): string {
  const base = t * points * dims;
  let all = true;
  for (let i = 0; i < points * dims; i++) if (!Number.isNaN(a[base + i])) { all = false; break; }
  if (all) return 'null';
  if (points === 1) return `[${Array.from(a.subarray(base, base + dims), num).join(',')}]`;
  const pts: string[] = [];
  for (let k = 0; k < points; k++) {
    const o = base + k * dims;
    pts.push(`[${num(a[o])},${num(a[o + 1])},${num(a[o + 2])}]`);
  }
  return `[${pts.join(',')}]`;
}

export interface TracksFileHeader {
  fps: number;
  width: number;
  height: number;
  frames: number;
}

/** Writes the tracks JSON of one video (streamed: a long video's landmarks run to hundreds of MB). */
export async function writeTracksJson(file: string, header: TracksFileHeader, face: FaceTracks | null, audio: AudioTracks | null): Promise<void> {
  const out = createWriteStream(file);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  const write = async (s: string) => {
    if (!out.write(s)) await Promise.race([once(out, 'drain'), failed]);
  };
  const T = face ? face.frames : 0;
  const series = async (key: string, a: Float32Array | undefined, points: number, dims: number, last = false) => {
    await write(`"${key}":[`);
    for (let t = 0; t < T && a; t++) await write((t ? ',' : '') + frameJson(a, t, points, dims));
    await write(last ? ']' : '],\n');
  };
  await write(`{"fps":${num(header.fps)},"width":${header.width},"height":${header.height},"frames":${header.frames},\n`);
  await series('landmarks', face?.landmarks, PLAIN_POINTS, 3);
  await series('refined', face?.refined, REFINED_POINTS, 3);
  await series('box', face?.box, 1, 4);
  await series('pose', face?.pose, 1, 3);
  if (face?.motion) await series('motion', face.motion, 1, 4);
  await write(`"hasAudio":${audio ? audio.hasAudio : false},\n`);
  await write(`"speech":${JSON.stringify(audio?.speech ?? [])},\n`);
  await write(`"rms":[${audio ? Array.from(audio.rms, num).join(',') : ''}]}\n`);
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
}


function unpack(frames: Array<number[][] | number[] | null>, T: number, per: number): Float32Array {
  const a = new Float32Array(T * per).fill(NaN);
  frames.forEach((f, t) => {
    if (!f) return;
    const flat = (f as Array<number | number[]>).flat() as Array<number | null>;
    flat.forEach((x, i) => (a[t * per + i] = x === null ? NaN : x));
  });
  return a;
}

/** Reads a tracks JSON back into the shapes the metrics read (face null when it has no landmarks). */
export async function readTracksJson(file: string): Promise<{ header: TracksFileHeader; face: FaceTracks | null; audio: AudioTracks }> {
  const j = JSON.parse(await readFile(file, 'utf8')) as TracksJson;
  const header = { fps: j.fps, width: j.width, height: j.height, frames: j.frames };
  const T = j.landmarks.length;
  const face: FaceTracks | null = T
    ? {
        ...header,
        frames: T,
        landmarks: unpack(j.landmarks, T, PLAIN_POINTS * 3),
        refined: unpack(j.refined, T, REFINED_POINTS * 3),
        box: unpack(j.box, T, 4),
        pose: unpack(j.pose, T, 3),
        ...(Array.isArray(j.motion) ? { motion: unpack(j.motion as Array<number[] | null>, T, 4) } : {}),
      }
    : null;
  const audio: AudioTracks = {
    hasAudio: j.hasAudio ?? (j.rms ?? []).length > 0,
    speech: j.speech ?? [],
    rms: Float32Array.from(j.rms ?? [], (x) => (x === null ? NaN : x)),
  };
  return { header, face, audio };
}

// In-memory form of the same schema (theval track, tests).
export interface TracksJson {
  fps: number;
  width: number;
  height: number;
  frames: number;
  landmarks: (number[][] | null)[];
  refined: (number[][] | null)[];
  box: (number[] | null)[];
  pose: (number[] | null)[];
  /** Written by `--save-tracks` (audio pass): whether the video has audio, VAD segments (s), RMS per frame. */
  hasAudio?: boolean;
  speech?: Array<[number, number]>;
  rms?: Array<number | null>;
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
