/**
 * The quality scorers' common part: a native model (BRISQUE or ONNX) behind the
 * QualityScorer interface, plus the fast paths the pipeline uses (whole frames and crops
 * scored in native code on an RGB24 frame buffer, no per-image copies through JS).
 */
import { fromNative, TheValError } from '../errors.js';
import type { CropBox, QualityImage, QualityScorer } from '../metrics/quality.js';
import type { NativeQualityModel } from '../native.js';

/** `count` packed RGB24 frames (H x W x 3 each), one after another. */
export interface FrameBatch {
  data: Uint8Array;
  width: number;
  height: number;
  count: number;
}

/** A crop of frame `frame` of a FrameBatch (pixels; x1, y1 exclusive). */
export interface FrameCrop extends CropBox {
  frame: number;
}

export interface Size {
  width: number;
  height: number;
}

export class NativeQualityScorer implements QualityScorer {
  constructor(
    readonly model: NativeQualityModel,
    readonly name: string,
    readonly version: string,
  ) {}

  /** One score per frame. */
  async scoreFrames(frames: FrameBatch, resize?: Size): Promise<Float64Array> {
    checkBatch(frames);
    try {
      return await this.model.score(frames.data, { ...shape(frames), ...resizeFields(resize) });
    } catch (e) {
      throw fromNative(e);
    }
  }

  /**
   * One score per crop, in order. Crops are cut from the frame buffer in native code and,
   * with `resize`, resized there (cv::INTER_AREA when shrinking, else INTER_LINEAR).
   */
  async scoreCrops(frames: FrameBatch, crops: ArrayLike<FrameCrop> | Int32Array, resize?: Size): Promise<Float64Array> {
    checkBatch(frames);
    const boxes = crops instanceof Int32Array ? crops : packCrops(crops);
    if (boxes.length === 0) return new Float64Array(0);
    try {
      return await this.model.score(frames.data, { ...shape(frames), boxes, ...resizeFields(resize) });
    } catch (e) {
      throw fromNative(e);
    }
  }

  /**
   * The generic QualityScorer entry: float RGB in [0, 1] (H x W x 3). Each image is turned
   * into 8-bit RGB (round(v * 255), clamped; NaN -> 0), the form every model here reads.
   */
  async scoreBatch(images: QualityImage[]): Promise<Float32Array> {
    const out = new Float32Array(images.length);
    for (let i = 0; i < images.length; i++) {
      const im = images[i];
      if (im.data.length !== im.width * im.height * 3) {
        throw new TheValError('BAD_ARGUMENT', `image ${i}: ${im.data.length} floats for ${im.width}x${im.height}x3`);
      }
      const u8 = new Uint8Array(im.data.length);
      for (let k = 0; k < u8.length; k++) {
        const v = Math.round(im.data[k] * 255);
        u8[k] = v > 255 ? 255 : v > 0 ? v : 0;
      }
      const s = await this.scoreFrames({ data: u8, width: im.width, height: im.height, count: 1 });
      out[i] = s[0];
    }
    return out;
  }
}

export function packCrops(crops: ArrayLike<FrameCrop>): Int32Array {
  const a = new Int32Array(crops.length * 5);
  for (let i = 0; i < crops.length; i++) {
    const c = crops[i];
    a.set([c.frame, c.x0, c.y0, c.x1, c.y1], i * 5);
  }
  return a;
}

function shape(f: FrameBatch): { width: number; height: number; count: number } {
  return { width: f.width, height: f.height, count: f.count };
}

function resizeFields(r?: Size): { resizeWidth?: number; resizeHeight?: number } {
  if (!r) return {};
  if (!Number.isInteger(r.width) || !Number.isInteger(r.height) || r.width < 1 || r.height < 1) {
    throw new TheValError('BAD_ARGUMENT', `resize must be positive integers, got ${r.width}x${r.height}`);
  }
  return { resizeWidth: r.width, resizeHeight: r.height };
}

function checkBatch(f: FrameBatch): void {
  if (!(f.data instanceof Uint8Array)) throw new TheValError('BAD_ARGUMENT', 'frames.data must be a Uint8Array (RGB24)');
  for (const k of ['width', 'height', 'count'] as const) {
    if (!Number.isInteger(f[k]) || f[k] < (k === 'count' ? 0 : 1)) {
      throw new TheValError('BAD_ARGUMENT', `frames.${k} must be a ${k === 'count' ? 'non-negative' : 'positive'} integer, got ${f[k]}`);
    }
  }
  if (f.data.length < f.width * f.height * 3 * f.count) {
    throw new TheValError(
      'BAD_ARGUMENT',
      `frames.data holds ${f.data.length} bytes; ${f.count} frames of ${f.width}x${f.height}x3 need ${f.width * f.height * 3 * f.count}`,
    );
  }
}
