/**
 * The CUDA backend's graph executor (native/infer/cuda) run with its host emulation, against
 * the OpenCV dnn backend (native/infer/cpu) on real decoded images (ffmpeg's decoder, face
 * crops of the sample photos), and on small hand-worked graphs for the index arithmetic.
 * The kernels run the same per-element functions (ops.h); the device run itself needs a GPU.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultFaceModels, type FaceModelFiles } from '../lib/face/trackFaces.js';
import { gpuInfo } from '../lib/gpu.js';
import { native } from '../lib/native.js';
import { compare } from './helpers/compare.js';
import { ASTRONAUT, GRACE } from './helpers/faceMedia.js';
import { onnxModel } from './helpers/onnx.js';

let models: FaceModelFiles;
beforeAll(async () => {
  models = await defaultFaceModels();
});

/** A square crop of an image, decoded and scaled by ffmpeg to size x size RGB in [lo, hi]. */
function crop(file: string, x: number, y: number, side: number, size: number, lo: number, hi: number): Float32Array {
  const rgb = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-vf', `crop=${side}:${side}:${x}:${y},scale=${size}:${size}:flags=bilinear`,
    '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 24 });
  const out = new Float32Array(size * size * 3);
  for (let i = 0; i < out.length; i++) out[i] = lo + (rgb[i] / 255) * (hi - lo);
  return out;
}

// Face crops (x, y, side in source pixels) and whole frames for the detector.
const crops = [
  { name: 'grace', file: GRACE, x: 120, y: 40, side: 300 },
  { name: 'grace-tight', file: GRACE, x: 150, y: 70, side: 230 },
  { name: 'astronaut', file: ASTRONAUT, x: 150, y: 20, side: 140 },
];

const mesh = (file: () => string) => ({
  file, shape: [192, 192, 3], range: [0, 1] as const,
  outputs: { output_mesh_identity: 1404, output_lips: 160, output_left_eye: 142, output_right_eye: 142, output_left_iris: 10, output_right_iris: 10, conv_faceflag: 1 },
  landmarks: 'output_mesh_identity',
});
const networks = {
  landmark: { file: () => models.landmark, shape: [192, 192, 3], range: [0, 1] as const, outputs: { conv2d_21: 1404, conv2d_31: 1 }, landmarks: 'conv2d_21' },
  attentionNative: mesh(() => models.landmarkAttentionNative!),
  attentionPortable: mesh(() => models.landmarkAttention),
};

async function both(file: string, shape: number[], outputs: Record<string, number>, input: Float32Array) {
  const spec = { inputShape: shape, outputNames: Object.keys(outputs), outputElems: Object.values(outputs) };
  const ref = await native().inferModel(file, spec, input);
  const emu = await native().inferModelEmulated(file, spec, input);
  return { ref, emu };
}

describe('CUDA backend, host emulation vs OpenCV dnn on real face crops', () => {
  for (const [name, net] of Object.entries(networks)) {
    it(`${name}: landmarks within 1e-3 px in the frame, every output within rel 1e-5`, async () => {
      for (const c of crops) {
        const input = crop(c.file, c.x, c.y, c.side, 192, net.range[0], net.range[1]);
        const { ref, emu } = await both(net.file(), net.shape, net.outputs, input);
        expect(emu.backend).toBe('host-emulation');
        for (const k of Object.keys(net.outputs)) {
          const d = compare(emu.outputs[k], ref.outputs[k]);
          expect(d.rel, `${name}/${c.name}/${k}: max abs ${d.maxAbs} of ${d.maxRef}`).toBeLessThanOrEqual(1e-5);
        }
        // Landmark x, y are in crop pixels (192 wide); the frame sees them scaled by side/192.
        const lm = compare(emu.outputs[net.landmarks], ref.outputs[net.landmarks]);
        const framePx = (lm.maxAbs * c.side) / 192;
        console.log(`[gpu-inference] ${name}/${c.name}: landmarks max |diff| ${framePx.toExponential(2)} frame px, rel ${lm.rel.toExponential(2)}`);
        expect(framePx).toBeLessThanOrEqual(1e-3);
      }
    });
  }

  it('detector on whole frames: regressors and scores within rel 1e-5', async () => {
    const file = models.detector;
    const outputs = { regressors: 896 * 16, classificators: 896 };
    for (const [img, side] of [[GRACE, 512], [ASTRONAUT, 512]] as const) {
      const input = crop(img, 0, 0, side, 128, -1, 1);
      const { ref, emu } = await both(file, [128, 128, 3], outputs, input);
      for (const k of Object.keys(outputs)) {
        const d = compare(emu.outputs[k], ref.outputs[k]);
        expect(d.rel, `detector/${k}: max abs ${d.maxAbs} of ${d.maxRef}`).toBeLessThanOrEqual(1e-5);
      }
    }
  });

  it('the arena plan reuses memory: intermediates take a fraction of their total size', async () => {
    const input = crop(GRACE, 120, 40, 300, 192, 0, 1);
    const r = await native().inferModelEmulated(models.landmark, { inputShape: [192, 192, 3], outputNames: ['conv2d_21'], outputElems: [1404] }, input);
    expect(r.stats.nodes).toBeGreaterThan(50);
    expect(r.stats.arenaFloats).toBeLessThan(r.stats.unpackedFloats / 3);
    // The largest activation (192x192 input, 16 channels at 96x96 after the stride-2 conv)
    // must fit: the plan can never be smaller than the input plus one live tensor.
    expect(r.stats.arenaFloats).toBeGreaterThanOrEqual(192 * 192 * 3 + 96 * 96 * 16);
  });
});

