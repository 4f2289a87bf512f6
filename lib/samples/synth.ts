/**
 * Synthetic talking-head clips with known truth, made offline: espeak-ng speech (with
 * SSML pauses), a face photo animated with smooth head motion and a lower-face warp whose
 * mouth opening follows the speech loudness, encoded by ffmpeg (H.264 + AAC).
 * Variants switch one thing off or around (static mouth, mouth moving only in silence,
 * shifted audio, no audio, no face, still head) so that each metric's direction is known.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeAudio } from '../decode/audio.js';
import { openVideo } from '../decode/video.js';
import { TheValError } from '../errors.js';
import { packageRoot } from '../native.js';

/** A face photo and where its mouth is (pixels of the 512x512 photo). */
export interface FacePhoto {
  file: string;
  mouth: [number, number];
  /** Half the mouth's width in pixels. */
  mouthHalfWidth: number;
  /** Centre of rotation for head motion (about the middle of the head). */
  headCenter: [number, number];
}

export const GRACE_HOPPER: FacePhoto = {
  file: path.join(packageRoot, 'samples', 'faces', 'grace_hopper_512x512.jpg'),
  mouth: [265, 258],
  mouthHalfWidth: 30,
  headCenter: [262, 215],
};

export interface SynthOptions {
  /** Text spoken by espeak-ng; SSML is allowed (`<break time="700ms"/>` makes a pause). */
  ssml?: string;
  photo?: FacePhoto;
  fps?: number;
  /** 'speech': the mouth opens with loudness; 'static': never moves; 'silence': opens only in pauses. */
  mouth?: 'speech' | 'static' | 'silence';
  /** Head motion amplitude: roll in degrees and translation in pixels (0 = still head). */
  headMotion?: number;
  /** Audio shifted later (positive) or earlier (negative) against the video, in seconds. */
  audioShift?: number;
  /** Leave out the audio stream. */
  noAudio?: boolean;
  /** Replace the face by a faceless test pattern (keeps the audio). */
  noFace?: boolean;
  /** Seed for the head-motion phases, so clips differ but are reproducible. */
  seed?: number;
  /**
   * 'follows-head' (default): the whole photo moves with the head (background warped in sync
   * with the head, as motion-transfer methods do). 'static': only the head moves, over a
   * still copy of the photo (a locked-off camera).
   */
  background?: 'follows-head' | 'static';
  /** Flicker on the face: its luminance goes up and down by this many 8-bit levels on alternate frames (0 = none). */
  faceFlicker?: number;
  /** A whole-clip translation of (dx, dy) pixels per frame on top of the head motion (sub-pixel drift). */
  drift?: [number, number];
}

export interface SynthResult {
  path: string;
  frames: number;
  fps: number;
  /** Mouth opening 0..1 that was rendered per frame. */
  opening: Float32Array;
  /** Head roll per frame in radians (positive: the face turns clockwise in the image). */
  roll: Float32Array;
  /** Head translation per frame in pixels (x, y interleaved). */
  shift: Float32Array;
}

export const DEFAULT_SSML =
  '<speak>Hello, this is a sample clip. <break time="700ms"/> The mouth follows the voice. ' +
  '<break time="500ms"/> One, two, three, four. <break time="300ms"/> Goodbye.</speak>';

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new TheValError('INTERNAL', `${cmd} failed: ${r.error?.message ?? r.stderr?.slice(-500)}`);
  }
}

/** Frame-rate RMS envelope of the speech, normalised to 0..1 and lightly smoothed. */
function loudnessPerFrame(samples: Float32Array, rate: number, fps: number, frames: number): Float32Array {
  const out = new Float32Array(frames);
  const win = Math.round(rate / fps);
  let max = 1e-9;
  for (let t = 0; t < frames; t++) {
    let s = 0;
    const a = t * win;
    const b = Math.min(samples.length, a + win);
    for (let i = a; i < b; i++) s += samples[i] * samples[i];
    out[t] = b > a ? Math.sqrt(s / (b - a)) : 0;
    max = Math.max(max, out[t]);
  }
  let prev = 0;
  for (let t = 0; t < frames; t++) {
    const v = Math.min(1, out[t] / (0.6 * max));
    prev = 0.5 * prev + 0.5 * v; // one-pole smoothing: lips do not jump
    out[t] = prev < 0.08 ? 0 : prev;
  }
  return out;
}

