/**
 * gpuInfo() and `theval doctor`: what this build and machine can use on the GPU. Checked
 * against independent facts: the ffmpeg CLI's own hwaccel and decoder lists (the same
 * Debian FFmpeg libraries the addon links), and whether the driver's device nodes exist.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpuInfo, parseDevice } from '../lib/gpu.js';
import { packageRoot } from '../lib/native.js';

const g = gpuInfo();
const noDriverHere = !existsSync('/dev/nvidiactl');
const cli = path.join(packageRoot, 'bin', 'theval.js');

describe('gpuInfo()', () => {
  it('CUDA is compiled into the CMake build (nvcc is on these machines), with its runtime version', () => {
    expect(g.compiled).toBe(true);
    const nvcc = spawnSync('/usr/local/cuda/bin/nvcc', ['--version'], { encoding: 'utf8' });
    const m = /release (\d+\.\d+)/.exec(nvcc.stdout ?? '');
    if (m) expect(g.runtime).toBe(m[1]);
    else expect(g.runtime).toMatch(/^\d+\.\d+$/);
  });

  it.skipIf(!noDriverHere)('no driver here: driver absent with dlopen\'s reason; no device; not available', () => {
    expect(g.driver.present).toBe(false);
    expect(g.driver.reason).toMatch(/libcuda\.so\.1/);
    expect(g.available).toBe(false);
    expect(g.reason).not.toBe('');
    expect(g.deviceList).toEqual([]);
    expect(g.nvdec.available).toBe(false);
    expect(g.nvdec.reason).toContain(g.reason);
  });

  it('NVDEC support matches the ffmpeg CLI (cuda hwaccel, *_cuvid decoders)', () => {
    const hwaccels = execFileSync('ffmpeg', ['-hide_banner', '-hwaccels'], { encoding: 'utf8' }).split('\n').map((s) => s.trim());
    expect(g.nvdec.hwaccel).toBe(hwaccels.includes('cuda'));
    const decoders = execFileSync('ffmpeg', ['-hide_banner', '-decoders'], { encoding: 'utf8' });
    const cuvid = [...decoders.matchAll(/^\s*V\S*\s+(\S+_cuvid)\s/gm)].map((m) => m[1]).sort();
    expect([...g.nvdec.cuvidDecoders].sort()).toEqual(cuvid);
    if (g.nvdec.hwaccel) expect(g.nvdec.codecs).toContain('h264');
  });

  it('TensorRT is not in this build here, with the reason', () => {
    expect(g.tensorrt.compiled).toBe(g.backends.includes('tensorrt'));
    if (!g.tensorrt.compiled) expect(g.tensorrt.reason).toMatch(/TensorRT/);
    expect(g.backends).toEqual(expect.arrayContaining(['cpu', 'cuda', 'cuda-emulated']));
  });
});

describe('theval doctor', () => {
  it('prints the report; exit status 1 when --device cuda cannot run here, 0 when it can', () => {
    const r = spawnSync(process.execPath, [cli, 'doctor'], { encoding: 'utf8' });
    expect(r.status).toBe(g.available ? 0 : 1);
    expect(r.stdout).toMatch(/^CUDA compiled in: +yes, runtime /m);
    if (noDriverHere) {
      expect(r.stdout).toMatch(/^NVIDIA driver: +no \(the NVIDIA driver is not installed/m);
      expect(r.stdout).toMatch(/^--device cuda: +cannot run here: GPU_UNAVAILABLE/m);
    }
    expect(r.stdout).toMatch(/^TensorRT: +(yes|no \(this theval build was built without TensorRT)/m);
  });

  it('--json is gpuInfo()', () => {
    const r = spawnSync(process.execPath, [cli, 'doctor', '--json'], { encoding: 'utf8' });
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(g)));
  });
});

describe('parseDevice (--device, API device)', () => {
  it('normalises one device; THEVAL_CUDA_EMULATE=1 turns cuda into the host test path', () => {
    expect(parseDevice(undefined, {})).toBe('cpu');
    expect(parseDevice('cuda', {})).toBe('cuda:0');
    expect(parseDevice(' CUDA:2 ', {})).toBe('cuda:2');
    expect(parseDevice('cuda-emulated', {})).toBe('cuda-emulated');
    expect(parseDevice('cuda:1', { THEVAL_CUDA_EMULATE: '1' })).toBe('cuda-emulated');
    expect(parseDevice('cpu', { THEVAL_CUDA_EMULATE: '1' })).toBe('cpu');
    for (const bad of ['gpu', 'cuda:', 'cuda:0,cuda:1', 'cuda:x']) expect(() => parseDevice(bad, {}), bad).toThrow(/expected cpu, cuda or cuda:N/);
  });
});