describe('CUDA backend batches: one launch per node over all items', () => {
  // The executor runs a batch as every node over all items at once (each item in its own
  // copy of the activation arena, weights shared). The truth is each item run alone (checked
  // against OpenCV above): a batch must give every item exactly those values.
  const cases = [
    { name: 'attention mesh (native sampler)', file: () => models.landmarkAttentionNative!, size: 192, lo: 0, hi: 1, outputs: networks.attentionNative.outputs },
    { name: 'attention mesh (portable, dense MatMul sampler)', file: () => models.landmarkAttention, size: 192, lo: 0, hi: 1, outputs: networks.attentionPortable.outputs },
    { name: 'plain mesh', file: () => models.landmark, size: 192, lo: 0, hi: 1, outputs: networks.landmark.outputs },
    { name: 'detector', file: () => models.detector, size: 128, lo: -1, hi: 1, outputs: { regressors: 896 * 16, classificators: 896 } },
  ];
  for (const c of cases) {
    it(`${c.name}: batch of 3 equals each item alone, bit for bit`, async () => {
      const items = crops.map((k) => crop(k.file, k.x, k.y, k.side, c.size, c.lo, c.hi));
      const per = c.size * c.size * 3;
      const packed = new Float32Array(per * items.length);
      items.forEach((x, k) => packed.set(x, k * per));
      const spec = { inputShape: [c.size, c.size, 3], outputNames: Object.keys(c.outputs), outputElems: Object.values(c.outputs) };
      const batched = await native().inferModelEmulated(c.file(), { ...spec, batch: items.length }, packed);
      for (let k = 0; k < items.length; k++) {
        const alone = await native().inferModelEmulated(c.file(), spec, items[k]);
        for (const [name, n] of Object.entries(c.outputs)) {
          const got = batched.outputs[name].subarray(k * n, (k + 1) * n);
          expect(Array.from(got), `${name} item ${k}`).toEqual(Array.from(alone.outputs[name]));
        }
      }
      // The items differ (a batch that repeated item 0 would pass the check above only if they did not).
      const first = Object.keys(c.outputs)[0], n0 = Object.values(c.outputs)[0];
      expect(Array.from(batched.outputs[first].subarray(0, n0))).not.toEqual(Array.from(batched.outputs[first].subarray(n0, 2 * n0)));
    });
  }
});

