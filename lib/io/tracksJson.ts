/**
 * Per-video tracks as JSON (`theval track`, `--save-tracks`), for inspection and for
 * recomputing metrics without the models:
 *
 *   { layout, fps, width, height, frames, hasAudio,
 *     speech:    [ [start,end], ... ],                            seconds (VAD)
 *     landmarks: [ [[x,y,z] x 468] | null, ... one per frame ],   plain model
 *     refined:   [ [[x,y,z] x 478] | null, ... ],                 attention model
 *     box:       [ [x0,y0,x1,y1] | null, ... ],                   pixels
 *     pose:      [ [pitch,yaw,roll] | null, ... ],                degrees
 *     motion:    [ [frameDiff,warpError,bgMotion,faceMotion] | null, ... ]  (only when the
 *                motion diagnostics ran: docs/diagnostics.md; pair (t-1, t) at t)
 *     quality:   { <metric id>: [score|null per frame], ... }      (only when the one pass
 *                scored the quality metrics; one line)
 *     rms:       [ number|null, ... ] }                           loudness per frame
 *
 * A frame is null when every value in it is NaN (no face); a single NaN inside a frame is
 * null. Float32 values are written with 9 significant digits, which reads back to the same
 * float32. Tracks a pass did not produce are empty arrays (and `hasAudio` says whether an
 * audio analysis exists).
 *
 * Layout (TRACKS_LAYOUT): one JSON document, but one frame per line (the header fields on
 * the first line, then each series as a `"key":[` line, one element per line, and a `]`
 * line). A 10-minute video's tracks run to ~1 GB, past the longest string V8 can hold, so
 * both the writer and the reader work a line at a time and never hold the whole text. Files
 * of the earlier layout (no `layout` field: a series per line) are still read, whole.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { TheValError } from '../errors.js';
import { PLAIN_POINTS, REFINED_POINTS, type AudioTracks, type FaceTracks } from '../tracks.js';
import { replaceFile } from './atomicFile.js';

/** The `layout` field of files written a frame per line. */
export const TRACKS_LAYOUT = 'theval-tracks-2 (one frame per line)';

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

/**
 * Writes the tracks of one video to a stream, a frame per line (see the file comment).
 * Waits for 'drain' whenever the stream's buffer is full, so what is held at once is one
 * frame's text, whatever the video's length. Does not end the stream.
 */
export async function writeTracks(
  out: Writable,
  header: TracksFileHeader,
  face: FaceTracks | null,
  audio: AudioTracks | null,
  quality?: Partial<Record<string, Float64Array>>,
): Promise<void> {
  let failure: Error | undefined;
  const onError = (e: Error) => (failure ??= e);
  out.on('error', onError);
  try {
    const write = async (s: string) => {
      if (failure) throw failure;
      if (!out.write(s)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            out.off('drain', done);
            out.off('error', done);
            out.off('close', done);
            resolve();
          };
          out.on('drain', done);
          out.on('error', done);
          out.on('close', done);
        });
        if (failure) throw failure;
      }
    };
    const T = face ? face.frames : 0;
    const series = async (key: string, n: number, element: (t: number) => string, last = false) => {
      await write(`"${key}":[\n`);
      for (let t = 0; t < n; t++) await write(element(t) + (t + 1 < n ? ',\n' : '\n'));
      await write(last ? ']\n' : '],\n');
    };
    const head = {
      layout: TRACKS_LAYOUT,
      fps: Number(num(header.fps)),
      width: header.width,
      height: header.height,
      frames: header.frames,
      hasAudio: audio ? audio.hasAudio : false,
    };
    await write(`${JSON.stringify(head).slice(0, -1)},\n`);
    await write(`"speech":${JSON.stringify(audio?.speech ?? [])},\n`);
    await series('landmarks', face ? T : 0, (t) => frameJson(face!.landmarks, t, PLAIN_POINTS, 3));
    await series('refined', face ? T : 0, (t) => frameJson(face!.refined, t, REFINED_POINTS, 3));
    await series('box', face ? T : 0, (t) => frameJson(face!.box, t, 1, 4));
    await series('pose', face ? T : 0, (t) => frameJson(face!.pose, t, 1, 3));
    if (face?.motion) await series('motion', T, (t) => frameJson(face.motion!, t, 1, 4));
    if (quality && Object.keys(quality).length) {
      // One line: {metric: [score|null per frame]} (a few bytes per frame and metric).
      const parts = Object.entries(quality).map(([id, v]) => `${JSON.stringify(id)}:[${Array.from(v!, num).join(',')}]`);
      await write(`"quality":{${parts.join(',')}},\n`);
    }
    await series('rms', audio ? audio.rms.length : 0, (t) => num(audio!.rms[t]), true);
    await write('}\n');
  } finally {
    out.off('error', onError);
  }
}

