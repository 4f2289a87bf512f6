/**
 * The device harness (bench/gpu/harness: nvcc alone, no Node or OpenCV) builds and runs here:
 * its host paths produce every network's outputs and BRISQUE's features, and without a GPU
 * it says why instead of reporting device figures. Its timing and report arithmetic (batch
 * sizes, the time budget, frames/s and videos/hour) is checked by running the "device" side
 * on the host emulation (THEVAL_GPU_CHECK_DEVICE=host), against sums recomputed here from
 * the per-part timings it printed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpuInfo } from '../lib/gpu.js';
import { defaultFaceModels } from '../lib/face/trackFaces.js';

const nvcc = ['/usr/local/cuda/bin/nvcc'].find((p) => existsSync(p)) ?? (spawnSync('which', ['nvcc']).status === 0 ? 'nvcc' : null);
const NETS = ['face_detection_short_range.onnx', 'face_landmark.onnx', 'face_landmark_with_attention.native.onnx'];
const BATCHES = ['1', '4', '16', '64', '256'];
const exe = path.join(process.env.TMPDIR ?? os.tmpdir(), 'theval-gpu-check', 'gpu_check');

describe('device harness', () => {
  it.skipIf(!nvcc)(`builds with nvcc and runs its host paths${nvcc ? '' : ' (skipped: nvcc not found)'}`, async () => {
    await defaultFaceModels(); // the models it reads from .cache/models/face
    const r = spawnSync('bash', ['bench/gpu/harness/run.sh'], { encoding: 'utf8', env: { ...process.env, NVCC: nvcc! }, timeout: 300_000 });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    const out = JSON.parse(last);
    for (const f of NETS) {
      expect(out[f].error, f).toBeUndefined();
      expect(out[f].host_ms, f).toBeGreaterThan(0);
    }
    expect(out.brisque.images).toBeGreaterThan(0);
    // The pre-processing pieces ran their host paths (an I420 frame and its NV12 interleaving
    // convert alike).
    expect(out.yuv_to_rgb.host_ms).toBeGreaterThan(0);
    expect(out.yuv_to_rgb.host_nv12_equals_i420).toBe(true);
    expect(out.crop.host_ms).toBeGreaterThan(0);
    for (const k of ['landmarks_px_mean_diff', 'metrics_max_rel_diff', 'frames_per_second']) expect(out, k).toHaveProperty(k);
    if (gpuInfo().available) {
      expect(r.status).toBe(0);
      expect(out.device).toBe('cuda');
      for (const f of NETS) expect(out[f].cuda_max_rel_diff, f).toBeLessThanOrEqual(1e-4);
      expect(out.brisque.cuda_features_max_rel_diff).toBeLessThanOrEqual(1e-6);
      expect(out.landmarks_px_mean_diff).toBeLessThanOrEqual(0.01);
      expect(out.frames_per_second).toBeGreaterThan(0);
      expect(out.gpu_memory_mib.total).toBeGreaterThan(0);
      // Integer arithmetic (YUV) and explicitly rounded float (crop): equal to the bit.
      expect(out.yuv_to_rgb.cuda_differing_bytes).toBe(0);
      expect(out.crop.cuda_differing_values).toBe(0);
      expect(out.crop.cuda_ms_per_frame).toBeGreaterThan(0);
    } else {
      expect(r.status).toBe(3);
      expect(out.cuda_error).toMatch(/^GPU_UNAVAILABLE: .{10,}/);
      // No device figures are made up without a device.
      expect(out.landmarks_px_mean_diff).toBeNull();
      expect(out.metrics_max_rel_diff).toBeNull();
      expect(out.frames_per_second).toBeNull();
      expect(out.gpu_memory_mib).toBeNull();
    }
  }, 320_000);

  it.skipIf(!nvcc)(`times batch sizes within its budget and derives frames/s and videos/hour${nvcc ? '' : ' (skipped: nvcc not found)'}`, () => {
    expect(existsSync(exe), 'built by the test above').toBe(true);
    const budget = 3;
    const t0 = performance.now();
    const r = spawnSync(exe, ['.cache/models/face'], { encoding: 'utf8', env: { ...process.env, THEVAL_GPU_CHECK_DEVICE: 'host', THEVAL_GPU_CHECK_BUDGET_S: String(budget) }, timeout: 120_000 });
    const wall = (performance.now() - t0) / 1000;
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.device).toBe('host-emulation');
    const parts = [...NETS.map((f) => out[f].cuda_ms_per_item_by_batch), out.brisque.cuda_ms_per_item_by_batch];
    // Batch 1 always runs; the host emulation (~0.1 s per item) cannot fit the larger
    // batches into 3 s, so those are skipped (null), and counted.
    let nulls = 0;
    for (const p of parts) {
      expect(Object.keys(p)).toEqual(BATCHES);
      expect(p['1']).toBeGreaterThan(0);
      for (const b of BATCHES) if (p[b] === null) nulls++;
      // A batch size is skipped when one launch sequence would overrun the budget at the speed
      // last measured, so once one is skipped every larger one is too.
      const firstNull = BATCHES.findIndex((b) => p[b] === null);
      if (firstNull >= 0) for (const b of BATCHES.slice(firstNull)) expect(p[b], `batch ${b} after a skipped one`).toBeNull();
    }
    expect(nulls).toBeGreaterThan(0);
    expect(out.skipped_timings).toBe(nulls);
    // The loop stops at the budget: beyond it only the batch-1 timings (one item each, at most
    // 0.5 s of launches) and the set-up (loads, host runs; a few seconds here).
    expect(out.elapsed_s).toBeLessThan(budget + 4 * 0.5 + 15);
    expect(wall).toBeLessThan(60);
    for (const b of BATCHES) {
      const ms = parts.reduce((s, p) => (p[b] === null ? NaN : s + p[b]), 0);
      const fps = out.frames_per_second_by_batch[b];
      if (Number.isNaN(ms)) expect(fps, `batch ${b}`).toBeNull();
      else expect(fps, `batch ${b}`).toBeCloseTo(1000 / ms, 3);
    }
    const finite = BATCHES.map((b) => out.frames_per_second_by_batch[b]).filter((v) => v !== null) as number[];
    expect(out.frames_per_second).toBeCloseTo(Math.max(...finite), 3);
    expect(out.videos_per_hour).toBeCloseTo((out.frames_per_second * 3600) / 250, 2);
    // Same code on both sides here: the parity fields exist and are exactly 0.
    expect(out.landmarks_px_mean_diff).toBe(0);
    expect(out.metrics_max_rel_diff).toBe(0);
    expect(out.yuv_to_rgb).toMatchObject({ cuda_differing_bytes: 0, cuda_max_abs_diff: 0 });
    expect(out.crop).toMatchObject({ cuda_differing_values: 0, cuda_max_abs_diff: 0 });
    for (const v of [out.yuv_to_rgb.cuda_ms_per_frame_i420, out.yuv_to_rgb.cuda_ms_per_frame_nv12, out.crop.cuda_ms_meshes_2x192, out.crop.cuda_ms_detector_128]) expect(v).toBeGreaterThan(0);
    expect(out.crop.cuda_ms_per_frame).toBeCloseTo(out.crop.cuda_ms_meshes_2x192 + out.crop.cuda_ms_detector_128, 4);
  }, 150_000);
});
