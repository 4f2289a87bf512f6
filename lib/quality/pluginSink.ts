/**
 * Quality plug-ins written in JS (a QualityProvider with `scorers` and no native path)
 * inside the one pass: the pass hands its decoded frames over in batches (no second
 * decode), and each batch is scored as the separate quality pass scored it: whole frames in
 * one scoreBatch call per metric, each mouth crop alone (never batch-padded, METRICS.md 2).
 * The mouth boxes come with the frames (native/pipeline/quality_boxes.cc, the twin of
 * mouthBox()).
 */
import { TheValError } from '../errors.js';
import { frameMean, type FrameMeanDetails, type QualityImage, type QualityScorer } from '../metrics/quality.js';
import type { MetricResult } from '../metrics/types.js';
import type { PassFrameBatch, PassFrameSink } from '../pipeline/videoPass.js';

type Id = 'global_aesthetic' | 'mouth_quality' | 'face_quality';

/** H x W x 3 floats in [0,1] from packed rgb24 (a crop [x0,x1) x [y0,y1) of a width-W frame). */
export function toQualityImage(rgb: Uint8Array, W: number, x0: number, y0: number, x1: number, y1: number): QualityImage {
  const w = x1 - x0, h = y1 - y0;
  const data = new Float32Array(w * h * 3);
  let o = 0;
  for (let y = y0; y < y1; y++) {
    let i = (y * W + x0) * 3;
    for (let k = 0; k < w * 3; k++) data[o++] = rgb[i++] / 255;
  }
  return { width: w, height: h, data };
}

export interface PluginQualitySink {
  sink: PassFrameSink;
  /** The first error a scorer threw (the pass itself went on). */
  readonly error: unknown;
  /** Per-video values once the pass is over (T frames). */
  values(frames: number): Partial<Record<Id, MetricResult<FrameMeanDetails>>>;
}

export function pluginQualitySink(
  scorers: Partial<Record<Id, QualityScorer>>,
  wanted: readonly Id[],
  batchSize = 8,
): PluginQualitySink {
  const whole = wanted.filter((id) => id !== 'mouth_quality' && scorers[id]);
  const mouth = wanted.includes('mouth_quality') ? scorers.mouth_quality : undefined;
  const scores = new Map<Id, number[]>();
  for (const id of [...whole, ...(mouth ? (['mouth_quality'] as const) : [])]) scores.set(id, []);
  let error: unknown;
  const onBatch = async (b: PassFrameBatch): Promise<void> => {
    if (error !== undefined) return;
    try {
      const bytes = b.width * b.height * 3;
      const frame = (i: number): Uint8Array => b.data.subarray(i * bytes, (i + 1) * bytes);
      if (whole.length) {
        const images: QualityImage[] = [];
        for (let i = 0; i < b.count; i++) images.push(toQualityImage(frame(i), b.width, 0, 0, b.width, b.height));
        for (const id of whole) {
          const s = await scorers[id]!.scoreBatch(images);
          if (s.length !== b.count) throw new TheValError('INTERNAL', `${scorers[id]!.name} returned ${s.length} scores for ${b.count} images`);
          for (let i = 0; i < b.count; i++) scores.get(id)![b.first + i] = s[i];
        }
      }
      if (mouth) {
        for (let i = 0; i < b.count; i++) {
          const [x0, y0, x1, y1] = b.boxes.subarray(i * 8, i * 8 + 4);
          let v = NaN;
          if (x0 >= 0) v = (await mouth.scoreBatch([toQualityImage(frame(i), b.width, x0, y0, x1, y1)]))[0] ?? NaN;
          scores.get('mouth_quality')![b.first + i] = v;
        }
      }
    } catch (e) {
      error = e;
    }
  };
  return {
    sink: { batch: Math.max(1, Math.min(256, batchSize)), onBatch },
    get error() {
      return error;
    },
    values(frames) {
      const out: Partial<Record<Id, MetricResult<FrameMeanDetails>>> = {};
      for (const [id, s] of scores) {
        const perFrame = Array.from({ length: frames }, (_, t) => s[t] ?? NaN);
        out[id] = frameMean(perFrame, id === 'mouth_quality' ? 'no frame with a face' : 'no scored frame');
      }
      return out;
    },
  };
}