describe('CUDA backend operators on hand-worked graphs', () => {
  const dir = mkdtempSync(path.join(process.env.TMPDIR ?? os.tmpdir(), 'gpu-ops-'));
  const write = (name: string, bytes: Uint8Array) => {
    const p = path.join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };

  it('Transpose, Pad, Slice (step 2), Concat, MatMul, ReduceMax/Min, Sub/Div broadcast', async () => {
    // x: [1, 2, 3] = [[1, 2, 3], [4, 5, 6]]
    const file = write('ops.onnx', onnxModel({
      inputs: [{ name: 'x', dims: [1, 2, 3] }],
      outputs: [{ name: 't', dims: [1, 3, 2] }, { name: 'p', dims: [1, 3, 5] }, { name: 's', dims: [1, 2, 2] },
        { name: 'c', dims: [1, 2, 6] }, { name: 'm', dims: [1, 2, 1] }, { name: 'rmax', dims: [1, 1, 3] },
        { name: 'rmin', dims: [1, 2, 1] }, { name: 'd', dims: [1, 2, 3] }],
      nodes: [
        { op: 'Transpose', inputs: ['x'], outputs: ['t'], attrs: [{ name: 'perm', ints: [0, 2, 1] }] },
        { op: 'Pad', inputs: ['x', 'pads'], outputs: ['p'] },
        { op: 'Slice', inputs: ['x', 'st', 'en', 'ax', 'stp'], outputs: ['s'] },
        { op: 'Concat', inputs: ['x', 'x'], outputs: ['c'], attrs: [{ name: 'axis', int: -1 }] },
        { op: 'MatMul', inputs: ['x', 'w'], outputs: ['m'] },
        { op: 'ReduceMax', inputs: ['x'], outputs: ['rmax'], attrs: [{ name: 'axes', ints: [1] }] },
        { op: 'ReduceMin', inputs: ['x'], outputs: ['rmin'], attrs: [{ name: 'axes', ints: [-1] }] },
        { op: 'Sub', inputs: ['x', 'row'], outputs: ['sub'] },
        { op: 'Div', inputs: ['sub', 'two'], outputs: ['d'] },
      ],
      initializers: [
        { name: 'pads', dims: [6], values: [0, 1, 0, 0, 0, 2], type: 7 }, // one row above, two columns right
        { name: 'st', dims: [1], values: [0], type: 7 },
        { name: 'en', dims: [1], values: [99], type: 7 },
        { name: 'ax', dims: [1], values: [2], type: 7 },
        { name: 'stp', dims: [1], values: [2], type: 7 },
        { name: 'w', dims: [3, 1], values: [1, 10, 100] },
        { name: 'row', dims: [3], values: [1, 1, 1] },
        { name: 'two', dims: [], values: [2] },
      ],
    }));
    const names = ['t', 'p', 's', 'c', 'm', 'rmax', 'rmin', 'd'];
    const elems = [6, 15, 4, 12, 2, 3, 2, 6];
    const r = await native().inferModelEmulated(file, { inputShape: [2, 3], outputNames: names, outputElems: elems }, new Float32Array([1, 2, 3, 4, 5, 6]));
    const got = (k: string) => Array.from(r.outputs[k]);
    expect(got('t')).toEqual([1, 4, 2, 5, 3, 6]);
    expect(got('p')).toEqual([0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0]);
    expect(got('s')).toEqual([1, 3, 4, 6]);
    expect(got('c')).toEqual([1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6]);
    expect(got('m')).toEqual([321, 654]);
    expect(got('rmax')).toEqual([4, 5, 6]);
    expect(got('rmin')).toEqual([1, 4]);
    expect(got('d')).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
  });

  it('Conv (grouped, strided, padded, dilated), MaxPool and PRelu against hand sums', async () => {
    // x: [1, 2, 3, 3], channel 0 = 1..9, channel 1 = 10..90
    const file = write('conv.onnx', onnxModel({
      inputs: [{ name: 'x', dims: [1, 2, 3, 3] }],
      outputs: [{ name: 'dw', dims: [1, 2, 2, 2] }, { name: 'full', dims: [1, 1, 3, 3] }, { name: 'mp', dims: [1, 2, 2, 2] }, { name: 'pr', dims: [1, 2, 3, 3] }],
      nodes: [
        // depthwise 2x2, stride 2, pad 1 on top/left: each output sums its window's in-bounds pixels (weights 1) + bias
        { op: 'Conv', inputs: ['x', 'wdw', 'bdw'], outputs: ['dw'], attrs: [{ name: 'group', int: 2 }, { name: 'strides', ints: [2, 2] }, { name: 'pads', ints: [1, 1, 0, 0] }, { name: 'kernel_shape', ints: [2, 2] }] },
        // full 2x2 kernel with dilation 2, pad 1: centre tap pattern
        { op: 'Conv', inputs: ['x', 'wfull'], outputs: ['full'], attrs: [{ name: 'dilations', ints: [2, 2] }, { name: 'pads', ints: [1, 1, 1, 1] }] },
        { op: 'MaxPool', inputs: ['neg'], outputs: ['mp'], attrs: [{ name: 'kernel_shape', ints: [2, 2] }, { name: 'strides', ints: [2, 2] }, { name: 'pads', ints: [0, 0, 1, 1] }] },
        { op: 'Mul', inputs: ['x', 'minus'], outputs: ['neg'] },
        { op: 'PRelu', inputs: ['shift', 'slope'], outputs: ['pr'] },
        { op: 'Sub', inputs: ['x', 'five'], outputs: ['shift'] },
      ],
      initializers: [
        { name: 'wdw', dims: [2, 1, 2, 2], values: [1, 1, 1, 1, 1, 1, 1, 1] },
        { name: 'bdw', dims: [2], values: [0.5, -0.5] },
        { name: 'wfull', dims: [1, 2, 2, 2], values: [1, 0, 0, 0, 0, 0, 0, 1] },
        { name: 'minus', dims: [], values: [-1] },
        { name: 'slope', dims: [2, 1, 1], values: [0.1, 0.01] },
        { name: 'five', dims: [], values: [5] },
      ],
    }));
    const x = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    const r = await native().inferModelEmulated(file, { inputShape: [2, 3, 3], outputNames: ['dw', 'full', 'mp', 'pr'], outputElems: [8, 9, 8, 18] }, x);
    // Depthwise windows (rows -1..0, 1..2) x (cols -1..0, 1..2) of 1..9: {1}, {2,3}, {4,7}, {5,6,8,9}
    expect(Array.from(r.outputs.dw)).toEqual([1.5, 5.5, 11.5, 28.5, 9.5, 49.5, 109.5, 279.5]);
    // full[i][j] = x0[i-1][j-1] + x1[i+1][j+1] (dilation 2 from the padded origin), out of range = 0
    const x0 = (i: number, j: number) => (i >= 0 && i < 3 && j >= 0 && j < 3 ? x[i * 3 + j] : 0);
    const x1 = (i: number, j: number) => (i >= 0 && i < 3 && j >= 0 && j < 3 ? x[9 + i * 3 + j] : 0);
    const full: number[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) full.push(x0(i - 1, j - 1) + x1(i + 1, j + 1));
    expect(Array.from(r.outputs.full)).toEqual(full);
    // MaxPool of -x, 2x2 stride 2, padded bottom/right: padding never wins even though every value is negative
    expect(Array.from(r.outputs.mp)).toEqual([-1, -3, -7, -9, -10, -30, -70, -90]);
    const pr = Array.from(x, (v, i) => (v - 5 >= 0 ? v - 5 : (v - 5) * (i < 9 ? 0.1 : 0.01)));
    expect(Array.from(r.outputs.pr)).toEqual(pr.map((v) => Math.fround(v)));
  });

  it('an operator the backend lacks is a MODEL_LOAD error naming it; a missing file is MODEL_MISSING', async () => {
    const file = write('softmax.onnx', onnxModel({
      inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y', dims: [1, 4] }],
      nodes: [{ op: 'Softmax', inputs: ['x'], outputs: ['y'] }],
    }));
    await expect(native().inferModelEmulated(file, { inputShape: [4], outputNames: ['y'], outputElems: [4] }, new Float32Array(4)))
      .rejects.toMatchObject({ code: 'MODEL_LOAD', message: expect.stringMatching(/Softmax.*not supported/) });
    await expect(native().inferModelEmulated(path.join(dir, 'nope.onnx'), { inputShape: [4], outputNames: ['y'], outputElems: [4] }, new Float32Array(4)))
      .rejects.toMatchObject({ code: 'MODEL_MISSING' });
  });
});

