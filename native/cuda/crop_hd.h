// One output pixel of the landmark models' input crop, written once for the host and CUDA
// kernels: bilinear sampling at pixel centres of an 8-bit RGB frame through a 2x3 map from
// output pixel indices to source pixel indices (face/image_to_tensor.cc computes the map).
// Positions in double, weights and values in float, replicate or zero border, then the value
// range (v * scale + offset). The operations and their order are the CPU crop's, and on the
// device every multiply and add is an explicitly rounded intrinsic so nvcc cannot fuse them
// into FMAs (the host compiler here has no FMA target either): host and device round alike.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "common/hd.h"

namespace theval::cuda {


// The row's source position at x = 0: m[1] * y + m[2], m[4] * y + m[5] (a multiply, then an add).
THEVAL_HD void CropRowOrigin(const double* m, int y, double* rowX, double* rowY) {
  *rowX = AddRn(MulRn(m[1], double(y)), m[2]);
  *rowY = AddRn(MulRn(m[4], double(y)), m[5]);
}

// Output pixel x of the row whose origin CropRowOrigin gave; writes its 3 channels to o.
// base: the frame's first byte, stride: bytes per row, W x H pixels of 3 bytes.
THEVAL_HD void CropPixelInRow(const uint8_t* base, size_t stride, int W, int H, const double* m, double rowX,
                              double rowY, int x, bool zeroBorder, float scale, float offset, float* o) {
  const double sx = AddRn(rowX, MulRn(m[0], double(x))), sy = AddRn(rowY, MulRn(m[3], double(x)));
  const double fx0 = floor(sx), fy0 = floor(sy);
  const float ax = float(sx - fx0), ay = float(sy - fy0);  // exact: a double difference below 1 ...
  const int x0 = int(fx0), y0 = int(fy0);                   // ... then one rounding to float
  const float bx = 1.f - ax, by = 1.f - ay;                 // exact in float (ax in [0, 1))
  if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) {
    const uint8_t* p00 = base + size_t(y0) * stride + size_t(x0) * 3;
    const uint8_t* p10 = p00 + stride;
    const float w00 = MulRn(bx, by), w01 = MulRn(ax, by), w10 = MulRn(bx, ay), w11 = MulRn(ax, ay);
    for (int c = 0; c < 3; c++) {
      float acc = MulRn(w00, float(p00[c]));
      acc = AddRn(acc, MulRn(w01, float(p00[3 + c])));
      acc = AddRn(acc, MulRn(w10, float(p10[c])));
      acc = AddRn(acc, MulRn(w11, float(p10[3 + c])));
      o[c] = AddRn(MulRn(acc, scale), offset);
    }
    return;
  }
  float acc[3] = {0.f, 0.f, 0.f};
  for (int k = 0; k < 4; k++) {
    int px = x0 + (k & 1), py = y0 + (k >> 1);
    const float w = MulRn((k & 1) ? ax : bx, (k >> 1) ? ay : by);
    if (px < 0 || px >= W || py < 0 || py >= H) {
      if (zeroBorder) continue;
      px = px < 0 ? 0 : px > W - 1 ? W - 1 : px;
      py = py < 0 ? 0 : py > H - 1 ? H - 1 : py;
    }
    const uint8_t* p = base + size_t(py) * stride + size_t(px) * 3;
    for (int c = 0; c < 3; c++) acc[c] = AddRn(acc[c], MulRn(w, float(p[c])));
  }
  for (int c = 0; c < 3; c++) o[c] = AddRn(MulRn(acc[c], scale), offset);
}

// Output pixel (x, y): the kernels' entry (one thread per output pixel).
THEVAL_HD void CropPixel(const uint8_t* base, size_t stride, int W, int H, const double* m, int x, int y,
                         bool zeroBorder, float scale, float offset, float* o) {
  double rowX, rowY;
  CropRowOrigin(m, y, &rowX, &rowY);
  CropPixelInRow(base, stride, W, H, m, rowX, rowY, x, zeroBorder, scale, offset, o);
}

}  // namespace theval::cuda