/**
 * Writes the tracks JSON of one video to `file`: to a temporary file first, fsync'ed and
 * renamed into place, so an interrupted write never leaves a partial file under the name.
 */
export async function writeTracksJson(
  file: string,
  header: TracksFileHeader,
  face: FaceTracks | null,
  audio: AudioTracks | null,
  quality?: Partial<Record<string, Float64Array>>,
): Promise<void> {
  await replaceFile(file, async (tmp) => {
    const out = createWriteStream(tmp, { flags: 'wx' });
    const failed = new Promise<never>((_, reject) => out.once('error', reject));
    failed.catch(() => {});
    await writeTracks(out, header, face, audio, quality);
    out.end();
    await Promise.race([once(out, 'close'), failed]);
  });
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

export interface ReadTracks {
  header: TracksFileHeader;
  face: FaceTracks | null;
  audio: AudioTracks;
  /** Per-frame quality scores by metric id, when the file has them. */
  quality?: Record<string, Float64Array>;
}

/** Reads a tracks JSON back into the shapes the metrics read (face null when it has no landmarks). */
export async function readTracksJson(file: string): Promise<ReadTracks> {
  const first = await firstLine(file);
  if (first.includes('"layout"')) return readFrameLines(file);
  // The earlier layout: a series per line, small enough to parse whole when it was written by this tool.
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_STRING_TOO_LONG') throw e;
    throw new TheValError('BAD_ARGUMENT', `${file}: a tracks file of the earlier layout (a series per line) too long to read whole; write it again with this version (theval track, --save-tracks), which streams it`, file);
  }
  const j = JSON.parse(text) as TracksJson;
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

async function firstLine(file: string): Promise<string> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 4096 });
  try {
    let text = '';
    for await (const chunk of stream) {
      text += chunk as string;
      const nl = text.indexOf('\n');
      if (nl >= 0) return text.slice(0, nl);
      if (text.length > 1 << 16) break;
    }
    return text.slice(0, 1 << 16);
  } finally {
    stream.destroy();
  }
}