describe('CUDA backend on a GPU', () => {
  const info = gpuInfo();
  it.skipIf(info.available)(`without a usable GPU, backend 'cuda' is GPU_UNAVAILABLE naming the cause (${info.reason ?? ''})`, async () => {
    const err = await native().inferModelEmulated(models.landmark, { inputShape: [192, 192, 3], outputNames: ['conv2d_31'], outputElems: [1], backend: 'cuda' }, new Float32Array(192 * 192 * 3)).catch((e) => e);
    expect(err.code).toBe('GPU_UNAVAILABLE');
    expect(err.message.length).toBeGreaterThan(20);
  });
  it.skipIf(!info.available)(`kernels vs OpenCV dnn on a real crop, every network (skipped: ${info.reason ?? 'GPU present'})`, async () => {
    for (const [name, net] of Object.entries(networks)) {
      const input = crop(GRACE, 120, 40, 300, 192, 0, 1);
      const spec = { inputShape: net.shape, outputNames: Object.keys(net.outputs), outputElems: Object.values(net.outputs) };
      const ref = await native().inferModel(net.file(), spec, input);
      const gpu = await native().inferModelEmulated(net.file(), { ...spec, backend: 'cuda' }, input);
      expect(gpu.backend).toBe('cuda');
      for (const k of Object.keys(net.outputs)) expect(compare(gpu.outputs[k], ref.outputs[k]).rel, `${name}/${k}`).toBeLessThanOrEqual(1e-4);
    }
  });
});
