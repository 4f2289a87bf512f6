/**
 * YUV 4:2:0 -> RGB24 for the device (native/cuda/yuv_rgb24_hd.h, one function per pixel for
 * the CUDA kernel and the host path) against the decoder's CPU converter
 * (decode/yuv420_rgb24.cc, AVX2 and scalar forms) and against ffmpeg's own rgb24 output
 * (libswscale) on real frames: an H.264 clip decoded by ffmpeg, as I420 and as NV12 (ffmpeg's
 * nv12 output and our own interleaving), at two sizes, two colour matrices and both ranges,
 * padded strides, and an odd-sized frame. On a machine with a GPU the kernel must equal the
 * host path byte for byte.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gpuInfo } from '../lib/gpu.js';
import { native } from '../lib/native.js';
import { GRACE } from './helpers/faceMedia.js';
import { differingBytes, prep, type YuvFrame } from './helpers/gpuPrep.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'theval-yuv-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FRAMES = 6;
// The decoder's converter reproduces libswscale's x86 SIMD arithmetic; without AVX2 the
// decoder keeps sws_scale and the comparison with ffmpeg's rgb24 does not apply.
const vectorized = native().checkYuv420Rgb24({ colorspace: 1, fullRange: false, width: 64, height: 2 }).vectorized;
const gpu = gpuInfo().available;

/** An H.264 clip with motion (x264, yuv420p), decoded by ffmpeg to raw frames of `pixFmt`. */
function decoded(w: number, h: number, pixFmt: 'yuv420p' | 'nv12' | 'rgb24'): Buffer {
  const clip = path.join(dir, `clip_${w}x${h}.mp4`);
  try {
    execFileSync('ffmpeg', ['-v', 'error', '-n', '-loop', '1', '-i', GRACE, '-vf', `scale=${w}:${h},rotate=0.08*t*25:fillcolor=gray`, '-frames:v', String(FRAMES), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip], { stdio: 'ignore' });
  } catch {
    /* already made */
  }
  return execFileSync('ffmpeg', ['-v', 'error', '-i', clip, '-f', 'rawvideo', '-pix_fmt', pixFmt, '-'], { maxBuffer: 1 << 28 });
}

function i420(buf: Buffer, w: number, h: number, k: number): YuvFrame {
  const cw = (w + 1) >> 1, ch = (h + 1) >> 1, size = w * h + 2 * cw * ch, o = k * size;
  const b = new Uint8Array(buf.buffer, buf.byteOffset + o, size);
  return { y: b.subarray(0, w * h), u: b.subarray(w * h, w * h + cw * ch), v: b.subarray(w * h + cw * ch), width: w, height: h };
}

function nv12Of(f: YuvFrame): YuvFrame {
  const cw = (f.width + 1) >> 1, ch = (f.height + 1) >> 1;
  const uv = new Uint8Array(2 * cw * ch);
  for (let i = 0; i < cw * ch; i++) {
    uv[2 * i] = f.u[i];
    uv[2 * i + 1] = f.v![i];
  }
  return { y: f.y, u: uv, width: f.width, height: f.height, nv12: true };
}

/** The same frame with every plane's rows padded (as decoders allocate them). */
function padded(f: YuvFrame, pad: number): YuvFrame {
  const cw = (f.width + 1) >> 1, ch = (f.height + 1) >> 1;
  const copy = (src: Uint8Array, rowBytes: number, rows: number, stride: number) => {
    const d = new Uint8Array(stride * rows).fill(0xa5);
    for (let r = 0; r < rows; r++) d.set(src.subarray(r * rowBytes, (r + 1) * rowBytes), r * stride);
    return d;
  };
  const cBytes = f.nv12 ? 2 * cw : cw;
  const out: YuvFrame = { ...f, y: copy(f.y, f.width, f.height, f.width + pad), u: copy(f.u, cBytes, ch, cBytes + pad), yStride: f.width + pad, uStride: cBytes + pad };
  if (!f.nv12) Object.assign(out, { v: copy(f.v!, cw, ch, cw + pad), vStride: cw + pad });
  return out;
}

