/**
 * Frame timing of variable-frame-rate videos. theval indexes frames in decode order and puts
 * frame t at t / fps on the audio's time axis, as the reference does (METRICS.md). On a VFR
 * video the real frame times drift from that grid; this measures by how much, from the
 * stream's own timestamps, so the drift is reported instead of silently mis-aligning.
 */
import { fromNative, TheValError } from '../errors.js';
import { native } from '../native.js';

export interface FrameTiming {
  /** Frames with a timestamp (sorted presentation times). */
  frames: number;
  /** Frames without any timestamp (not counted in the drift). */
  missing: number;
  /** Largest |(t_i - t_0) - i / fps| over the frames, seconds. */
  maxDriftSec: number;
  /** The frame index where it occurs (-1 when there is none). */
  atFrame: number;
}

/** Compares timestamps (seconds, presentation order) with the grid i / fps. */
export function frameTimingDrift(times: ArrayLike<number>, fps: number): Omit<FrameTiming, 'missing'> {
  if (!(fps > 0) || !Number.isFinite(fps)) throw new TheValError('BAD_ARGUMENT', `frameTimingDrift: bad fps ${fps}`);
  let maxDriftSec = 0;
  let atFrame = -1;
  let first = NaN;
  let i = 0;
  for (let k = 0; k < times.length; k++) {
    const t = times[k];
    if (!Number.isFinite(t)) continue;
    if (Number.isNaN(first)) first = t;
    const d = Math.abs(t - first - i / fps);
    if (d > maxDriftSec) {
      maxDriftSec = d;
      atFrame = i;
    }
    i++;
  }
  return { frames: i, maxDriftSec, atFrame };
}

/** Reads the video's frame timestamps (demux only, no decoding) and measures their drift from i / fps. */
export async function measureFrameTiming(path: string, fps: number): Promise<FrameTiming> {
  let r: { times: Float64Array; missing: number; fps: number };
  try {
    r = await native().videoTimestamps(path);
  } catch (e) {
    throw fromNative(e);
  }
  return { ...frameTimingDrift(r.times, fps), missing: r.missing };
}

/**
 * The warning for a drift over half a frame period (frame t is then nearer another frame's
 * real time than its own), or null.
 */
export function frameTimingWarning(t: FrameTiming, fps: number): string | null {
  if (!(t.maxDriftSec > 0.5 / fps)) return null;
  return (
    `variable frame rate: the frame timestamps differ from frame / fps (${fps.toFixed(3)} fps) by up to ` +
    `${(t.maxDriftSec * 1000).toFixed(0)} ms (frame ${t.atFrame}); audio tracks are aligned on frame / fps as the reference does`
  );
}
