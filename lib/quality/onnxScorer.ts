/**
 * User-supplied ONNX quality models (`--quality-model global=a.onnx,...`), run in native
 * code by OpenCV's dnn (cv::dnn::readNetFromONNX). Contract (docs/quality.md):
 * - one input, float32, N x 3 x H x W, RGB, values in [0, 1] (8-bit value / 255);
 * - H, W fixed in the model: every image is resized to them (cv::INTER_AREA when
 *   shrinking, else INTER_LINEAR); H, W dynamic: the image is fed as it is (or at the
 *   pipeline's crop size, e.g. face crops), batch 1;
 * - N dynamic and H, W fixed: up to `maxBatch` images per forward pass;
 * - output: one score per image (shape N, N x 1, ...: element count = N). The score's
 *   orientation is the model's own (TOPIQ / MUSIQ: higher = better).
 * OpenCV 4.6's importer has no `If` op and needs Conv nodes with kernel_shape; a model
 * it cannot import fails with MODEL_INVALID.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fromNative, TheValError } from '../errors.js';
import { native } from '../native.js';
import { NativeQualityScorer } from './scorer.js';

export interface OnnxScorerOptions {
  /** Images per forward pass when the model's batch dim is dynamic (default 16). */
  maxBatch?: number;
  /** Shown in the scorer's name (e.g. 'global'). */
  role?: string;
}

export class OnnxScorer extends NativeQualityScorer {
  /** Declared input dims N, C, H, W (-1 = dynamic). */
  get inputDims(): number[] {
    return this.model.input?.dims ?? [];
  }
  /** True when the model declares a fixed H and W. */
  get fixedSize(): boolean {
    const d = this.inputDims;
    return d[2] > 0 && d[3] > 0;
  }
}

export async function loadOnnxScorer(file: string, options: OnnxScorerOptions = {}): Promise<OnnxScorer> {
  if (typeof file !== 'string' || file.length === 0) throw new TheValError('BAD_ARGUMENT', 'expected an ONNX file path');
  const abs = path.resolve(file);
  if (!existsSync(abs) || !statSync(abs).isFile()) {
    throw new TheValError('MODEL_MISSING', `${abs}: ONNX quality model not found`, abs);
  }
  const maxBatch = options.maxBatch ?? 16;
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 1024) {
    throw new TheValError('BAD_ARGUMENT', `maxBatch must be an integer in 1..1024, got ${maxBatch}`);
  }
  const sum = createHash('sha256').update(readFileSync(abs)).digest('hex');
  try {
    const m = await native().loadOnnxModel(abs, { maxBatch });
    const role = options.role ? `${options.role} ` : '';
    return new OnnxScorer(m, `ONNX ${role}(${path.basename(abs)})`, `sha256:${sum.slice(0, 16)}; opencv-dnn-${native().opencvInfo().version}`);
  } catch (e) {
    throw fromNative(e);
  }
}
