/**
 * The device harness (bench/gpu/harness: nvcc alone, no Node or OpenCV) builds and runs here:
 * its host paths produce every network's outputs and BRISQUE's features, and without a GPU
 * it says why instead of reporting device figures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gpuInfo } from '../lib/gpu.js';
import { defaultFaceModels } from '../lib/face/trackFaces.js';

const nvcc = ['/usr/local/cuda/bin/nvcc'].find((p) => existsSync(p)) ?? (spawnSync('which', ['nvcc']).status === 0 ? 'nvcc' : null);

describe('device harness', () => {
  it.skipIf(!nvcc)(`builds with nvcc and runs its host paths${nvcc ? '' : ' (skipped: nvcc not found)'}`, async () => {
    await defaultFaceModels(); // the models it reads from .cache/models/face
    const r = spawnSync('bash', ['bench/gpu/harness/run.sh'], { encoding: 'utf8', env: { ...process.env, NVCC: nvcc! }, timeout: 300_000 });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    const out = JSON.parse(last);
    for (const f of ['face_detection_short_range.onnx', 'face_landmark.onnx', 'face_landmark_with_attention.native.onnx']) {
      expect(out[f].error, f).toBeUndefined();
      expect(out[f].host_ms, f).toBeGreaterThan(0);
    }
    expect(out.brisque.images).toBeGreaterThan(0);
    if (gpuInfo().available) {
      expect(r.status).toBe(0);
      for (const f of ['face_detection_short_range.onnx', 'face_landmark.onnx', 'face_landmark_with_attention.native.onnx'])
        expect(out[f].cuda_max_rel_diff, f).toBeLessThanOrEqual(1e-4);
      expect(out.brisque.cuda_features_max_rel_diff).toBeLessThanOrEqual(1e-6);
    } else {
      expect(r.status).toBe(3);
      expect(out.cuda_error).toMatch(/^GPU_UNAVAILABLE: .{10,}/);
    }
  }, 320_000);
});
