/**
 * One video's quality scoring through the bridge, fed frame batch by frame batch by
 * whatever decodes (today qualityProvider.ts's loop; later the single native pass):
 *   push(frames, mouthBoxes) ... finish() -> per-frame scores.
 * Whole frames: TOPIQ-IAA on each pushed batch at once (the reference: batches of 64),
 * TOPIQ-NR-face one frame per call (the reference: batch size 1). Mouth crops: MUSIQ on
 * groups of `cropBatch` consecutive crops (frames without a face have none); with
 * `padCrops` (the reference profile) each group is one batch padded with black to its
 * largest crop, else each crop is scored alone.
 */
import type { CropBox } from '../metrics/quality.js';
import type { FrameBatch } from '../quality/scorer.js';
import { cutCrop, type ReferenceBridge, type RgbImage } from './bridge.js';

export const PYIQA_NAMES = { global_aesthetic: 'topiq_iaa', mouth_quality: 'musiq', face_quality: 'topiq_nr-face' } as const;

export interface QualityFeederOptions {
  global: boolean;
  mouth: boolean;
  face: boolean;
  /** MUSIQ batches padded with black to the largest crop (the reference's behaviour). */
  padCrops: boolean;
  /** Crops per MUSIQ group (default 64, the reference's). */
  cropBatch?: number;
}

export interface FeederResult {
  global?: Float64Array;
  mouth?: Float64Array;
  face?: Float64Array;
  /** Frames TOPIQ-NR-face refused (e.g. pyiqa found no face to align), with its message. */
  faceErrors: Array<{ frame: number; message: string }>;
  frames: number;
}

export class QualityFeeder {
  private t = 0;
  private readonly global: number[] = [];
  private readonly face: number[] = [];
  private readonly mouth: number[] = [];
  private readonly faceErrors: FeederResult['faceErrors'] = [];
  private crops: Array<{ frame: number; image: RgbImage }> = [];

  constructor(
    private readonly bridge: ReferenceBridge,
    private readonly options: QualityFeederOptions,
  ) {}

  /** Scores a batch of consecutive frames; mouthBoxes[i] is frame i's mouth crop (null: none). */
  async push(frames: FrameBatch, mouthBoxes: ReadonlyArray<CropBox | null> = []): Promise<void> {
    const o = this.options;
    const n = frames.count;
    if (o.global || o.face) {
      const r = await this.bridge.scoreFrames(frames, {
        batch: o.global ? [PYIQA_NAMES.global_aesthetic] : [],
        single: o.face ? [PYIQA_NAMES.face_quality] : [],
      });
      if (o.global) this.global.push(...r.scores[PYIQA_NAMES.global_aesthetic]);
      if (o.face) this.face.push(...r.scores[PYIQA_NAMES.face_quality]);
      for (const e of r.errors[PYIQA_NAMES.face_quality] ?? []) this.faceErrors.push({ frame: this.t + e.index, message: e.message });
    }
    if (o.mouth) {
      const bytes = frames.width * frames.height * 3;
      for (let i = 0; i < n; i++) {
        this.mouth.push(NaN);
        const box = mouthBoxes[i];
        if (!box) continue;
        this.crops.push({ frame: this.t + i, image: cutCrop(frames.data.subarray(i * bytes, (i + 1) * bytes), frames.width, box) });
        if (this.crops.length >= (o.cropBatch ?? 64)) await this.flushCrops();
      }
    }
    this.t += n;
  }

  async finish(): Promise<FeederResult> {
    await this.flushCrops();
    const o = this.options;
    return {
      ...(o.global ? { global: Float64Array.from(this.global) } : {}),
      ...(o.mouth ? { mouth: Float64Array.from(this.mouth) } : {}),
      ...(o.face ? { face: Float64Array.from(this.face) } : {}),
      faceErrors: this.faceErrors,
      frames: this.t,
    };
  }

  private async flushCrops(): Promise<void> {
    if (!this.crops.length) return;
    const group = this.crops;
    this.crops = [];
    const s = await this.bridge.scoreCrops(PYIQA_NAMES.mouth_quality, group.map((c) => c.image), this.options.padCrops);
    group.forEach((c, k) => (this.mouth[c.frame] = s[k]));
  }
}