describe('device YUV 4:2:0 -> RGB24: host path equals the CPU converter and ffmpeg', () => {
  for (const [w, h] of [[512, 512], [320, 240]]) {
    it(`${w}x${h} H.264 frames, BT.601 limited: I420 and NV12 host paths == decoder's converter == ffmpeg rgb24`, () => {
      const yuv = decoded(w, h, 'yuv420p'), nv = decoded(w, h, 'nv12'), rgb = decoded(w, h, 'rgb24');
      expect(yuv.length).toBe(FRAMES * w * h * 1.5);
      expect(nv.length).toBe(yuv.length);
      for (let k = 0; k < FRAMES; k++) {
        const f = i420(yuv, w, h, k);
        const host = prep().yuv420ToRgb24(f, { colorspace: 5, impl: 'host' });
        expect(differingBytes(host, prep().yuv420ToRgb24(f, { colorspace: 5, impl: 'cpu-scalar' })), `frame ${k} scalar`).toBe(0);
        expect(differingBytes(host, prep().yuv420ToRgb24(f, { colorspace: 5, impl: 'cpu' })), `frame ${k} cpu`).toBe(0);
        if (vectorized) expect(differingBytes(host, new Uint8Array(rgb.buffer, rgb.byteOffset + k * w * h * 3, w * h * 3)), `frame ${k} ffmpeg`).toBe(0);
        // NV12 as ffmpeg writes it, and our interleaving of the same planes: byte for byte.
        const fNv: YuvFrame = { y: f.y, u: new Uint8Array(nv.buffer, nv.byteOffset + k * w * h * 1.5 + w * h, w * h / 2), width: w, height: h, nv12: true };
        expect(differingBytes(fNv.u, nv12Of(f).u), `frame ${k} nv12 planes`).toBe(0);
        expect(differingBytes(prep().yuv420ToRgb24(fNv, { colorspace: 5 }), host), `frame ${k} nv12`).toBe(0);
      }
    });
  }

  it('other matrices and full range, padded strides: host == decoder converter (I420 and NV12)', () => {
    const yuv = decoded(512, 512, 'yuv420p');
    for (const [colorspace, fullRange] of [[1, false], [1, true], [5, true], [9, false]] as const) {
      const f = i420(yuv, 512, 512, 3);
      const cpu = prep().yuv420ToRgb24(f, { colorspace, fullRange, impl: 'cpu' });
      const label = `colorspace ${colorspace} ${fullRange ? 'full' : 'limited'}`;
      expect(differingBytes(prep().yuv420ToRgb24(f, { colorspace, fullRange }), cpu), label).toBe(0);
      expect(differingBytes(prep().yuv420ToRgb24(padded(f, 40), { colorspace, fullRange }), cpu), `${label} padded`).toBe(0);
      expect(differingBytes(prep().yuv420ToRgb24(padded(nv12Of(f), 40), { colorspace, fullRange }), cpu), `${label} nv12 padded`).toBe(0);
    }
  });

  it('odd-sized frame (301x257, chroma 151x129): host == decoder converter, I420 and NV12', () => {
    const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', GRACE, '-vf', 'scale=301:257', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-']);
    expect(raw.length).toBe(301 * 257 + 2 * 151 * 129);
    const f = i420(raw, 301, 257, 0);
    const cpu = prep().yuv420ToRgb24(f, { impl: 'cpu-scalar' });
    expect(differingBytes(prep().yuv420ToRgb24(f, { impl: 'cpu' }), cpu)).toBe(0);
    expect(differingBytes(prep().yuv420ToRgb24(f), cpu)).toBe(0);
    expect(differingBytes(prep().yuv420ToRgb24(nv12Of(f)), cpu)).toBe(0);
  });

  it('the comparison can fail: one chroma byte changed changes its 2x2 block', () => {
    const f = i420(decoded(320, 240, 'yuv420p'), 320, 240, 0);
    const ref = prep().yuv420ToRgb24(f, { impl: 'cpu' });
    const u = Uint8Array.from(f.u);
    u[100] ^= 0x40;
    const got = prep().yuv420ToRgb24({ ...f, u });
    const d = differingBytes(got, ref);
    expect(d).toBeGreaterThan(0);
    expect(d).toBeLessThanOrEqual(4 * 2); // 4 pixels, G and B depend on U
  });

  it('rejects short planes and NV12 for the decoder converter', () => {
    const f = i420(decoded(320, 240, 'yuv420p'), 320, 240, 0);
    expect(() => prep().yuv420ToRgb24({ ...f, v: f.v!.subarray(10) })).toThrow(/v is too short/);
    expect(() => prep().yuv420ToRgb24(nv12Of(f), { impl: 'cpu' })).toThrow(/I420 only/);
  });

  it.skipIf(gpu)(`impl 'cuda' without a GPU is GPU_UNAVAILABLE${gpu ? ' (skipped: a GPU is present)' : ''}`, () => {
    const f = i420(decoded(320, 240, 'yuv420p'), 320, 240, 0);
    expect(() => prep().yuv420ToRgb24(f, { impl: 'cuda' })).toThrow(/GPU_UNAVAILABLE|no CUDA/);
  });

  it.skipIf(!gpu)(`CUDA kernel equals the host path byte for byte${gpu ? '' : ' (skipped: no GPU here)'}`, () => {
    const yuv = decoded(512, 512, 'yuv420p');
    for (let k = 0; k < FRAMES; k++) {
      const f = i420(yuv, 512, 512, k);
      for (const g of [f, nv12Of(f), padded(nv12Of(f), 64)]) expect(differingBytes(prep().yuv420ToRgb24(g, { impl: 'cuda' }), prep().yuv420ToRgb24(g)), `frame ${k}`).toBe(0);
    }
  });
});
