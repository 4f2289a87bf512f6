/**
 * scripts/check-tensorrt-compile.sh compiles the TensorRT backend against a folder of real
 * TensorRT headers (no libraries: compiled, not linked or run). CI has no TensorRT headers,
 * so the compile itself runs only where TENSORRT_INCLUDE names such a folder (docs/gpu.md
 * says how it was run and against which versions); the script's refusal of a folder without
 * the headers is checked everywhere.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const include = process.env.TENSORRT_INCLUDE;
const cuda = existsSync('/usr/local/cuda/include/cuda_runtime_api.h') || existsSync(`${process.env.CUDA_HOME}/include/cuda_runtime_api.h`);
const script = 'scripts/check-tensorrt-compile.sh';

describe('TensorRT backend compile check', () => {
  it('refuses a folder without TensorRT headers', () => {
    const empty = mkdtempSync(path.join(process.env.TMPDIR ?? os.tmpdir(), 'no-trt-'));
    const r = spawnSync('bash', [script], { encoding: 'utf8', env: { ...process.env, TENSORRT_INCLUDE: empty } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${empty}/NvInfer.h not found`);
  });

  it.skipIf(!include || !cuda)(
    `compiles native/infer/tensorrt against the headers in TENSORRT_INCLUDE${include && cuda ? '' : ` (skipped: ${!include ? 'TENSORRT_INCLUDE is not set; CI has no TensorRT headers' : 'no CUDA headers'})`}`,
    () => {
      const r = spawnSync('bash', [script], { encoding: 'utf8', env: process.env, timeout: 300_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('compiled native/infer/tensorrt/tensorrt_model.cc');
      expect(r.stdout).toMatch(/OK against TensorRT \d+\.\d+\.\d+ headers/);
    },
    320_000,
  );
});
