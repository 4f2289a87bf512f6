/**
 * native/infer/cpu/fast_layers.cc replaces OpenCV's Eltwise, Pooling and Padding layers with
 * faster ones that must give the same outputs to the bit. Checked against OpenCV's own layers
 * two ways: Python's cv2.dnn (Debian's OpenCV 4.6, no theval layers) on the face networks'
 * portable ONNX files and on a hand-built graph that also takes the delegated paths (pooling
 * other than 2x2/2, padding with a value, broadcast Add, Add + PRelu); and, for the attention
 * mesh's native file (custom layer, so not loadable by cv2), the addon in a child process with
 * THEVAL_OPENCV_BUILTIN_LAYERS=1. Inputs are real crops (faceCropTensor of a decoded photo).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFaceModels } from '../lib/face/trackFaces.js';
import { native, packageRoot } from '../lib/native.js';
import { GRACE } from './helpers/faceMedia.js';
import { meanIntensityModel, onnxModel } from './helpers/onnx.js';
import { hasOpenCv, runOpenCv } from './helpers/opencvDnn.js';

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'theval-fastlayers-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function crop(size: number, rotation: number): Float32Array {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', GRACE, '-vf', 'scale=512:512', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  const rgb = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
  return native().faceCropTensor(rgb, 512, 512, { centerX: 255.4, centerY: 250.2, width: 300.5, height: 300.5, rotation }, { size }).tensor;
}

function differing(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) n++;
  return n;
}

const LANDMARK_OUT = { conv2d_21: 1404, conv2d_31: 1 };
const ATTENTION_OUT = { output_mesh_identity: 1404, output_lips: 160, output_left_eye: 142, output_right_eye: 142, output_left_iris: 10, output_right_iris: 10, conv_faceflag: 1 };
const DETECTOR_OUT = { regressors: 896 * 16, classificators: 896 };

async function ours(file: string, shape: number[], outs: Record<string, number>, x: Float32Array): Promise<Record<string, Float32Array>> {
  const r = await native().inferModel(file, { inputShape: shape, outputNames: Object.keys(outs), outputElems: Object.values(outs), threads: 1 }, x);
  return r.outputs;
}

describe.skipIf(!hasOpenCv)('fast OpenCV layers = OpenCV 4.6 layers, to the bit', () => {
  for (const [name, size, outs, pick] of [
    ['plain mesh', 192, LANDMARK_OUT, (m: Awaited<ReturnType<typeof defaultFaceModels>>) => m.landmark],
    ['attention mesh (portable)', 192, ATTENTION_OUT, (m: Awaited<ReturnType<typeof defaultFaceModels>>) => m.landmarkAttention],
    ['detector', 128, DETECTOR_OUT, (m: Awaited<ReturnType<typeof defaultFaceModels>>) => m.detector],
  ] as const) {
    it(`${name}: every output equals cv2.dnn's on real crops`, async () => {
      const file = pick(await defaultFaceModels());
      for (const rotation of [0, 0.35]) {
        const x = crop(size, rotation);
        const got = await ours(file, [size, size, 3], outs, x);
        const want = runOpenCv(file, [1, size, size, 3], x, work);
        for (const k of Object.keys(outs)) expect(differing(got[k], want.outputs[k].data), `${name} ${k}`).toBe(0);
      }
    }, 120_000);
  }

  it('attention mesh (native file): equals the addon with OpenCV\'s own layers (child process)', async () => {
    const file = (await defaultFaceModels()).landmarkAttentionNative!;
    expect(file).toBeTruthy();
    const x = crop(192, 0.2);
    const got = await ours(file, [192, 192, 3], ATTENTION_OUT, x);
    const input = path.join(work, 'x.f32');
    writeFileSync(input, x);
    const script = `
      const b = require('node-gyp-build')(${JSON.stringify(packageRoot)});
      const fs = require('fs');
      const buf = fs.readFileSync(${JSON.stringify(input)});
      const x = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      const outs = ${JSON.stringify(ATTENTION_OUT)};
      b.inferModel(${JSON.stringify(file)}, { inputShape: [192, 192, 3], outputNames: Object.keys(outs), outputElems: Object.values(outs), threads: 1 }, x)
        .then((r) => process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')])))));`;
    const out = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, THEVAL_OPENCV_BUILTIN_LAYERS: '1' }, encoding: 'utf8', maxBuffer: 1 << 26 });
    const builtin = JSON.parse(out) as Record<string, string>;
    for (const k of Object.keys(ATTENTION_OUT)) {
      const b = Buffer.from(builtin[k], 'base64');
      expect(differing(got[k], new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4)), k).toBe(0);
    }
  }, 120_000);

  it('global average pooling over a dynamic H x W (delegated; its shapes set up from the input) equals cv2.dnn', async () => {
    // Once broken: the wrapper did not pass updateMemoryShapes on, so OpenCV's pooling kept
    // the un-pooled shape (4096 values for a 64x64 image instead of 1).
    const file = path.join(work, 'mean.onnx');
    writeFileSync(file, meanIntensityModel(['N', 3, 'H', 'W']));
    for (const [h, w] of [[64, 64], [37, 53]]) {
      const x = new Float32Array(3 * h * w);
      for (let i = 0; i < x.length; i++) x[i] = (Math.sin(i * 0.37) + 1) / 2;
      const got = await ours(file, [3, h, w], { score: 1 }, x);
      const want = runOpenCv(file, [1, 3, h, w], x, work);
      expect(differing(got.score, want.outputs.score.data)).toBe(0);
      const mean = x.reduce((a, b) => a + b, 0) / x.length;
      expect(Math.abs(got.score[0] - mean)).toBeLessThan(1e-5);
    }
  }, 60_000);

  it('a graph through the fast and the delegated paths equals cv2.dnn', async () => {
    // x [1,4,9,9] -> a = MaxPool 2x2/2 (fast, odd size: floor) ; b = MaxPool 3x3/1 pads 1 (delegated)
    // c = Pad channels +2 (fast) ; d = Pad spatial with value 0.5 (delegated: value is honoured either way)
    // e = Add(b, x) + PRelu (fast + fused activation) ; f = Add(x, bias[4,1,1]) (broadcast: delegated)
    const slope = [0.1, -0.2, 0.3, 0.25];
    const file = path.join(work, 'layers.onnx');
    writeFileSync(
      file,
      onnxModel({
        inputs: [{ name: 'x', dims: [1, 4, 9, 9] }],
        outputs: [
          { name: 'a', dims: [1, 4, 4, 4] },
          { name: 'c', dims: [1, 6, 9, 9] },
          { name: 'd', dims: [1, 4, 11, 12] },
          { name: 'e', dims: [1, 4, 9, 9] },
          { name: 'f', dims: [1, 4, 9, 9] },
        ],
        initializers: [
          { name: 'padsC', dims: [8], values: [0, 0, 0, 0, 0, 2, 0, 0], type: 7 },
          { name: 'padsS', dims: [8], values: [0, 0, 1, 2, 0, 0, 1, 1], type: 7 },
          { name: 'half', dims: [], values: [0.5] },
          { name: 'slope', dims: [4, 1, 1], values: slope },
          { name: 'bias', dims: [4, 1, 1], values: [1, -1, 0.5, 2] },
        ],
        nodes: [
          { op: 'MaxPool', inputs: ['x'], outputs: ['a'], attrs: [{ name: 'kernel_shape', ints: [2, 2] }, { name: 'strides', ints: [2, 2] }] },
          { op: 'MaxPool', inputs: ['x'], outputs: ['b'], attrs: [{ name: 'kernel_shape', ints: [3, 3] }, { name: 'strides', ints: [1, 1] }, { name: 'pads', ints: [1, 1, 1, 1] }] },
          { op: 'Pad', inputs: ['x', 'padsC'], outputs: ['c'] },
          { op: 'Pad', inputs: ['x', 'padsS', 'half'], outputs: ['d'] },
          { op: 'Add', inputs: ['b', 'x'], outputs: ['s'] },
          { op: 'PRelu', inputs: ['s', 'slope'], outputs: ['e'] },
          { op: 'Add', inputs: ['x', 'bias'], outputs: ['f'] },
        ],
      }),
    );
    const x = new Float32Array(4 * 81);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 1.7) * 3 - 0.4;
    const outs = { a: 64, c: 6 * 81, d: 4 * 11 * 12, e: 4 * 81, f: 4 * 81 };
    const got = await ours(file, [4, 9, 9], outs, x);
    const want = runOpenCv(file, [1, 4, 9, 9], x, work);
    for (const k of Object.keys(outs)) expect(differing(got[k], want.outputs[k].data), k).toBe(0);
    // And the graph means what it says (independent of OpenCV): a hand-worked element of each.
    const at = (c: number, y: number, xx: number): number => x[c * 81 + y * 9 + xx];
    expect(got.a[0]).toBe(Math.fround(Math.max(at(0, 0, 0), at(0, 0, 1), at(0, 1, 0), at(0, 1, 1))));
    expect(got.c[4 * 81]).toBe(0);
    expect(got.d[0]).toBe(0.5);
    expect(got.f[81]).toBe(Math.fround(at(1, 0, 0) - 1));
  }, 120_000);
});
