/**
 * Speech / silence per video frame, from VAD segments (METRICS.md, Dimension 3).
 * The arithmetic is kept in the same IEEE doubles, in the same order, as the reference's
 * Python (`int(start*fps)`, `len(run) >= 300/1000*fps`), so boundary frames agree
 * exactly: e.g. 4.6 s at 25 fps is 114.99999999999999, frame 114, not 115.
 */

/**
 * 1 where frame t is speech: `int(start*fps) <= t <= int(end*fps)` for some segment, t < T.
 * Python's int() truncates toward zero, hence Math.trunc (not floor, not round).
 */
export function speechFrames(segments: ReadonlyArray<readonly [number, number]>, fps: number, T: number): Uint8Array {
  const speech = new Uint8Array(Math.max(0, T));
  for (const [start, end] of segments) {
    const first = Math.max(0, Math.trunc(start * fps));
    const last = Math.min(T - 1, Math.trunc(end * fps));
    for (let t = first; t <= last; t++) speech[t] = 1;
  }
  return speech;
}

/** The reference's minimum silent run, 300 ms, written as it computes it (300/1000 * fps). */
export const MIN_SILENCE_MS = 300;

/**
 * 1 where frame t is silent (speech[t] == 0) and belongs to a run of consecutive silent
 * frames whose length is >= 0.3*fps (a run touching the end of the video counts too).
 */
export function keptSilentFrames(speech: Uint8Array, fps: number): Uint8Array {
  const T = speech.length;
  const kept = new Uint8Array(T);
  const minRun = (MIN_SILENCE_MS / 1000) * fps;
  let t = 0;
  while (t < T) {
    if (speech[t]) {
      t++;
      continue;
    }
    let end = t;
    while (end < T && !speech[end]) end++;
    if (end - t >= minRun) kept.fill(1, t, end);
    t = end;
  }
  return kept;
}

/** Number of set entries of a 0/1 mask. */
export function countFrames(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i] ? 1 : 0;
  return n;
}
