#include "cuda/yuv_rgb24.h"

#include <cstddef>

namespace theval::cuda {

void Yuv420ToRgb24Host(const Yuv420View& f, const YuvRgbCoeffs& k, uint8_t* dst, int dstStride) {
  for (int y = 0; y < f.height; y++) {
    uint8_t* o = dst + std::ptrdiff_t(y) * dstStride;
    for (int x = 0; x < f.width; x++) Yuv420PixelRgb24(f, x, y, k, o + 3 * x);
  }
}

}  // namespace theval::cuda
