/**
 * The optical flow's GPU twin (native/cuda/dense_flow.cu) against the CPU flow: the same
 * passes and per-pixel functions (native/flow/flow_math.h), --fmad=false, so every output
 * float must be identical. Without a GPU (CI, these machines) the comparison is skipped with
 * the reason CUDA gives, and the error path is tested instead.
 */
import { describe, expect, it } from 'vitest';
import { gpuInfo } from '../lib/index.js';
import { native } from '../lib/native.js';

const info = gpuInfo();
const skipReason = info.available ? '' : ` [skipped: no usable GPU: ${info.reason}]`;

function noise(w: number, h: number, seed: number): Float32Array {
  let s = seed;
  const a = new Float32Array(w * h);
  for (let i = 0; i < a.length; i++) a[i] = ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 255;
  // Smooth it a little (a 3-tap blur on each axis) so the flow has structure to follow.
  const b = new Float32Array(a.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) b[y * w + x] = (a[y * w + Math.max(0, x - 1)] + a[y * w + x] + a[y * w + Math.min(w - 1, x + 1)]) / 3;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) a[y * w + x] = (b[Math.max(0, y - 1) * w + x] + b[y * w + x] + b[Math.min(h - 1, y + 1) * w + x]) / 3;
  return a;
}

describe('dense flow: CUDA twin vs CPU', () => {
  it.skipIf(info.available)('without a GPU the twin fails clearly with GPU_UNAVAILABLE', () => {
    const a = noise(32, 32, 1);
    let err: { code?: string; message?: string } = {};
    try {
      native().denseFlowGpu(a, a, 32, 32);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('GPU_UNAVAILABLE');
    expect(err.message).toContain(info.reason);
  });

  for (const [w, h] of [[128, 128], [96, 72], [131, 77]] as const) {
    it.skipIf(!info.available)(`${w}x${h}: every flow value identical${skipReason}`, () => {
      const i0 = noise(w, h, 3);
      const i1 = new Float32Array(i0.length);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) i1[y * w + x] = i0[y * w + Math.max(0, x - 2)];
      const cpu = native().denseFlow(i0, i1, w, h);
      const gpu = native().denseFlowGpu(i0, i1, w, h);
      let differ = 0;
      for (let i = 0; i < w * h; i++) if (cpu.u[i] !== gpu.u[i] || cpu.v[i] !== gpu.v[i]) differ++;
      expect(differ).toBe(0);
    });
  }
});
