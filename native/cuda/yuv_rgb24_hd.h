// One pixel of YUV 4:2:0 (I420 or NV12, 8-bit) -> RGB24 for the host and CUDA kernels: the
// plane layout here, the arithmetic in decode/yuv_rgb24_pixel.h (the decoder's own), so host,
// device and the CPU decoder agree exactly; the coefficients are the decoder's (SwsYuvRgbCoeffs).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/hd.h"
#include "decode/yuv_rgb24_pixel.h"

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