/** Reads the frame-per-line layout a line at a time into Float32Arrays. */
async function readFrameLines(file: string): Promise<ReadTracks> {
  const bad = (line: number, msg: string) => new TheValError('BAD_ARGUMENT', `${file}: line ${line}: ${msg} (not a theval tracks file, or cut short)`, file);
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const per: Record<string, number> = { landmarks: PLAIN_POINTS * 3, refined: REFINED_POINTS * 3, box: 4, pose: 3, motion: 4, rms: 1 };
  const arrays: Record<string, Float32Array> = {};
  const counts: Record<string, number> = {};
  let head: Record<string, unknown> | undefined;
  let speech: Array<[number, number]> = [];
  let quality: Record<string, Array<number | null>> | undefined;
  let open: string | undefined;
  let n = 0;
  let ended = false;
  try {
    for await (const raw of lines) {
      n++;
      const line = raw.trimEnd();
      if (ended) {
        if (line) throw bad(n, 'text after the end of the document');
        continue;
      }
      if (n === 1) {
        try {
          head = JSON.parse(line.replace(/,$/, '}')) as Record<string, unknown>;
        } catch (e) {
          throw bad(n, `bad header (${(e as Error).message})`);
        }
        if (head.layout !== TRACKS_LAYOUT) throw bad(n, `unknown layout ${JSON.stringify(head.layout)}`);
        const frames = Number(head.frames);
        if (!Number.isInteger(frames) || frames < 0) throw bad(n, `bad frame count ${head.frames}`);
        continue;
      }
      if (open) {
        if (line === ']' || line === '],') {
          open = undefined;
          continue;
        }
        let v: unknown;
        try {
          v = JSON.parse(line.replace(/,$/, ''));
        } catch (e) {
          throw bad(n, `bad ${open} element (${(e as Error).message})`);
        }
        const k = counts[open]++;
        const size = per[open];
        let a = arrays[open];
        if ((k + 1) * size > a.length) {
          // More elements than the header's frame count (an rms of another length): grow.
          const b = new Float32Array(Math.max((k + 1) * size, a.length * 2)).fill(NaN);
          b.set(a);
          arrays[open] = a = b;
        }
        if (v === null) continue;
        const flat = (Array.isArray(v) ? (v as Array<number | number[] | null>).flat() : [v]) as Array<number | null>;
        if (flat.length !== size) throw bad(n, `${open} element has ${flat.length} values, expected ${size}`);
        for (let i = 0; i < size; i++) {
          const x = flat[i];
          a[k * size + i] = x === null ? NaN : x;
        }
        continue;
      }
      if (line === '}') {
        ended = true;
        continue;
      }
      const m = /^"(\w+)":\[$/.exec(line);
      if (m) {
        if (!(m[1] in per)) throw bad(n, `unknown series '${m[1]}'`);
        open = m[1];
        counts[open] = 0;
        arrays[open] = new Float32Array(Number(head!.frames) * per[open]).fill(NaN);
        continue;
      }
      if (line.startsWith('"quality":')) {
        try {
          quality = (JSON.parse(`{${line.replace(/,$/, '')}}`) as { quality: Record<string, Array<number | null>> }).quality;
        } catch (e) {
          throw bad(n, `bad quality scores (${(e as Error).message})`);
        }
        continue;
      }
      if (line.startsWith('"speech":')) {
        try {
          speech = (JSON.parse(`{${line.replace(/,$/, '')}}`) as { speech: Array<[number, number]> }).speech;
        } catch (e) {
          throw bad(n, `bad speech segments (${(e as Error).message})`);
        }
        continue;
      }
      throw bad(n, `unexpected line '${line.slice(0, 40)}'`);
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  if (!ended || !head) throw bad(n, 'the document does not end');
  const take = (k: string): Float32Array => (arrays[k] ?? new Float32Array(0)).subarray(0, (counts[k] ?? 0) * per[k]);
  const header = { fps: Number(head.fps), width: Number(head.width), height: Number(head.height), frames: Number(head.frames) };
  const T = counts.landmarks ?? 0;
  const face: FaceTracks | null = T
    ? { ...header, frames: T, landmarks: take('landmarks'), refined: take('refined'), box: take('box'), pose: take('pose') }
    : null;
  if (face) {
    for (const k of ['refined', 'box', 'pose']) if ((counts[k] ?? 0) !== T) throw bad(n, `${k} has ${counts[k] ?? 0} frames, landmarks ${T}`);
    if (counts.motion !== undefined) {
      if (counts.motion !== T) throw bad(n, `motion has ${counts.motion} frames, landmarks ${T}`);
      face.motion = take('motion');
    }
  }
  const rms = take('rms');
  return {
    header,
    face,
    audio: { hasAudio: head.hasAudio === true, speech, rms },
    ...(quality ? { quality: Object.fromEntries(Object.entries(quality).map(([k, v]) => [k, Float64Array.from(v, (x) => (x === null ? NaN : x))])) } : {}),
  };
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
