/**
 * Face photos and synthetic talking-head clips for the landmark tests. Clips are made once
 * (by lib/samples/synth.ts) into the test media folder and reused across runs.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../lib/native.js';
import { GRACE_HOPPER, synthesizeTalkingHead, type FacePhoto, type SynthOptions } from '../../lib/samples/synth.js';
import { mediaDir } from './media.js';

export { GRACE_HOPPER };

/** Public-domain face photos shipped in samples/faces (THEVAL_FACE_FIXTURES overrides). */
export const faceFixtures = process.env.THEVAL_FACE_FIXTURES ?? path.resolve(packageRoot, 'samples', 'faces');

/**
 * NASA portrait (scikit-image's `astronaut`), 512x512, a small face (eyes ~44 px apart).
 * Mouth and head centre read off the picture by eye (zoomed crop with a 10-px grid).
 */
export const ASTRONAUT: FacePhoto = {
  file: path.join(faceFixtures, 'astronaut.png'),
  mouth: [224, 145],
  mouthHalfWidth: 20,
  headCenter: [224, 115],
};

export const hasAstronaut = existsSync(ASTRONAUT.file);

export interface Clip {
  path: string;
  frames: number;
  fps: number;
  /** Mouth opening 0..1 rendered per frame (known truth). */
  opening: Float32Array;
}

/** A synthetic talking-head clip for `options`, made once and cached by its options. */
export async function talkingHeadClip(name: string, options: SynthOptions): Promise<Clip> {
  const key = createHash('sha256').update(JSON.stringify({ v: 1, options })).digest('hex').slice(0, 10);
  const file = path.join(mediaDir, `${name}-${key}.mp4`);
  const meta = `${file}.json`;
  if (existsSync(file) && existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as { frames: number; fps: number; opening: number[] };
    return { path: file, frames: m.frames, fps: m.fps, opening: Float32Array.from(m.opening) };
  }
  mkdirSync(mediaDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp.mp4`;
  try {
    const r = await synthesizeTalkingHead(tmp, options);
    writeFileSync(`${meta}.${process.pid}.tmp`, JSON.stringify({ frames: r.frames, fps: r.fps, opening: Array.from(r.opening) }));
    renameSync(tmp, file);
    renameSync(`${meta}.${process.pid}.tmp`, meta);
    return { path: file, frames: r.frames, fps: r.fps, opening: r.opening };
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Short speech (about 3 s at 25 fps) with a pause, so clips stay cheap for the browser reference. */
export const SHORT_SSML = '<speak>One two three. <break time="500ms"/> Four five six.</speak>';

/** The clips the parity and harness tests use (all 512x512, 25 fps). */
export const clipSpecs = {
  /** Grace Hopper talking, head rolling +-3 degrees and moving a few pixels. */
  hopper: (): Promise<Clip> => talkingHeadClip('mp-hopper', { ssml: SHORT_SSML, seed: 1 }),
  /** Stronger head motion (+-6 degrees, +-12 px). */
  hopperMoving: (): Promise<Clip> => talkingHeadClip('mp-hopper-moving', { ssml: SHORT_SSML, headMotion: 6, seed: 2 }),
  /** The astronaut (small face) talking. */
  astronaut: (): Promise<Clip> => talkingHeadClip('mp-astronaut', { ssml: SHORT_SSML, photo: ASTRONAUT, seed: 3 }),
  /** No face at all (drifting colour bands). */
  noFace: (): Promise<Clip> => talkingHeadClip('mp-noface', { ssml: '<speak>One two.</speak>', noFace: true }),
};
