/**
 * The TensorRT backend as the rest of theval sees it: gpuInfo() says whether it is compiled
 * in, the names 'tensorrt' / 'tensorrt-fp16' are known to the scheduler either way, and a
 * video run through it fails with GPU_UNAVAILABLE naming the cause when this build or
 * machine cannot run it (one video's error, not a crash). Where TensorRT and a GPU are both
 * present, the same photo through TensorRT and the CPU backend must agree (docs/gpu.md).
 * CI and the dev machines have no TensorRT (and no GPU): the "built without" branch is what
 * runs there.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate } from '../lib/evaluate.js';
import { gpuInfo } from '../lib/gpu.js';
import { METRIC_IDS } from '../lib/metrics/registry.js';
import { defaultFaceModels } from '../lib/face/trackFaces.js';
import { packageRoot } from '../lib/native.js';
import { configurePasses, runVideoPass } from '../lib/pipeline/videoPass.js';
import { clipSpecs } from './helpers/faceClips.js';

const info = gpuInfo();
const photo = path.join(packageRoot, 'samples', 'faces', 'grace_hopper_512x512.jpg');

describe('TensorRT backend', () => {
  afterAll(() => {
    configurePasses({ backend: 'cpu' });
  });

  it('gpuInfo() reports whether TensorRT is compiled in, and why not', () => {
    expect(typeof info.tensorrt.compiled).toBe('boolean');
    if (info.tensorrt.compiled) expect(info.tensorrt.version).toMatch(/^TensorRT \d+\.\d+\.\d+ \(library \d+/);
    else expect(info.tensorrt.reason).toMatch(/built without TensorRT \(NvInfer\.h, libnvinfer and libnvonnxparser were not found/);
  });

  it('knows its names; an unknown variant is refused up front', () => {
    for (const backend of ['tensorrt', 'tensorrt-fp16']) expect(configurePasses({ backend }).backend).toBe(backend);
    expect(() => configurePasses({ backend: 'tensorrt-int8' })).toThrow(/inference backend 'tensorrt-int8' is not in this build/);
    configurePasses({ backend: 'cpu' });
  });

  it.skipIf(info.tensorrt.compiled && info.available)(
    `fails a video with GPU_UNAVAILABLE naming the cause${info.tensorrt.compiled && info.available ? ' (skipped: TensorRT and a GPU are here)' : ''}`,
    async () => {
      const models = await defaultFaceModels();
      configurePasses({ backend: 'tensorrt', threads: 1, engines: 1 });
      const err = await runVideoPass(photo, { face: { profile: 'both', models }, quality: null }).then(
        () => null,
        (e: unknown) => e as { code?: string; message?: string },
      );
      expect(err?.code).toBe('GPU_UNAVAILABLE');
      expect(err?.message).toMatch(info.tensorrt.compiled ? /'tensorrt' needs a GPU/ : /inference backend 'tensorrt' unavailable: .*built without TensorRT/);
      // The scheduler is still usable afterwards: the CPU backend runs the same photo.
      configurePasses({ backend: 'cpu' });
      const ok = await runVideoPass(photo, { face: { profile: 'both', models }, quality: null });
      expect(ok.face!.landmarks.length).toBeGreaterThan(0);
    },
    120_000,
  );

  it.skipIf(!(info.tensorrt.compiled && info.available))(
    `agrees with the CPU backend on a photo${info.tensorrt.compiled && info.available ? '' : ' (skipped: needs TensorRT in the build and a GPU; CI has neither)'}`,
    async () => {
      const models = await defaultFaceModels();
      const run = async (backend: string) => {
        configurePasses({ backend, threads: 1, engines: 1 });
        return (await runVideoPass(photo, { face: { profile: 'both', models }, quality: null })).face!;
      };
      const cpu = await run('cpu');
      const trt = await run('tensorrt');
      expect(trt.landmarks.length).toBe(cpu.landmarks.length);
      let sum = 0;
      let n = 0;
      for (let i = 0; i < cpu.landmarks.length; i++) {
        if (!Number.isFinite(cpu.landmarks[i])) continue;
        sum += Math.abs(trt.landmarks[i] - cpu.landmarks[i]);
        n++;
      }
      expect(n).toBeGreaterThan(0);
      expect(sum / n).toBeLessThanOrEqual(0.01); // px, the target for a GPU backend
    },
    600_000,
  );

  it.skipIf(!(info.tensorrt.compiled && info.available))(
    `evaluate --device cuda --gpu-backend tensorrt: records name TensorRT, metrics near the CPU's${info.tensorrt.compiled && info.available ? '' : ' (skipped: needs TensorRT in the build and a GPU; CI has neither)'}`,
    async () => {
      const clip = await clipSpecs.hopper();
      const cpu = (await evaluate([clip.path], { jobs: 1 })).records[0];
      const trt = (await evaluate([clip.path], { jobs: 1, device: 'cuda', gpuBackend: 'tensorrt' })).records[0];
      expect(trt.error, JSON.stringify(trt.error)).toBeUndefined();
      expect(trt.versions.inference).toMatch(/^tensorrt \(cuda, TensorRT \d+/);
      expect(trt.versions.face).toMatch(/mediapipe-facemesh \(native, tensorrt\)/);
      // Tracked metrics drift with last-bit differences (docs/gpu.md): the emulated CUDA path's bound.
      for (const id of METRIC_IDS) {
        const a = cpu.metrics[id].value, b = trt.metrics[id].value;
        if (Number.isNaN(a) && Number.isNaN(b)) continue;
        expect(Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-12), id).toBeLessThanOrEqual(id === 'silent_lip_stability' ? 0.5 : 5e-2);
      }
    },
    600_000,
  );
});
