/**
 * The TFLite -> ONNX converter against runtimes it shares no code with: TFLite itself
 * (the wasm interpreter from @tensorflow/tfjs-tflite) on the original file, onnxruntime
 * and OpenCV 4.6 dnn on the converted one. Inputs are seeded random tensors.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractFaceModels, type FaceModelKey } from '../lib/models/faceMeshPackage.js';
import { convertTflite, tflitePads, UnsupportedOpError, type ConvertResult } from '../lib/models/tflite/convert.js';
import { readTflite } from '../lib/models/tflite/schema.js';
import { compare, seededUniform } from './helpers/compare.js';
import { hasOpenCv, runOpenCv } from './helpers/opencvDnn.js';
import { createTfliteRunner, type TfliteRunner } from './helpers/tfliteOracle.js';

const MAX_REL = 1e-4;

let files: Record<FaceModelKey, Uint8Array>;
let work: string;

beforeAll(async () => {
  files = (await extractFaceModels()).files;
  work = mkdtempSync(path.join(tmpdir(), 'theval-conv-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('TFLite reader', () => {
  it('reads the interface and op list of face_landmark.tflite', () => {
    const m = readTflite(files.landmark);
    const t = (i: number) => m.tensors[i];
    expect(m.inputs.map((i) => [t(i).name, t(i).shape])).toEqual([['input_1', [1, 192, 192, 3]]]);
    expect(m.outputs.map((i) => t(i).shape)).toEqual([
      [1, 1, 1, 1404],
      [1, 1, 1, 1],
    ]);
    // The op set MODELS.md lists for this file.
    expect(new Set(m.operators.map((o) => o.opName))).toEqual(
      new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'PRELU', 'ADD', 'MAX_POOL_2D', 'PAD', 'DEQUANTIZE']),
    );
  });

  it('rejects a file that is not a TFLite flatbuffer', () => {
    expect(() => readTflite(files.geometry)).toThrow(/file identifier/);
  });
});

describe('TFLite SAME padding', () => {
  // TensorFlow: out = ceil(in / stride), total = max((out - 1) * stride + k - in, 0), extra pad at the end.
  it('splits odd padding with the extra row at the end', () => {
    expect(tflitePads(0, 192, 3, 2, 1)).toEqual([0, 1]);
    expect(tflitePads(0, 96, 3, 1, 1)).toEqual([1, 1]);
    expect(tflitePads(0, 128, 5, 1, 1)).toEqual([2, 2]);
    expect(tflitePads(0, 7, 2, 2, 1)).toEqual([0, 1]);
    expect(tflitePads(1, 192, 3, 2, 1)).toEqual([0, 0]);
  });
});

describe('unsupported ops', () => {
  it('names the first op it cannot convert', () => {
    let err: unknown;
    try {
      convertTflite(files.landmarkAttention, { customOps: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedOpError);
    // Op 192 of the attention model is its first custom op.
    expect((err as UnsupportedOpError).opName).toBe('Landmarks2TransformMatrix');
    expect((err as Error).message).toContain('not supported');
  });
});

interface Case {
  key: 'landmark' | 'detector';
  /** Input value ranges MediaPipe feeds each model: [0,1] for landmarks, [-1,1] for detection. */
  ranges: [number, number][];
}

const CASES: Case[] = [
  { key: 'landmark', ranges: [[0, 1], [0, 1], [-1, 1]] },
  { key: 'detector', ranges: [[-1, 1], [-1, 1], [0, 1]] },
];

describe.each(CASES)('$key model: converted ONNX vs TFLite', ({ key, ranges }) => {
  let conv: ConvertResult;
  let tflite: TfliteRunner;
  let session: ort.InferenceSession;
  let onnxPath: string;
  const inputsUsed: Float32Array[] = [];
  const reference: Float32Array[][] = [];

  beforeAll(async () => {
    conv = convertTflite(files[key]);
    onnxPath = path.join(work, `${key}.onnx`);
    writeFileSync(onnxPath, conv.onnx);
    tflite = await createTfliteRunner(files[key]);
    session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: 1 });
  });
  afterAll(() => tflite?.close());

  it('keeps the TFLite interface (names, NHWC shapes)', () => {
    expect(conv.inputs).toEqual(tflite.inputs);
    expect(conv.outputs).toEqual(tflite.outputs);
    expect(session.inputNames).toEqual(tflite.inputs.map((t) => t.name));
    expect(session.outputNames).toEqual(tflite.outputs.map((t) => t.name));
  });

  it(`onnxruntime matches TFLite within ${MAX_REL} relative`, async () => {
    const shape = tflite.inputs[0].shape;
    const n = shape.reduce((a, b) => a * b, 1);
    const report: string[] = [];
    for (const [k, [lo, hi]] of ranges.entries()) {
      const x = seededUniform(n, 1000 + k, lo, hi);
      const ref = tflite.run([x]);
      const res = await session.run({ [tflite.inputs[0].name]: new ort.Tensor('float32', x, shape) });
      inputsUsed.push(x);
      reference.push(ref);
      tflite.outputs.forEach((o, j) => {
        const got = res[o.name];
        expect(got.dims).toEqual(o.shape);
        const d = compare(got.data as Float32Array, ref[j]);
        report.push(`${o.name} [${lo},${hi}] seed ${1000 + k}: maxAbs ${d.maxAbs.toExponential(2)} of ${d.maxRef.toFixed(2)}, rel ${d.rel.toExponential(2)}`);
        expect(d.maxRef).toBeGreaterThan(0);
        expect(d.rel).toBeLessThanOrEqual(MAX_REL);
      });
    }
    console.log(`[parity onnxruntime vs tflite] ${key}\n  ${report.join('\n  ')}`);
  });

  it.skipIf(!hasOpenCv)(`OpenCV 4.6 dnn loads it and matches TFLite within ${MAX_REL} relative`, () => {
    if (inputsUsed.length === 0) throw new Error('the onnxruntime case must run first');
    const report: string[] = [];
    inputsUsed.forEach((x, k) => {
      const cv = runOpenCv(onnxPath, tflite.inputs[0].shape, x, work);
      expect(cv.version).toMatch(/^4\./);
      tflite.outputs.forEach((o, j) => {
        const out = cv.outputs[o.name];
        expect(out, `OpenCV output ${o.name}`).toBeDefined();
        expect(out.shape).toEqual(o.shape);
        const d = compare(out.data, reference[k][j]);
        report.push(`${o.name} case ${k}: maxAbs ${d.maxAbs.toExponential(2)} of ${d.maxRef.toFixed(2)}, rel ${d.rel.toExponential(2)} (OpenCV ${cv.version})`);
        expect(d.rel).toBeLessThanOrEqual(MAX_REL);
      });
    });
    console.log(`[parity opencv dnn vs tflite] ${key}\n  ${report.join('\n  ')}`);
  });
});
