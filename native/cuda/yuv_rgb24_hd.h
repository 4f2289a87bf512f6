// One pixel of YUV 4:2:0 (I420 or NV12, 8-bit) -> RGB24 with libswscale's x86 SIMD
// arithmetic, written once for the host and CUDA kernels. It is decode/yuv420_rgb24.cc's
// scalar reference (PixelScalar) in integers, so host and device agree exactly; the
// coefficients are the decoder's (SwsYuvRgbCoeffs).
#pragma once

#include <cstddef>
#include <cstdint>

#include "decode/yuv420_rgb24.h"
#include "common/hd.h"

namespace theval::cuda {

// A frame's planes. I420: u and v planes of (w+1)/2 x (h+1)/2. NV12: u is the interleaved
// UV plane (U at even bytes, V at odd), v is unused and vStride ignored.
struct Yuv420View {
  const uint8_t* y;
  const uint8_t* u;
  const uint8_t* v;
  int yStride, uStride, vStride;
  bool nv12;
  int width, height;
};

THEVAL_HD int YuvSat16(int v) { return v < -32768 ? -32768 : v > 32767 ? 32767 : v; }
THEVAL_HD int YuvMulHi(int a, int b) { return (a * b) >> 16; }  // pmulhw on int16 inputs
THEVAL_HD uint8_t YuvClamp8(int v) { return uint8_t(v < 0 ? 0 : v > 255 ? 255 : v); }

THEVAL_HD void YuvToRgb24(int Y, int U, int V, const YuvRgbCoeffs& k, uint8_t* o) {
  const int yp = int16_t((Y << 3) - k.yOffset);  // psubw: wraps
  const int up = YuvSat16((U << 3) - 1024);      // psubsw
  const int vp = YuvSat16((V << 3) - 1024);
  const int y = YuvMulHi(yp, k.yCoeff);
  const int guv = YuvSat16(YuvMulHi(up, k.ug) + YuvMulHi(vp, k.vg));
  o[0] = YuvClamp8(YuvSat16(y + YuvMulHi(vp, k.vr)));
  o[1] = YuvClamp8(YuvSat16(y + guv));
  o[2] = YuvClamp8(YuvSat16(y + YuvMulHi(up, k.ub)));
}

// Pixel (x, y) of the frame: its luma and its 2x2 block's chroma (nearest, as libswscale's
// unscaled path).
THEVAL_HD void Yuv420PixelRgb24(const Yuv420View& f, int x, int y, const YuvRgbCoeffs& k, uint8_t* o) {
  const int Y = f.y[size_t(y) * f.yStride + x];
  const size_t c = size_t(y >> 1) * f.uStride;
  int U, V;
  if (f.nv12) {
    U = f.u[c + 2 * size_t(x >> 1)];
    V = f.u[c + 2 * size_t(x >> 1) + 1];
  } else {
    U = f.u[c + size_t(x >> 1)];
    V = f.v[size_t(y >> 1) * f.vStride + size_t(x >> 1)];
  }
  YuvToRgb24(Y, U, V, k, o);
}

}  // namespace theval::cuda
