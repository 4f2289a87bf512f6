/**
 * Landmark parity measure: per-point errors in pixels of the frame, between two sets of
 * per-frame landmarks (ours and a reference), over the frames where both found a face.
 */

/** Per frame: n x (x, y, z) with x, y normalised to the frame, or null (no face). */
export type LandmarkFrames = ReadonlyArray<Float32Array | null>;

export interface LandmarkComparison {
  /** Frames compared. */
  frames: number;
  /** Frames where both found a face (the errors are over these). */
  framesBothFound: number;
  /** Frames where only ours / only the reference found a face. */
  onlyOurs: number;
  onlyRef: number;
  /** Frame indices of onlyOurs / onlyRef (for messages). */
  onlyOursFrames: number[];
  onlyRefFrames: number[];
  /** Points compared per frame. */
  points: number;
  /** Over every (frame, point) with both found: error = sqrt((dx*W)^2 + (dy*H)^2) in pixels. NaN when no frame has both. */
  meanPx: number;
  /** 95th percentile of those errors (linear interpolation between order statistics, as numpy's default). */
  p95Px: number;
  maxPx: number;
  /** Signed mean of (ours - reference) in pixels, x and y separately: a constant offset shows here, noise averages out. NaN when no frame has both. */
  meanDxPx: number;
  meanDyPx: number;
}

/** A frame-major T x n x 3 array (NaN = no face, as in FaceTracks) split into per-frame arrays. */
export function splitFrames(flat: Float32Array, points: number): LandmarkFrames {
  const per = points * 3;
  if (flat.length % per !== 0) throw new Error(`${flat.length} values are not a whole number of ${points}-point frames`);
  const out: Array<Float32Array | null> = [];
  for (let t = 0; t < flat.length / per; t++) {
    const f = flat.subarray(t * per, (t + 1) * per);
    out.push(Number.isNaN(f[0]) || Number.isNaN(f[1]) ? null : f);
  }
  return out;
}

/** Percentile q (0..1) of sorted values, linear interpolation between order statistics. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Compares `ours` with `ref` on a W x H frame. Both must have the same number of frames.
 * `points` limits the comparison to the first k points of each frame (e.g. 468 of 478);
 * by default both frames must have the same number of points and all are compared.
 * A found frame containing NaN in x or y (first k points) is an error, not "no face".
 */
export function compareLandmarks(ours: LandmarkFrames, ref: LandmarkFrames, W: number, H: number, options: { points?: number } = {}): LandmarkComparison {
  if (ours.length !== ref.length) throw new Error(`frame count differs: ours ${ours.length}, reference ${ref.length}`);
  if (!(W > 0 && H > 0)) throw new Error(`bad frame size ${W}x${H}`);
  const errors: number[] = [];
  const onlyOursFrames: number[] = [];
  const onlyRefFrames: number[] = [];
  let both = 0;
  let points = options.points ?? -1;
  let sumDx = 0;
  let sumDy = 0;
  for (let t = 0; t < ours.length; t++) {
    const a = ours[t];
    const b = ref[t];
    if (a && !b) onlyOursFrames.push(t);
    else if (b && !a) onlyRefFrames.push(t);
    if (!a || !b) continue;
    if (a.length % 3 || b.length % 3) throw new Error(`frame ${t}: landmark arrays must hold (x, y, z) triples`);
    let k = options.points;
    if (k === undefined) {
      if (a.length !== b.length) throw new Error(`frame ${t}: ours has ${a.length / 3} points, reference ${b.length / 3}`);
      k = a.length / 3;
    } else if (a.length < 3 * k || b.length < 3 * k) {
      throw new Error(`frame ${t}: fewer than ${k} points (ours ${a.length / 3}, reference ${b.length / 3})`);
    }
    if (points === -1) points = k;
    else if (points !== k) throw new Error(`frame ${t}: ${k} points, earlier frames had ${points}`);
    both++;
    for (let i = 0; i < k; i++) {
      const dx = (a[3 * i] - b[3 * i]) * W;
      const dy = (a[3 * i + 1] - b[3 * i + 1]) * H;
      sumDx += dx;
      sumDy += dy;
      const e = Math.hypot(dx, dy);
      if (Number.isNaN(e)) throw new Error(`frame ${t}, point ${i}: NaN coordinate in a frame marked as found`);
      errors.push(e);
    }
  }
  const sorted = Float64Array.from(errors).sort();
  let sum = 0;
  for (const e of sorted) sum += e;
  return {
    frames: ours.length,
    framesBothFound: both,
    onlyOurs: onlyOursFrames.length,
    onlyRef: onlyRefFrames.length,
    onlyOursFrames,
    onlyRefFrames,
    points: Math.max(points, 0),
    meanPx: sorted.length ? sum / sorted.length : NaN,
    p95Px: percentile(sorted, 0.95),
    maxPx: sorted.length ? sorted[sorted.length - 1] : NaN,
    meanDxPx: sorted.length ? sumDx / sorted.length : NaN,
    meanDyPx: sorted.length ? sumDy / sorted.length : NaN,
  };
}

/** One line for test output and docs. */
export function formatComparison(label: string, c: LandmarkComparison): string {
  return (
    `${label}: ${c.framesBothFound}/${c.frames} frames both found, only ours ${c.onlyOurs}, only reference ${c.onlyRef}; ` +
    `${c.points} points: mean ${c.meanPx.toFixed(3)} px, p95 ${c.p95Px.toFixed(3)} px, max ${c.maxPx.toFixed(3)} px; signed mean dx ${c.meanDxPx.toFixed(3)} px, dy ${c.meanDyPx.toFixed(3)} px`
  );
}

/** The bounding box of landmarks (n x 3, normalised x, y): smallest and largest x and y. */
export function landmarkBounds(p: ArrayLike<number>): { x0: number; x1: number; y0: number; y1: number } {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < p.length; i += 3) {
    x0 = Math.min(x0, p[i]);
    x1 = Math.max(x1, p[i]);
    y0 = Math.min(y0, p[i + 1]);
    y1 = Math.max(y1, p[i + 1]);
  }
  return { x0, x1, y0, y1 };
}

/**
 * The landmark offset MediaPipe's CPU crop convention predicts (docs/parity.md): the mean over
 * frames of 0.5 (s - 1) frame pixels, s = ROI side / 192, the ROI from the previous frame's
 * landmarks (box of all points, long side x 1.5), as MediaPipe's tracking derives it.
 */
export function predictedCpuWarpOffset(ref: ReadonlyArray<Float32Array | null>, W: number, H: number): number {
  let sum = 0;
  let n = 0;
  for (let t = 1; t < ref.length; t++) {
    const p = ref[t - 1];
    if (!p || !ref[t]) continue;
    const { x0, x1, y0, y1 } = landmarkBounds(p);
    const roi = 1.5 * Math.max((x1 - x0) * W, (y1 - y0) * H);
    sum += 0.5 * (roi / 192 - 1);
    n++;
  }
  return n ? sum / n : NaN;
}