function bilinear(src: Uint8Array, w: number, h: number, x: number, y: number, out: Uint8Array, o: number): void {
  if (x < 0) x = 0;
  if (y < 0) y = 0;
  if (x > w - 1.001) x = w - 1.001;
  if (y > h - 1.001) y = h - 1.001;
  const x0 = x | 0;
  const y0 = y | 0;
  const fx = x - x0;
  const fy = y - y0;
  const i00 = (y0 * w + x0) * 3;
  const i10 = i00 + 3;
  const i01 = i00 + w * 3;
  const i11 = i01 + 3;
  for (let c = 0; c < 3; c++) {
    const top = src[i00 + c] + (src[i10 + c] - src[i00 + c]) * fx;
    const bot = src[i01 + c] + (src[i11 + c] - src[i01 + c]) * fx;
    out[o + c] = top + (bot - top) * fy + 0.5;
  }
}

/** Weight 0..1 of "head" at (x, y): an ellipse around the head with a soft 12-pixel edge. */
function headWeight(face: FacePhoto, x: number, y: number): number {
  const [cx, cy] = face.headCenter;
  const rx = face.mouthHalfWidth * 4.2, ry = face.mouthHalfWidth * 5.6;
  const d = Math.hypot((x - cx) / rx, (y - cy + 15) / ry);
  return d <= 1 ? 1 : Math.max(0, 1 - ((d - 1) * Math.min(rx, ry)) / 12);
}

/** Renders one frame: head roll + translation about the head centre, then the mouth warp. */
function renderFrame(photo: Uint8Array, w: number, h: number, face: FacePhoto, open: number, roll: number, tx: number, ty: number, out: Uint8Array): void {
  const [cx, cy] = face.headCenter;
  const [mx, my] = face.mouth;
  const rx = face.mouthHalfWidth * 1.7; // jaw region half width
  const inner = face.mouthHalfWidth * 0.85; // lip opening half width
  const drop = 16 * open; // jaw drop in pixels at full opening
  const cos = Math.cos(-roll);
  const sin = Math.sin(-roll);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Inverse head motion: output pixel -> photo coordinates.
      const dx = x - cx - tx;
      const dy = y - cy - ty;
      let sx = cx + cos * dx - sin * dy;
      let sy = cy + sin * dx + cos * dy;
      const o = (y * w + x) * 3;
      if (open > 0) {
        const u = (sx - mx) / rx;
        if (u > -1 && u < 1) {
          const g = 1 - u * u;
          const below = sy - my;
          if (below >= 0 && below < 120 + drop) {
            // Lower lip and jaw move down, fading out towards the chin.
            const fade = below < drop + 20 ? 1 : Math.max(0, 1 - (below - drop - 20) / 100);
            const d = drop * g * fade;
            const ui = (sx - mx) / inner;
            if (ui > -1 && ui < 1 && below < d * Math.sqrt(1 - ui * ui) * 0.9) {
              // Inside the opened lips: a dark mouth cavity.
              out[o] = 45;
              out[o + 1] = 18;
              out[o + 2] = 22;
              continue;
            }
            sy -= d;
          } else if (below < 0 && below > -30) {
            sy += 0.25 * drop * g * (1 + below / 30); // upper lip lifts a little
          }
        }
      }
      bilinear(photo, w, h, sx, sy, out, o);
    }
  }
}

async function readPhoto(file: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  const r = await openVideo(file);
  const data = r.allocate(1) as Uint8Array;
  await r.read(data, 1);
  const { width, height } = r.info;
  r.close();
  return { data, width, height };
}

