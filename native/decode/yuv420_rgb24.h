// YUV 4:2:0 (8-bit, limited or full range) to packed RGB24 with libswscale's own arithmetic.
//
// libswscale converts same-size yuv420p -> rgb24 (even height, no SWS_ACCURATE_RND) with
// its x86 SIMD routine (libswscale/x86/yuv_2_rgb.asm): per pixel, in 16-bit lanes,
//   Y' = (Y << 3) - yOffset (wrapping)          y  = mulhi(Y', yCoeff)
//   U' = sat((U << 3) - 1024)                    V' = sat((V << 3) - 1024)
//   R  = clamp8(sat(y + mulhi(V', vr)))
//   G  = clamp8(sat(y + sat(mulhi(U', ug) + mulhi(V', vg))))
//   B  = clamp8(sat(y + mulhi(U', ub)))
// with mulhi(a, b) = (a * b) >> 16 and the coefficients ff_yuv2rgb_c_init_tables derives
// from the colour matrix, the range, brightness, contrast and saturation. This file does
// the same arithmetic with AVX2 (twice the lanes of libswscale's SSSE3 routine, and no
// per-row call overhead). The caller proves equality with sws_scale before relying on it
// (VideoDecoder checks the first frame of every video), and the tests compare every
// (Y, U, V) triple against the system's libswscale.
#pragma once

#include <cstdint>

namespace theval {

struct YuvRgbCoeffs {
  int16_t yOffset, yCoeff, vr, ub, vg, ug;
};

// inv_table: sws_getCoefficients(colorspace); brightness/contrast/saturation as
// sws_getColorspaceDetails reports them (0, 1 << 16, 1 << 16 by default).
YuvRgbCoeffs SwsYuvRgbCoeffs(const int invTable[4], bool fullRange, int brightness, int contrast,
                             int saturation);

// True when this CPU runs the vector routine (AVX2); otherwise callers keep sws_scale.
bool Yuv420ToRgb24Vectorized();

// Converts a w x h frame (any w >= 1, any h >= 1; chroma planes (w+1)/2 x (h+1)/2).
// dst rows are dstStride bytes apart. Uses AVX2 when available, the scalar form otherwise.
void Yuv420ToRgb24(const uint8_t* const src[3], const int srcStride[3], int w, int h,
                   const YuvRgbCoeffs& k, uint8_t* dst, int dstStride);

// The scalar form of the same arithmetic (reference for the tests, and row tails).
void Yuv420ToRgb24Scalar(const uint8_t* const src[3], const int srcStride[3], int w, int h,
                         const YuvRgbCoeffs& k, uint8_t* dst, int dstStride);

}  // namespace theval
