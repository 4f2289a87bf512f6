/**
 * The CUDA YUV -> planar float RGB kernel. Without a GPU (CI, most machines here) the
 * comparison tests are skipped with the reason CUDA gives, and the error path is tested.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpuInfo, openVideo } from '../lib/index.js';
import { packageRoot } from '../lib/native.js';
import { clips, type ClipName } from './helpers/media.js';

const info = gpuInfo();
const skipReason = info.available ? '' : ` [skipped: no usable GPU: ${info.reason}]`;

describe('GPU availability', () => {
  it('the CUDA kernels are compiled in whenever the cmake build found nvcc', () => {
    const cache = path.join(packageRoot, 'build', 'CMakeCache.txt');
    if (existsSync(cache) && existsSync('/usr/local/cuda/bin/nvcc')) expect(info.compiled).toBe(true);
    expect(typeof info.reason).toBe('string');
  });

  it.skipIf(info.available)('asking for the GPU without one fails clearly with GPU_UNAVAILABLE', async () => {
    const err = await openVideo(clips.ntsc(), { format: 'rgbf32', gpu: true }).catch((e: { code: string; message: string }) => e);
    expect(err).toMatchObject({ code: 'GPU_UNAVAILABLE' });
    expect((err as { message: string }).message).toContain(info.reason);
  });
});

describe('GPU kernel against the CPU (libswscale) conversion', () => {
  // BT.601/709, limited/full range. The kernel computes in float with nearest chroma,
  // libswscale in fixed point: allow 2.5/255 (measured differences are rounding only).
  const cases: ClipName[] = ['ntsc', 'bt709', 'fullRange', 'oddVp9'];
  for (const name of cases) {
    it.skipIf(!info.available)(`${name}${skipReason}`, async () => {
      const file = clips[name]();
      const cpu = await openVideo(file, { format: 'rgbf32' });
      const gpu = await openVideo(file, { format: 'rgbf32', gpu: true });
      const a = cpu.allocate(4) as Float32Array;
      const b = gpu.allocate(4) as Float32Array;
      let frames = 0;
      let max = 0;
      for (;;) {
        const n = await cpu.read(a, 4);
        expect(await gpu.read(b, 4)).toBe(n);
        if (n === 0) break;
        frames += n;
        for (let i = 0; i < n * (cpu.frameBytes / 4); i++) max = Math.max(max, Math.abs(a[i] - b[i]));
      }
      expect(frames).toBeGreaterThan(0);
      expect(max).toBeLessThanOrEqual(2.5 / 255);
      cpu.close();
      gpu.close();
    });
  }
});
