/**
 * The landmark models' input crop (native/face/image_to_tensor.cc) against an independent
 * numpy float32 implementation of the sampling (test/helpers/crop_tensor_oracle.py): equal to
 * the bit, with the AVX2 fast path on and off, on a real photo (decoded by ffmpeg) and an
 * odd-sized frame, for rotated ROIs, ROIs that leave the frame (replicate and zero borders)
 * and ROIs that touch the frame's last pixel (where a 4-byte gather would read past the end).
 * The map itself: the tensor's corners land on the rotated rectangle's corners.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native } from '../lib/native.js';
import { GRACE } from './helpers/faceMedia.js';
import { hasOpenCv } from './helpers/opencvDnn.js';

const ORACLE = path.join(import.meta.dirname, 'helpers', 'crop_tensor_oracle.py');
type Roi = { centerX: number; centerY: number; width: number; height: number; rotation: number };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'theval-crop-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rgbOf(src: string, filter: string): { rgb: Uint8Array; width: number; height: number } {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', src, '-vf', filter, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 26 });
  const [w, h] = filter.match(/scale=(\d+):(\d+)/)!.slice(1).map(Number);
  expect(raw.length).toBe(w * h * 3);
  return { rgb: new Uint8Array(raw.buffer, raw.byteOffset, raw.length), width: w, height: h };
}

function oracle(img: { rgb: Uint8Array; width: number; height: number }, map: Float64Array, size: number, lo: number, hi: number, border: string): Float32Array {
  const inFile = path.join(dir, 'frame.rgb');
  const outFile = path.join(dir, 'tensor.f32');
  writeFileSync(inFile, img.rgb);
  execFileSync('/usr/bin/python3', [ORACLE, inFile, String(img.width), String(img.height), Array.from(map, (v) => v.toPrecision(17)).join(','), String(size), String(lo), String(hi), border, outFile]);
  const b = readFileSync(outFile);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

function sameBits(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let diff = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) diff++;
  return diff;
}

describe.skipIf(!hasOpenCv)('face crop tensor (python3-numpy oracle)', () => {
  const cases: Array<{ name: string; roi: (w: number, h: number) => Roi; border: 'replicate' | 'zero'; lo: number; hi: number }> = [
    { name: 'face box, upright', roi: () => ({ centerX: 256.3, centerY: 240.7, width: 301.2, height: 301.2, rotation: 0 }), border: 'replicate', lo: 0, hi: 1 },
    { name: 'rotated 0.3 rad, [-1, 1]', roi: () => ({ centerX: 250.1, centerY: 260.9, width: 280.4, height: 280.4, rotation: 0.3 }), border: 'replicate', lo: -1, hi: 1 },
    { name: 'leaves the frame, replicate', roi: (w, h) => ({ centerX: w - 40.2, centerY: h - 30.6, width: 260, height: 260, rotation: -0.5 }), border: 'replicate', lo: 0, hi: 1 },
    { name: 'leaves the frame, zero', roi: () => ({ centerX: 20.5, centerY: 35.25, width: 300, height: 300, rotation: 2.2 }), border: 'zero', lo: 0, hi: 1 },
    // Upscaling onto the last pixel: taps at (W-2..W-1, H-2..H-1) in many lanes.
    { name: 'bottom-right corner, magnified', roi: (w, h) => ({ centerX: w - 3, centerY: h - 3, width: 6, height: 6, rotation: 0 }), border: 'replicate', lo: 0, hi: 1 },
    { name: 'whole frame, shrunk', roi: (w, h) => ({ centerX: w / 2, centerY: h / 2, width: w, height: h, rotation: 0 }), border: 'zero', lo: 0, hi: 255 },
  ];

  for (const frame of [{ filter: 'scale=512:512', label: '512x512' }, { filter: 'scale=301:257', label: '301x257' }]) {
    for (const c of cases) {
      it(`${frame.label}: ${c.name}: SIMD and per-pixel paths equal the oracle to the bit`, () => {
        const img = rgbOf(GRACE, frame.filter);
        const roi = c.roi(img.width, img.height);
        const opts = { size: 192, rangeMin: c.lo, rangeMax: c.hi, border: c.border };
        const fast = native().faceCropTensor(img.rgb, img.width, img.height, roi, { ...opts, simd: true });
        const slow = native().faceCropTensor(img.rgb, img.width, img.height, roi, { ...opts, simd: false });
        const want = oracle(img, fast.map, 192, c.lo, c.hi, c.border);
        expect(Array.from(slow.map)).toEqual(Array.from(fast.map));
        expect(sameBits(slow.tensor, want)).toBe(0);
        expect(sameBits(fast.tensor, want)).toBe(0);
        // The map: tensor corner (-0.5, -0.5) (a pixel's outer edge, in index coordinates) lands
        // on the ROI corner at (-w/2, -h/2) rotated about the centre, minus 0.5 (index coordinates).
        const [m0, m1, m2, m3, m4, m5] = fast.map;
        const s = 192;
        const corner = (u: number, v: number): [number, number] => [m0 * u + m1 * v + m2, m3 * u + m4 * v + m5];
        const cos = Math.cos(roi.rotation), sin = Math.sin(roi.rotation);
        const want0 = (dx: number, dy: number): [number, number] => [roi.centerX + dx * cos - dy * sin - 0.5, roi.centerY + dx * sin + dy * cos - 0.5];
        for (const [u, v, dx, dy] of [[-0.5, -0.5, -roi.width / 2, -roi.height / 2], [s - 0.5, s - 0.5, roi.width / 2, roi.height / 2], [s - 0.5, -0.5, roi.width / 2, -roi.height / 2]]) {
          const got = corner(u, v), exp = want0(dx, dy);
          expect(Math.abs(got[0] - exp[0])).toBeLessThan(1e-3);
          expect(Math.abs(got[1] - exp[1])).toBeLessThan(1e-3);
        }
      });
    }
  }

  it('rejects a buffer of the wrong size', () => {
    expect(() => native().faceCropTensor(new Uint8Array(10), 4, 4, { centerX: 2, centerY: 2, width: 4, height: 4, rotation: 0 })).toThrow(/width x height x 3/);
  });
});