/** Writes a synthetic talking-head clip to `out` (mp4). Needs espeak-ng and ffmpeg. */
export async function synthesizeTalkingHead(out: string, options: SynthOptions = {}): Promise<SynthResult> {
  const fps = options.fps ?? 25;
  const face = options.photo ?? GRACE_HOPPER;
  // ffmpeg cannot create the folder; without it the encoder exits and the frame writes below
  // would wait for a drain that never comes.
  mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'theval-synth-'));
  try {
    const wav = path.join(tmp, 'speech.wav');
    run('espeak-ng', ['-m', '-s', '150', '-w', wav, options.ssml ?? DEFAULT_SSML]);
    const audio = await decodeAudio(wav, 0);
    const frames = Math.floor((audio.samples.length / audio.sampleRate) * fps);
    const loud = loudnessPerFrame(audio.samples, audio.sampleRate, fps, frames);
    const mode = options.mouth ?? 'speech';
    const opening = new Float32Array(frames);
    for (let t = 0; t < frames; t++) {
      if (mode === 'speech') opening[t] = loud[t];
      else if (mode === 'silence') opening[t] = loud[t] === 0 ? 0.5 + 0.5 * Math.sin((t / fps) * 2 * Math.PI * 3) : 0;
      // Real lips are never perfectly still: a slight, slow tremor (except in 'static' mode),
      // so that a GT set's silent-lip stability is small but not zero.
      if (mode !== 'static') opening[t] += 0.04 * (1 + Math.sin((t / fps) * 2 * Math.PI * 1.3 + (options.seed ?? 1)));
    }
    const photo = await readPhoto(face.file);
    const { width: w, height: h } = photo;
    const amp = options.headMotion ?? 3;
    const seed = options.seed ?? 1;
    const phase = (k: number): number => ((Math.sin(seed * 12.9898 + k * 78.233) * 43758.5453) % 1) * 2 * Math.PI;

    const args = ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${w}x${h}`, '-r', String(fps), '-i', '-'];
    if (!options.noAudio) {
      const shift = options.audioShift ?? 0;
      args.push('-i', wav);
      // Shift the audio, then pad/cut it to the video's length.
      const filt = shift >= 0 ? `adelay=${Math.round(shift * 1000)}:all=1,apad` : `atrim=start=${-shift},asetpts=PTS-STARTPTS,apad`;
      args.push('-af', filt, '-c:a', 'aac', '-b:a', '128k', '-ar', '48000');
    }
    args.push('-t', String(frames / fps), '-c:v', 'libx264', '-preset', 'fast', '-crf', '18', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', out);
    const enc = spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    enc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<void>((resolve, reject) => {
      enc.on('error', reject);
      enc.on('close', (code) => (code === 0 ? resolve() : reject(new TheValError('INTERNAL', `ffmpeg encode failed: ${stderr.slice(-500)}`))));
    });
    const frame = new Uint8Array(w * h * 3);
    const still = options.background === 'static' ? new Uint8Array(w * h * 3) : null;
    const flicker = options.faceFlicker ?? 0;
    const [driftX, driftY] = options.drift ?? [0, 0];
    const rollTrack = new Float32Array(frames);
    const shiftTrack = new Float32Array(frames * 2);
    for (let t = 0; t < frames; t++) {
      if (options.noFace) {
        // A faceless frame: smooth colour bands that drift, no skin, no features.
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const o = (y * w + x) * 3;
            frame[o] = 80 + 60 * Math.sin((x + t * 2) / 40);
            frame[o + 1] = 120 + 50 * Math.sin(y / 55);
            frame[o + 2] = 160 + 40 * Math.sin((x + y) / 70);
          }
      } else {
        const s = t / fps;
        const roll = ((amp * Math.PI) / 180) * Math.sin(2 * Math.PI * 0.35 * s + phase(1));
        const tx = amp * 2 * Math.sin(2 * Math.PI * 0.21 * s + phase(2)) + driftX * t;
        const ty = amp * 1.2 * Math.sin(2 * Math.PI * 0.27 * s + phase(3)) + driftY * t;
        renderFrame(photo.data, w, h, face, opening[t], roll, tx, ty, frame);
        if (still || flicker) {
          // Only the head moves over a still (drifting) copy of the photo, and/or the face
          // flickers: both follow the head's ellipse at its current position.
          if (still) renderFrame(photo.data, w, h, face, 0, 0, driftX * t, driftY * t, still);
          const sign = t % 2 === 0 ? 1 : -1;
          for (let y = 0; y < h; y++)
            for (let x = 0; x < w; x++) {
              const wgt = headWeight(face, x - tx, y - ty);
              const o = (y * w + x) * 3;
              for (let c = 0; c < 3; c++) {
                let v = still ? still[o + c] + (frame[o + c] - still[o + c]) * wgt : frame[o + c];
                v += sign * flicker * wgt;
                frame[o + c] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
              }
            }
        }
        rollTrack[t] = roll;
        shiftTrack[2 * t] = tx;
        shiftTrack[2 * t + 1] = ty;
      }
      if (!enc.stdin.write(frame)) await new Promise((r) => enc.stdin.once('drain', r));
    }
    enc.stdin.end();
    await done;
    return { path: out, frames, fps, opening, roll: rollTrack, shift: shiftTrack };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
