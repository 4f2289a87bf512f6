/**
 * Crop boxes of the mouth- and face-quality metrics, per frame, from the face tracks.
 * Both are computed here (in JS, from landmarks) and cut out of the frame in native code.
 */
import { mouthBox, type CropBox } from '../metrics/quality.js';
import { plainView } from '../metrics/types.js';
import { PLAIN_POINTS, type FaceTracks } from '../tracks.js';

/** Side of the square face crop BRISQUE scores (cv::INTER_AREA when shrinking, else INTER_LINEAR). */
export const FACE_CROP_SIZE = 224;

const ALL_POINTS: readonly number[] = Array.from({ length: PLAIN_POINTS }, (_, i) => i);

/**
 * Square face crop of frame t: the box spanning the 468 plain landmarks in pixels
 * (x * W, y * H, min/max, not truncated), its centre kept, its side = max(w, h) rounded to
 * whole pixels; the square is then shifted (not shrunk) to lie inside the frame, and
 * clipped only when its side exceeds the frame. null without a face.
 */
export function faceCropBox(face: FaceTracks, t: number): CropBox | null {
  const lm = plainView(face);
  if (!lm.has(t, ALL_POINTS)) return null;
  let xmin = Infinity, ymin = Infinity, xmax = -Infinity, ymax = -Infinity;
  for (let k = 0; k < PLAIN_POINTS; k++) {
    const x = lm.x(t, k) * face.width;
    const y = lm.y(t, k) * face.height;
    if (x < xmin) xmin = x;
    if (x > xmax) xmax = x;
    if (y < ymin) ymin = y;
    if (y > ymax) ymax = y;
  }
  const side = Math.max(1, Math.round(Math.max(xmax - xmin, ymax - ymin)));
  const place = (centre: number, extent: number): [number, number] => {
    if (side >= extent) return [0, extent];
    const lo = Math.min(Math.max(Math.round(centre - side / 2), 0), extent - side);
    return [lo, lo + side];
  };
  const [x0, x1] = place((xmin + xmax) / 2, face.width);
  const [y0, y1] = place((ymin + ymax) / 2, face.height);
  return { x0, y0, x1, y1 };
}

/** T x 4 Int32Array of boxes (x0, y0, x1, y1; all -1 for a frame without a box). */
export function packFrameBoxes(boxes: ArrayLike<CropBox | null>): Int32Array {
  const a = new Int32Array(boxes.length * 4).fill(-1);
  for (let t = 0; t < boxes.length; t++) {
    const b = boxes[t];
    if (b) a.set([b.x0, b.y0, b.x1, b.y1], t * 4);
  }
  return a;
}

/** Per-frame mouth boxes (METRICS.md 2: 40 LIPS points + 10 px) and square face boxes. */
export function qualityBoxes(face: FaceTracks): { mouth: Int32Array; face: Int32Array } {
  const mouth: (CropBox | null)[] = [];
  const faces: (CropBox | null)[] = [];
  for (let t = 0; t < face.frames; t++) {
    mouth.push(mouthBox(face, t));
    faces.push(faceCropBox(face, t));
  }
  return { mouth: packFrameBoxes(mouth), face: packFrameBoxes(faces) };
}
