/**
 * The inference interface (native/infer, OpenCV dnn on the CPU) against onnxruntime-node on
 * the same converted ONNX files and the same inputs: every output, batch 1 and batch 16.
 * The attention model's native variant (its crop sampler as theval's OpenCV layer) is run
 * by us and compared with onnxruntime on the portable file.
 */
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultFaceModels, type FaceModelFiles } from '../lib/face/trackFaces.js';
import { native } from '../lib/native.js';
import { isTheValError } from '../lib/errors.js';
import { compare, seededUniform } from './helpers/compare.js';

let models: FaceModelFiles;
beforeAll(async () => {
  models = await defaultFaceModels();
});

const specs = () => ({
  landmark: {
    file: models.landmark, input: 'input_1', shape: [192, 192, 3], range: [0, 1] as const,
    outputs: { conv2d_21: 1404, conv2d_31: 1 },
  },
  attention: {
    file: models.landmarkAttention, input: 'input_1', shape: [192, 192, 3], range: [0, 1] as const,
    outputs: { output_mesh_identity: 1404, output_lips: 160, output_left_eye: 142, output_right_eye: 142, output_left_iris: 10, output_right_iris: 10, conv_faceflag: 1 },
  },
  attentionNative: {
    file: models.landmarkAttentionNative!, refFile: models.landmarkAttention, input: 'input_1', shape: [192, 192, 3], range: [0, 1] as const,
    outputs: { output_mesh_identity: 1404, output_lips: 160, output_left_eye: 142, output_right_eye: 142, output_left_iris: 10, output_right_iris: 10, conv_faceflag: 1 },
  },
  detector: {
    file: models.detector, input: 'input', shape: [128, 128, 3], range: [-1, 1] as const,
    outputs: { regressors: 896 * 16, classificators: 896 },
  },
});

async function runBoth(name: keyof ReturnType<typeof specs>, batch: number, seed: number) {
  const s = specs()[name];
  const per = s.shape.reduce((a, b) => a * b, 1);
  const input = seededUniform(per * batch, seed, s.range[0], s.range[1]);
  const ours = await native().inferModel(s.file, { inputShape: s.shape, outputNames: Object.keys(s.outputs), outputElems: Object.values(s.outputs), batch }, input);
  const session = await ort.InferenceSession.create('refFile' in s ? s.refFile : s.file, { intraOpNumThreads: 1 });
  const ref: Record<string, Float32Array> = {};
  for (const k of Object.keys(s.outputs)) ref[k] = new Float32Array(0);
  for (let b = 0; b < batch; b++) {
    const item = input.subarray(b * per, (b + 1) * per);
    const out = await session.run({ [s.input]: new ort.Tensor('float32', item, [1, ...s.shape]) });
    for (const k of Object.keys(s.outputs)) {
      const v = out[k].data as Float32Array;
      const merged = new Float32Array(ref[k].length + v.length);
      merged.set(ref[k]);
      merged.set(v, ref[k].length);
      ref[k] = merged;
    }
  }
  return { ours, ref, outputs: Object.keys(s.outputs) };
}

describe('OpenCV dnn backend vs onnxruntime-node', () => {
  for (const name of ['landmark', 'attention', 'attentionNative', 'detector'] as const) {
    it(`${name}: every output agrees within rel 1e-4 (batch 1)`, async () => {
      const { ours, ref, outputs } = await runBoth(name, 1, 11);
      expect(ours.backend).toBe('opencv-dnn-cpu');
      for (const k of outputs) {
        const d = compare(ours.outputs[k], ref[k]);
        expect(d.rel, `${name}/${k}: max abs ${d.maxAbs} of ${d.maxRef}`).toBeLessThanOrEqual(1e-4);
      }
    });
  }

  it('landmark model: a batch of 16 runs as one forward pass and matches item-by-item onnxruntime', async () => {
    const { ours, ref, outputs } = await runBoth('landmark', 16, 5);
    expect(ours.batchedNatively).toBe(true);
    for (const k of outputs) expect(compare(ours.outputs[k], ref[k]).rel).toBeLessThanOrEqual(1e-4);
  });

  it('attention model, native variant: 3 more seeds; its layer samples the crops the portable graph samples', async () => {
    for (const seed of [21, 22, 23]) {
      const { ours, ref, outputs } = await runBoth('attentionNative', 1, seed);
      for (const k of outputs) {
        const d = compare(ours.outputs[k], ref[k]);
        expect(d.rel, `seed ${seed} ${k}: max abs ${d.maxAbs} of ${d.maxRef}`).toBeLessThanOrEqual(1e-4);
      }
    }
  });

  it('attention model: its fixed-batch graph runs a batch item by item, same values', async () => {
    const { ours, ref, outputs } = await runBoth('attention', 2, 7);
    expect(ours.batchedNatively).toBe(false);
    for (const k of outputs) expect(compare(ours.outputs[k], ref[k]).rel).toBeLessThanOrEqual(1e-4);
  });

  it('a missing model file is MODEL_MISSING naming the path', async () => {
    const missing = path.join(path.dirname(models.landmark), 'no_such_model.onnx');
    const err = await native()
      .inferModel(missing, { inputShape: [192, 192, 3], outputNames: ['conv2d_21'], outputElems: [1404] }, new Float32Array(192 * 192 * 3))
      .then(() => undefined, (e: { code: string; message: string; file: string }) => e);
    expect(err?.code).toBe('MODEL_MISSING');
    expect(err?.message).toContain(missing);
    expect(err?.file).toBe(missing);
  });

  it('an output name the model lacks is MODEL_LOAD', async () => {
    const err = await native()
      .inferModel(models.landmark, { inputShape: [192, 192, 3], outputNames: ['nope'], outputElems: [1] }, new Float32Array(192 * 192 * 3))
      .then(() => undefined, (e: { code: string }) => e);
    expect(err?.code).toBe('MODEL_LOAD');
    void isTheValError;
  });
});
