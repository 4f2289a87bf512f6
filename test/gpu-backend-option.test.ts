/**
 * `--gpu-backend` / `gpuBackend`: which engine runs the face networks on a cuda device
 * (lib/gpu.ts). Here (no TensorRT in the build, no GPU) what can be checked is the refusals:
 * each names its cause and comes before any video starts, on the API and on both commands;
 * and that naming the default engine changes nothing (same providers, same config hash).
 * The TensorRT run itself is GPU + TensorRT only (test/gpu-tensorrt.test.ts).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analysisConfig, analyzeVideo } from '../lib/analyze.js';
import { evaluate } from '../lib/evaluate.js';
import { gpuInfo, parseGpuBackend, passBackend, requireGpuBackend } from '../lib/gpu.js';
import { METRIC_IDS } from '../lib/metrics/registry.js';
import { packageRoot } from '../lib/native.js';
import { defaultProviders } from '../lib/providers.js';
import { runCli } from './helpers/cli.js';
import { clipSpecs } from './helpers/faceClips.js';

const info = gpuInfo();
const photo = path.join(packageRoot, 'samples', 'faces', 'grace_hopper_512x512.jpg');
const codeOf = (f: () => unknown): { code?: string; message: string } => {
  try {
    f();
  } catch (e) {
    return e as { code?: string; message: string };
  }
  return { message: 'no error' };
};

describe('--gpu-backend', () => {
  it('parses the three engines and refuses others', () => {
    expect(parseGpuBackend(undefined)).toBe('cuda');
    expect(parseGpuBackend(' TensorRT ')).toBe('tensorrt');
    expect(parseGpuBackend('tensorrt-fp16')).toBe('tensorrt-fp16');
    expect(codeOf(() => parseGpuBackend('tensorrt-int8'))).toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/expected cuda, tensorrt, tensorrt-fp16/) });
  });

  it('maps device + engine to the native backend name the scheduler resolves', () => {
    expect(passBackend('cpu', 'tensorrt')).toBe('cpu');
    expect(passBackend('cuda:1')).toBe('cuda:1');
    expect(passBackend('cuda:0', 'tensorrt')).toBe('tensorrt');
    expect(passBackend('cuda:0', 'tensorrt-fp16')).toBe('tensorrt-fp16');
  });

  it('refuses TensorRT without a cuda device, on the emulated device, or on another ordinal, naming the fix', () => {
    expect(codeOf(() => requireGpuBackend('cpu', 'tensorrt'))).toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/give --device cuda too/) });
    expect(codeOf(() => requireGpuBackend('cuda-emulated', 'tensorrt'))).toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/no emulated path/) });
    expect(codeOf(() => requireGpuBackend('cuda:2', 'tensorrt-fp16'))).toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/CUDA_VISIBLE_DEVICES=2 and --device cuda:0/) });
  });

  it.skipIf(info.tensorrt.compiled)(
    `a build without TensorRT: GPU_UNAVAILABLE with gpuInfo()'s reason, before any video starts${info.tensorrt.compiled ? ' (skipped: TensorRT is in this build)' : ''}`,
    async () => {
      expect(codeOf(() => requireGpuBackend('cuda:0', 'tensorrt'))).toMatchObject({ code: 'GPU_UNAVAILABLE', message: `--gpu-backend tensorrt: ${info.tensorrt.reason}` });
      const started: string[] = [];
      const out = mkdtempSync(path.join(os.tmpdir(), 'theval-trt-refused-'));
      const err = (await evaluate([photo], { out, device: 'cuda', gpuBackend: 'tensorrt', onProgress: (e) => started.push(e.phase) }).catch((e: unknown) => e)) as { code?: string; message: string };
      expect(err.code).toBe('GPU_UNAVAILABLE');
      expect(err.message).toContain('built without TensorRT');
      expect(started).toEqual([]);
      expect(existsSync(path.join(out, 'results.jsonl'))).toBe(false);

      const cli = runCli(['evaluate', photo, '--out', out, '--device', 'cuda', '--gpu-backend', 'tensorrt', '--quiet']);
      expect(cli.status, cli.stderr).toBe(3);
      expect(cli.stderr).toMatch(/GPU_UNAVAILABLE.*--gpu-backend tensorrt: this theval build was built without TensorRT/);
      const track = runCli(['track', photo, '-o', path.join(out, 't.json'), '--device', 'cuda', '--gpu-backend', 'tensorrt']);
      expect(track.status, track.stderr).toBe(1);
      expect(track.stderr).toMatch(/GPU_UNAVAILABLE: --gpu-backend tensorrt: this theval build was built without TensorRT/);
      expect(existsSync(path.join(out, 't.json'))).toBe(false);
    },
    120_000,
  );

  it.skipIf(info.tensorrt.compiled)(
    `analyzeVideo (one video, no up-front check): a per-video GPU_UNAVAILABLE naming the file and the cause${info.tensorrt.compiled ? ' (skipped: TensorRT is in this build)' : ''}`,
    async () => {
      const clip = await clipSpecs.hopper();
      const r = await analyzeVideo(clip.path, { device: 'cuda', gpuBackend: 'tensorrt', metrics: ['lip_sync'] });
      expect(r.status).toBe('error');
      expect(r.error?.code).toBe('GPU_UNAVAILABLE');
      expect(r.error?.message).toContain(clip.path);
      expect(r.error?.message).toMatch(/inference backend 'tensorrt' unavailable: this theval build was built without TensorRT/);
      expect(r.versions.face).toMatch(/mediapipe-facemesh \(native, tensorrt\)/);
    },
    120_000,
  );

  it('the API: TensorRT without a cuda device says what to add', async () => {
    const err = (await evaluate([photo], { gpuBackend: 'tensorrt' }).catch((e: unknown) => e)) as { code?: string; message: string };
    expect(err.code).toBe('BAD_ARGUMENT');
    expect(err.message).toMatch(/--gpu-backend tensorrt runs the networks on a GPU: give --device cuda too/);
  });

  it('usage errors on the commands: an unknown engine, TensorRT on the CPU', () => {
    const bad = runCli(['evaluate', photo, '--gpu-backend', 'opencl']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/gpu backend 'opencl': expected cuda, tensorrt, tensorrt-fp16/);
    const cpu = runCli(['track', photo, '-o', '-', '--gpu-backend', 'tensorrt']);
    expect(cpu.status).toBe(2);
    expect(cpu.stderr).toMatch(/give --device cuda too/);
    const emulated = runCli(['track', photo, '-o', '-', '--device', 'cuda-emulated', '--gpu-backend', 'tensorrt']);
    expect(emulated.status, emulated.stderr).toBe(2);
    expect(emulated.stderr).toMatch(/TensorRT has no emulated path/);
  });

  it("naming the default engine changes nothing: same face backend, same config hash (records stay resumable)", () => {
    const a = analysisConfig(defaultProviders({ device: 'cuda-emulated' }), METRIC_IDS);
    const b = analysisConfig(defaultProviders({ device: 'cuda-emulated', gpuBackend: 'cuda' }), METRIC_IDS);
    expect(b.hash).toBe(a.hash);
    expect(b.config.face?.name).toBe('mediapipe-facemesh (native, theval-cuda-emulated)');
  });

  it("a TensorRT face provider says so in its name and its hashed inference detail", () => {
    const p = defaultProviders({ device: 'cuda:0', gpuBackend: 'tensorrt' });
    expect(p.face?.gpuBackend).toBe('tensorrt');
    expect(p.face?.backend.name).toBe('mediapipe-facemesh (native, tensorrt)');
    // Without TensorRT the native backend still answers (its stub), naming the build.
    expect(String(p.face?.backend.details?.inference)).toMatch(info.tensorrt.compiled ? /^tensorrt \(cuda, TensorRT / : /^tensorrt \(none, built without TensorRT\)$/);
    const cuda = analysisConfig(defaultProviders({ device: 'cuda:0' }), METRIC_IDS);
    expect(analysisConfig(p, METRIC_IDS).hash).not.toBe(cuda.hash);
  });
});
