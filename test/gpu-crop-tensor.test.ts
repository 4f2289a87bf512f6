/**
 * The device crop (native/cuda/crop_hd.h, one function per output pixel for the CUDA kernel
 * and the host path) against the CPU crop the face pass uses (faceCropTensor, itself checked
 * against a numpy oracle in face-crop-tensor.test.ts): equal to the bit on real frames decoded
 * by ffmpeg, rotated ROIs, both borders, value ranges, ROIs on the frame's last pixel, and a
 * batch of ROIs over two frames in one call. On a machine with a GPU the kernel must equal the
 * host path to the bit too.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { gpuInfo } from '../lib/gpu.js';
import { native } from '../lib/native.js';
import { ASTRONAUT, GRACE } from './helpers/faceMedia.js';
import { differingBits, prep, type PrepFrame } from './helpers/gpuPrep.js';

type Roi = { centerX: number; centerY: number; width: number; height: number; rotation: number };
type Case = { name: string; roi: (w: number, h: number) => Roi; border: 'replicate' | 'zero'; lo: number; hi: number; size: number };

function rgbOf(src: string, w: number, h: number): PrepFrame {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', src, '-vf', `scale=${w}:${h}`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 26 });
  expect(raw.length).toBe(w * h * 3);
  return { rgb: new Uint8Array(raw.buffer, raw.byteOffset, raw.length), width: w, height: h };
}

const CASES: Case[] = [
  { name: 'face box, upright', roi: () => ({ centerX: 256.3, centerY: 240.7, width: 301.2, height: 301.2, rotation: 0 }), border: 'replicate', lo: 0, hi: 1, size: 192 },
  { name: 'rotated 0.3 rad, [-1, 1]', roi: () => ({ centerX: 250.1, centerY: 260.9, width: 280.4, height: 280.4, rotation: 0.3 }), border: 'replicate', lo: -1, hi: 1, size: 192 },
  { name: 'leaves the frame, replicate', roi: (w, h) => ({ centerX: w - 40.2, centerY: h - 30.6, width: 260, height: 260, rotation: -0.5 }), border: 'replicate', lo: 0, hi: 1, size: 192 },
  { name: 'leaves the frame, zero', roi: () => ({ centerX: 20.5, centerY: 35.25, width: 300, height: 300, rotation: 2.2 }), border: 'zero', lo: 0, hi: 1, size: 192 },
  { name: 'bottom-right corner, magnified', roi: (w, h) => ({ centerX: w - 3, centerY: h - 3, width: 6, height: 6, rotation: 0 }), border: 'replicate', lo: 0, hi: 1, size: 192 },
  { name: 'last pixel, zero border', roi: (w, h) => ({ centerX: w - 1, centerY: h - 1, width: 3, height: 3, rotation: 0.7 }), border: 'zero', lo: 0, hi: 1, size: 64 },
  { name: 'whole frame, shrunk (detector-like)', roi: (w, h) => ({ centerX: w / 2, centerY: h / 2, width: w, height: h, rotation: 0 }), border: 'zero', lo: -1, hi: 1, size: 128 },
  { name: 'wholly outside, replicate', roi: (w, h) => ({ centerX: w + 300, centerY: -200, width: 100, height: 80, rotation: 1 }), border: 'replicate', lo: 0, hi: 255, size: 32 },
];

function cpuCrop(img: PrepFrame, roi: Roi, c: Case, simd: boolean) {
  return native().faceCropTensor(img.rgb, img.width, img.height, roi, { size: c.size, rangeMin: c.lo, rangeMax: c.hi, border: c.border, simd });
}

const gpu = gpuInfo().available;

describe('device crop: host path equals the CPU crop to the bit', () => {
  for (const [w, h] of [[512, 512], [301, 257]]) {
    it(`${w}x${h}: every case, SIMD and per-pixel CPU crops`, () => {
      const img = rgbOf(GRACE, w, h);
      for (const c of CASES) {
        const roi = c.roi(w, h);
        const slow = cpuCrop(img, roi, c, false);
        const fast = cpuCrop(img, roi, c, true);
        const got = prep().cropTensors([img], [{ frame: 0, map: slow.map }], { size: c.size, rangeMin: c.lo, rangeMax: c.hi, border: c.border });
        expect(got.length, c.name).toBe(c.size * c.size * 3);
        expect(differingBits(got, slow.tensor), c.name).toBe(0);
        expect(differingBits(got, fast.tensor), c.name).toBe(0);
      }
    });
  }

  it('a batch of ROIs over two frames in one call equals each CPU crop', () => {
    const frames = [rgbOf(GRACE, 512, 512), rgbOf(ASTRONAUT, 384, 288)];
    const c: Case = { ...CASES[1], size: 192 };
    const rois = [
      { frame: 0, roi: CASES[0].roi(512, 512) },
      { frame: 1, roi: { centerX: 190.2, centerY: 120.8, width: 150.3, height: 150.3, rotation: -0.2 } },
      { frame: 0, roi: CASES[2].roi(512, 512) },
      { frame: 1, roi: CASES[4].roi(384, 288) },
    ];
    const cpu = rois.map((r) => cpuCrop(frames[r.frame], r.roi, c, false));
    const got = prep().cropTensors(frames, rois.map((r, i) => ({ frame: r.frame, map: cpu[i].map })), { size: c.size, rangeMin: c.lo, rangeMax: c.hi, border: c.border });
    const per = c.size * c.size * 3;
    expect(got.length).toBe(per * rois.length);
    for (let i = 0; i < rois.length; i++) expect(differingBits(got.subarray(i * per, (i + 1) * per), cpu[i].tensor), `roi ${i}`).toBe(0);
  });

  it('the comparison can fail: a map moved by 1e-6 px changes some values', () => {
    const img = rgbOf(GRACE, 512, 512);
    const c = CASES[1];
    const ref = cpuCrop(img, c.roi(512, 512), c, false);
    const map = Float64Array.from(ref.map);
    map[2] += 1e-6;
    const got = prep().cropTensors([img], [{ frame: 0, map }], { size: c.size, rangeMin: c.lo, rangeMax: c.hi, border: c.border });
    expect(differingBits(got, ref.tensor)).toBeGreaterThan(100);
  });

  it('rejects a ROI naming a missing frame and a short frame buffer', () => {
    const img = rgbOf(GRACE, 64, 64);
    const map = new Float64Array([1, 0, 0, 0, 1, 0]);
    expect(() => prep().cropTensors([img], [{ frame: 1, map }])).toThrow(/frame must be an integer in 0\.\.0/);
    expect(() => prep().cropTensors([{ ...img, height: 65 }], [{ frame: 0, map }])).toThrow(/too short/);
  });

  it.skipIf(gpu)(`backend 'cuda' without a GPU is GPU_UNAVAILABLE${gpu ? ' (skipped: a GPU is present)' : ''}`, () => {
    const img = rgbOf(GRACE, 64, 64);
    expect(() => prep().cropTensors([img], [{ frame: 0, map: new Float64Array([1, 0, 0, 0, 1, 0]) }], { backend: 'cuda' })).toThrow(/GPU_UNAVAILABLE|no CUDA/);
  });

  it.skipIf(!gpu)(`CUDA kernel equals the host path to the bit${gpu ? '' : ' (skipped: no GPU here)'}`, () => {
    const img = rgbOf(GRACE, 301, 257);
    for (const c of CASES) {
      const m = cpuCrop(img, c.roi(301, 257), c, false).map;
      const opts = { size: c.size, rangeMin: c.lo, rangeMax: c.hi, border: c.border } as const;
      const host = prep().cropTensors([img], [{ frame: 0, map: m }], opts);
      const dev = prep().cropTensors([img], [{ frame: 0, map: m }], { ...opts, backend: 'cuda' });
      expect(differingBits(dev, host), c.name).toBe(0);
    }
  });
});
