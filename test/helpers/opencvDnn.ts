/** Runs an ONNX file with OpenCV's dnn module through Debian's python3-opencv (OpenCV 4.6). */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(import.meta.dirname, 'opencv_dnn_run.py');

export const hasOpenCv = spawnSync(PYTHON, ['-c', 'import cv2, numpy'], { stdio: 'ignore' }).status === 0;

export interface OpenCvResult {
  version: string;
  outputs: Record<string, { shape: number[]; data: Float32Array }>;
}

export function runOpenCv(onnxPath: string, inputShape: number[], x: Float32Array, workDir: string): OpenCvResult {
  const dir = mkdtempSync(path.join(workDir, 'cv-'));
  const inputPath = path.join(dir, 'input.f32');
  writeFileSync(inputPath, x);
  execFileSync(PYTHON, [SCRIPT, onnxPath, inputPath, inputShape.join(','), dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const info = JSON.parse(readFileSync(path.join(dir, 'outputs.json'), 'utf8')) as {
    opencv: string;
    outputs: { name: string; shape: number[] }[];
  };
  const outputs: OpenCvResult['outputs'] = {};
  for (const o of info.outputs) {
    const buf = readFileSync(path.join(dir, `${o.name}.f32`));
    outputs[o.name] = { shape: o.shape, data: new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4) };
  }
  return { version: info.opencv, outputs };
}
