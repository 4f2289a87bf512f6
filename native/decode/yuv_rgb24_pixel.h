// One pixel of 8-bit YUV -> RGB24 in libswscale's x86 SIMD integer arithmetic (yuv2rgb's
// pmulhw / psubsw steps), the definition the decoder's converter (yuv420_rgb24.cc: its
// scalar path and, lane for lane, its AVX2 path) and the CUDA kernel (cuda/yuv_rgb24_hd.h)
// share: written once, so host and device agree exactly.
#pragma once

#include <cstdint>

#include "common/hd.h"
#include "decode/yuv420_rgb24.h"

namespace theval {

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

}  // namespace theval
