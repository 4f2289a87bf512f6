/**
 * theval's yuv420p -> rgb24 routine (native/decode/yuv420_rgb24.cc) against the system's
 * libswscale (sws_scale with the flags FFmpeg's scale filter uses): every (Y, U, V) triple,
 * for each colour matrix and range the decoder can set, and random frames at widths that
 * exercise the vector loop's tails. Both the vector form and the scalar form must match.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { native } from '../lib/native.js';

// AVColorSpace values: 1 BT.709, 4 FCC, 5 BT.470BG (BT.601), 6 SMPTE 170M, 7 SMPTE 240M, 9 BT.2020 NCL.
const matrices = [1, 4, 5, 6, 7, 9];

// The routine reproduces libswscale's x86 SIMD arithmetic and the decoder only uses it with
// AVX2; elsewhere (no AVX2, or another CPU family, whose libswscale rounds its own way) every
// frame goes to libswscale and these comparisons do not apply.
const vectorized = native().checkYuv420Rgb24({ colorspace: 1, fullRange: false, width: 64, height: 2 }).vectorized;
const skipReason = vectorized ? '' : ' (skipped: no AVX2 here, the decoder uses libswscale for every frame)';

describe('yuv420p -> rgb24 equals libswscale', () => {
  for (const colorspace of matrices) {
    for (const fullRange of [false, true]) {
      it.skipIf(!vectorized)(`every (Y, U, V) triple: colorspace ${colorspace}, ${fullRange ? 'full' : 'limited'} range${skipReason}`, () => {
        const r = native().checkYuv420Rgb24({ colorspace, fullRange, exhaustive: true });
        expect(r.pixels).toBe(4096 * 4096);
        expect(r).toMatchObject({ vectorMismatches: 0, scalarMismatches: 0 });
      });
    }
  }

  it.skipIf(!vectorized)(`random frames, widths around the 32-pixel vector step and odd widths, even heights${skipReason}`, () => {
    for (const width of [2, 17, 31, 32, 33, 63, 64, 514, 526, 1279, 1920]) {
      for (const height of [2, 290]) {
        const r = native().checkYuv420Rgb24({ colorspace: 5, fullRange: false, width, height, seed: width * 31 + height });
        expect(r, `${width}x${height}`).toMatchObject({ pixels: width * height, vectorMismatches: 0, scalarMismatches: 0 });
      }
    }
  });

  it("the comparison can fail: odd heights take libswscale's generic path, which rounds differently", () => {
    // libswscale only uses its SIMD yuv420p -> rgb24 routine for even heights (the decoder
    // then keeps sws_scale); this shows the check notices arithmetic that is not libswscale's.
    const r = native().checkYuv420Rgb24({ colorspace: 5, fullRange: false, width: 513, height: 289, seed: 7 });
    expect(r.vectorMismatches).toBeGreaterThan(1000);
  });

  it('reports whether the vector routine ran (AVX2)', () => {
    const avx2 = /\bavx2\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
    const x86 = process.arch === 'x64' || process.arch === 'ia32';
    expect(vectorized).toBe(avx2 && x86);
  });
});
