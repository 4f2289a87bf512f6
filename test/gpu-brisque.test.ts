/**
 * BRISQUE through the CUDA path's per-element functions (native/quality/cuda), run on the
 * host, against OpenCV's own Python BRISQUE (Debian python3-opencv: QualityBRISQUE_compute
 * and computeFeatures) on the same grey pixels decoded by ffmpeg.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpuInfo } from '../lib/gpu.js';
import { native } from '../lib/native.js';
import { FACES } from './helpers/quality.js';

const MODEL = '/usr/share/opencv4/quality/brisque_model_live.yml';
const RANGE = '/usr/share/opencv4/quality/brisque_range_live.yml';
const dir = mkdtempSync(path.join(process.env.TMPDIR ?? os.tmpdir(), 'gpu-brisque-'));

/** An 8-bit grey image through an ffmpeg filter (the decoder and scaler are ffmpeg's). */
function grey(file: string, vf: string, w: number, h: number): Uint8Array {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-vf', vf, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { maxBuffer: 1 << 24 });
  if (r.status !== 0 || r.stdout.length !== w * h) throw new Error(`ffmpeg: ${r.stderr}`);
  return new Uint8Array(r.stdout);
}

/** OpenCV's score and features for the same grey image, from Python's cv2. */
function opencv(img: Uint8Array, w: number, h: number): { score: number; features: number[] } {
  const f = path.join(dir, `g-${w}x${h}.raw`);
  writeFileSync(f, img);
  const py = [
    'import cv2, json, numpy as np',
    `g = np.fromfile(${JSON.stringify(f)}, dtype=np.uint8).reshape(${h}, ${w})`,
    'f = np.array(cv2.quality.QualityBRISQUE_computeFeatures(g)).ravel()',
    `s = cv2.quality.QualityBRISQUE_compute(g, ${JSON.stringify(MODEL)}, ${JSON.stringify(RANGE)})[0]`,
    'print(json.dumps({"score": float(s), "features": [float(x) for x in f]}))',
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3-opencv oracle failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const cases = [
  { name: 'hopper 512x512', file: FACES.hopper, vf: 'scale=512:512', w: 512, h: 512 },
  { name: 'astronaut 512x512', file: FACES.astronaut, vf: 'scale=512:512', w: 512, h: 512 },
  { name: 'hopper 301x257 (odd sizes, fractional resize)', file: FACES.hopper, vf: 'scale=301:257', w: 301, h: 257 },
  { name: 'astronaut 203x131 (odd width)', file: FACES.astronaut, vf: 'scale=203:131', w: 203, h: 131 },
  { name: 'hopper noisy 160x160', file: FACES.hopper, vf: 'scale=160:160,noise=alls=30:allf=t+u', w: 160, h: 160 },
];

describe('BRISQUE host paths of the CUDA backend vs OpenCV', () => {
  for (const c of cases) {
    it(`${c.name}: 36 features within rel 1e-6 and the score within rel 1e-5`, () => {
      const img = grey(c.file, c.vf, c.w, c.h);
      const ref = opencv(img, c.w, c.h);
      const ours = native().brisqueEmulated(img, c.w, c.h, MODEL, RANGE);
      let worst = 0;
      for (let i = 0; i < 36; i++) {
        const rel = Math.abs(ours.features[i] - ref.features[i]) / Math.max(Math.abs(ref.features[i]), 1e-12);
        worst = Math.max(worst, rel);
      }
      const scoreRel = Math.abs(ours.score - ref.score) / Math.max(Math.abs(ref.score), 1e-12);
      console.log(`[gpu-brisque] ${c.name}: score ${ours.score} vs OpenCV ${ref.score} (rel ${scoreRel.toExponential(2)}), features worst rel ${worst.toExponential(2)}`);
      expect(worst).toBeLessThanOrEqual(1e-6);
      expect(scoreRel).toBeLessThanOrEqual(1e-5);
    });
  }

  it('the scores differ between a clean and a noisy image (the comparison is not vacuous)', () => {
    const clean = native().brisqueEmulated(grey(FACES.hopper, 'scale=160:160', 160, 160), 160, 160, MODEL, RANGE);
    const noisy = native().brisqueEmulated(grey(FACES.hopper, 'scale=160:160,noise=alls=30:allf=t+u', 160, 160), 160, 160, MODEL, RANGE);
    expect(Math.abs(clean.score - noisy.score)).toBeGreaterThan(1);
  });

  it('missing model files are MODEL_INVALID naming the file; wrong sizes are BAD_ARGUMENT', () => {
    expect(() => native().brisqueEmulated(new Uint8Array(64 * 64), 64, 64, '/nonexistent/model.yml', RANGE)).toThrow(/nonexistent\/model.yml/);
    expect(() => native().brisqueEmulated(new Uint8Array(10), 64, 64, MODEL, RANGE)).toThrow(/width x height/);
  });
});

describe('BRISQUE kernels on a GPU', () => {
  const info = gpuInfo();
  it.skipIf(info.available)(`without a usable GPU, backend 'cuda' is GPU_UNAVAILABLE naming the cause (${info.reason ?? ''})`, () => {
    expect(() => native().brisqueEmulated(new Uint8Array(64 * 64), 64, 64, MODEL, RANGE, 'cuda')).toThrow(/GPU requested but .{10,}/);
  });
  it.skipIf(!info.available)(`device features and score match OpenCV (skipped: ${info.reason ?? 'GPU present'})`, () => {
    for (const c of cases) {
      const img = grey(c.file, c.vf, c.w, c.h);
      const ref = opencv(img, c.w, c.h);
      const gpu = native().brisqueEmulated(img, c.w, c.h, MODEL, RANGE, 'cuda');
      for (let i = 0; i < 36; i++) expect(Math.abs(gpu.features[i] - ref.features[i]), `${c.name} feature ${i}`).toBeLessThanOrEqual(1e-6 * Math.max(Math.abs(ref.features[i]), 1e-12));
      expect(Math.abs(gpu.score - ref.score)).toBeLessThanOrEqual(1e-5 * Math.max(Math.abs(ref.score), 1e-12));
    }
  });
});
