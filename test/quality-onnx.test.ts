/**
 * ONNX plug-in models, built by the test itself (test/helpers/onnx.ts writes the protobuf):
 * a mean-intensity model whose output the test predicts, fixed and dynamic input sizes,
 * batching, and malformed models.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOnnxScorer } from '../lib/quality/onnxScorer.js';
import type { FrameBatch, FrameCrop } from '../lib/quality/scorer.js';
import { meanIntensityModel, onnxModel, type Dim } from './helpers/onnx.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'theval-onnx-'));
let n = 0;
function save(bytes: Uint8Array): string {
  const f = path.join(dir, `m${n++}.onnx`);
  writeFileSync(f, bytes);
  return f;
}
const meanModel = (dims: Dim[], scale = 1): string => save(meanIntensityModel(dims, scale));

/** Frames of constant colour: frame i is (r, g, b) = colours[i]. */
function solidFrames(colours: Array<[number, number, number]>, width: number, height: number): FrameBatch {
  const data = new Uint8Array(width * height * 3 * colours.length);
  colours.forEach(([r, g, b], i) => {
    const base = i * width * height * 3;
    for (let p = 0; p < width * height; p++) data.set([r, g, b], base + p * 3);
  });
  return { data, width, height, count: colours.length };
}

/** A frame with a smooth but non-trivial pattern (so a wrong crop has a different mean). */
function patternFrame(width: number, height: number): FrameBatch {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 3 + y) % 256;
      data[i + 1] = (y * 5) % 256;
      data[i + 2] = (x * y) % 251;
    }
  }
  return { data, width, height, count: 1 };
}

/** Exact expected score: scale * mean over the crop's pixels and channels of v / 255. */
function cropMean(f: FrameBatch, c: FrameCrop, scale: number): number {
  let s = 0;
  for (let y = c.y0; y < c.y1; y++) {
    for (let x = c.x0; x < c.x1; x++) {
      const i = ((c.frame * f.height + y) * f.width + x) * 3;
      s += f.data[i] + f.data[i + 1] + f.data[i + 2];
    }
  }
  return (scale * s) / (3 * 255 * (c.x1 - c.x0) * (c.y1 - c.y0));
}

describe('ONNX quality models (OpenCV dnn)', () => {
  it('fixed 32x32 input, dynamic batch: predicted mean intensity for 40 images in batches of 16', async () => {
    const s = await loadOnnxScorer(meanModel(['N', 3, 32, 32], 10), { maxBatch: 16 });
    expect(s.inputDims).toEqual([-1, 3, 32, 32]);
    expect(s.fixedSize).toBe(true);
    const colours = Array.from({ length: 40 }, (_, i): [number, number, number] => [(i * 37) % 256, (i * 11) % 256, 255 - ((i * 53) % 256)]);
    const frames = solidFrames(colours, 48, 40); // resized to 32x32: a constant image stays constant
    const out = await s.scoreFrames(frames);
    expect(out.length).toBe(40);
    // float32 accumulation in the pooling: about 1e-5 relative
    colours.forEach(([r, g, b], i) => expect(out[i]).toBeCloseTo((10 * (r + g + b)) / (3 * 255), 3));
  });

  it('fixed input: a 64x64 pattern is shrunk to 32x32 (INTER_AREA) before scoring', async () => {
    const s = await loadOnnxScorer(meanModel([1, 3, 32, 32], 10));
    const f = patternFrame(64, 64);
    const [got] = await s.scoreFrames(f);
    // Area averaging keeps the mean up to the 8-bit rounding of each output pixel (<= 0.5 level).
    expect(Math.abs(got - cropMean(f, { frame: 0, x0: 0, y0: 0, x1: 64, y1: 64 }, 10))).toBeLessThanOrEqual((10 * 0.5) / 255);
  });

  it('dynamic H, W: each crop is fed as it is (batch 1); output predicted exactly', async () => {
    const s = await loadOnnxScorer(meanModel([1, 3, 'H', 'W'], 100));
    expect(s.inputDims).toEqual([1, 3, -1, -1]);
    expect(s.fixedSize).toBe(false);
    const f = patternFrame(160, 120);
    const crops: FrameCrop[] = [
      { frame: 0, x0: 0, y0: 0, x1: 160, y1: 120 },
      { frame: 0, x0: 10, y0: 20, x1: 47, y1: 33 },
      { frame: 0, x0: 100, y0: 60, x1: 160, y1: 120 },
      { frame: 0, x0: 5, y0: 90, x1: 6, y1: 91 },
    ];
    const out = await s.scoreCrops(f, crops);
    const expected = crops.map((c) => cropMean(f, c, 100));
    expect(new Set(expected.map((x) => x.toFixed(3))).size).toBe(4);
    crops.forEach((_, i) => expect(Math.abs(out[i] - expected[i])).toBeLessThan(1e-3));
  });

  it('dynamic N, H, W with a requested resize: the crop is resized to it', async () => {
    const s = await loadOnnxScorer(meanModel(['N', 3, 'H', 'W'], 1));
    const f = solidFrames([[200, 100, 50]], 64, 64);
    const [v] = await s.scoreCrops(f, [{ frame: 0, x0: 0, y0: 0, x1: 40, y1: 30 }], { width: 224, height: 224 });
    // A solid crop stays solid when resized: the score equals that of a solid 224x224 frame
    // (bit for bit: same pooling over the same values), and the colour's mean intensity up
    // to float32 accumulation over 50176 pixels.
    const [direct] = await s.scoreFrames(solidFrames([[200, 100, 50]], 224, 224));
    expect(v).toBe(direct);
    expect(v).toBeCloseTo(350 / 765, 3);
    // The size the model saw: on a 1-pixel checkerboard, the mean |horizontal difference|
    // is exactly 1 at the crop's own size and far smaller once the crop is enlarged.
    const edges = await loadOnnxScorer(
      save(
        onnxModel({
          inputs: [{ name: 'x', dims: ['N', 3, 'H', 'W'] }],
          outputs: [{ name: 'y', dims: ['N', 1, 1, 1] }],
          initializers: [{ name: 'w', dims: [1, 3, 1, 2], values: [1 / 3, -1 / 3, 1 / 3, -1 / 3, 1 / 3, -1 / 3] }],
          nodes: [
            { op: 'Conv', inputs: ['x', 'w'], outputs: ['d'], attrs: [{ name: 'kernel_shape', ints: [1, 2] }] },
            { op: 'Abs', inputs: ['d'], outputs: ['a'] },
            { op: 'GlobalAveragePool', inputs: ['a'], outputs: ['y'] },
          ],
        }),
      ),
    );
    const board = solidFrames([[0, 0, 0]], 64, 64);
    for (let p = 0; p < 64 * 64; p++) if (((p % 64) + Math.floor(p / 64)) % 2) board.data.fill(255, p * 3, p * 3 + 3);
    const box = [{ frame: 0, x0: 0, y0: 0, x1: 40, y1: 30 }];
    const [asIs] = await edges.scoreCrops(board, box);
    const [resized] = await edges.scoreCrops(board, box, { width: 224, height: 224 });
    expect(asIs).toBeCloseTo(1, 5);
    expect(resized).toBeLessThan(0.6);
  });

  it('fixed batch 1: every image gets its own forward pass', async () => {
    const s = await loadOnnxScorer(meanModel([1, 3, 16, 16], 1));
    const out = await s.scoreFrames(solidFrames([[0, 0, 0], [255, 255, 255], [30, 60, 90]], 16, 16));
    expect(Array.from(out).map((x) => Number(x.toFixed(5)))).toEqual([0, 1, Number((180 / 765).toFixed(5))]);
  });
});

describe('ONNX model errors', () => {
  const expectCode = async (file: string, code: string, text?: RegExp): Promise<void> => {
    const err = await loadOnnxScorer(file).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err?.code).toBe(code);
    if (text) expect(err?.message).toMatch(text);
  };

  it('missing file -> MODEL_MISSING; empty, random and truncated bytes -> MODEL_INVALID', async () => {
    await expectCode(path.join(dir, 'nope.onnx'), 'MODEL_MISSING');
    await expectCode(save(new Uint8Array(0)), 'MODEL_INVALID');
    const junk = new Uint8Array(300);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 97 + 13) % 256;
    await expectCode(save(junk), 'MODEL_INVALID');
    const good = meanIntensityModel(['N', 3, 32, 32]);
    await expectCode(save(good.subarray(0, good.length - 20)), 'MODEL_INVALID');
  });

  /** A 1x1 Conv summing the channels, then a global mean: with or without its kernel_shape. */
  const channelSumModel = (withKernelShape: boolean): string =>
    save(
      onnxModel({
        inputs: [{ name: 'x', dims: [1, 3, 8, 8] }],
        outputs: [{ name: 'y', dims: [1, 1, 1, 1] }],
        initializers: [{ name: 'w', dims: [1, 3, 1, 1], values: [1, 1, 1] }],
        nodes: [
          { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], ...(withKernelShape ? { attrs: [{ name: 'kernel_shape', ints: [1, 1] }] } : {}) },
          { op: 'GlobalAveragePool', inputs: ['c'], outputs: ['y'] },
        ],
      }),
    );

  it('a Conv without kernel_shape (OpenCV 4.6 rejects it) -> MODEL_INVALID with the documented limit', async () => {
    await expectCode(channelSumModel(false), 'MODEL_INVALID', /kernel_shape/);
  });

  it('the same Conv with kernel_shape loads and scores (sum of channels)', async () => {
    const f = channelSumModel(true);
    const s = await loadOnnxScorer(f);
    const [v] = await s.scoreFrames(solidFrames([[51, 102, 153]], 8, 8));
    expect(v).toBeCloseTo(306 / 255, 5);
  });

  it('more than one value per image -> MODEL_INVALID', async () => {
    const f = save(
      onnxModel({
        inputs: [{ name: 'x', dims: ['N', 3, 8, 8] }],
        outputs: [{ name: 'y', dims: ['N', 3, 1, 1] }],
        nodes: [{ op: 'GlobalAveragePool', inputs: ['x'], outputs: ['y'] }],
      }),
    );
    await expectCode(f, 'MODEL_INVALID', /one score per image/);
  });

  it('an input that is not N x 3 x H x W float -> MODEL_INVALID', async () => {
    const grey = save(
      onnxModel({
        inputs: [{ name: 'x', dims: [1, 1, 8, 8] }],
        outputs: [{ name: 'y', dims: [1, 1, 1, 1] }],
        nodes: [{ op: 'GlobalAveragePool', inputs: ['x'], outputs: ['y'] }],
      }),
    );
    await expectCode(grey, 'MODEL_INVALID', /N x 3 x H x W/);
    const int = save(
      onnxModel({
        inputs: [{ name: 'x', dims: [1, 3, 8, 8], elemType: 7 }],
        outputs: [{ name: 'y', dims: [1, 1, 1, 1] }],
        nodes: [{ op: 'GlobalAveragePool', inputs: ['x'], outputs: ['y'] }],
      }),
    );
    await expectCode(int, 'MODEL_INVALID', /float32/);
  });
});
