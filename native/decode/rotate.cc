#include "decode/rotate.h"

#include <cstring>

namespace theval {

void RotateRgb24(const uint8_t* src, int w, int h, int degrees, uint8_t* dst) {
  if (degrees == 180) {
    for (int y = 0; y < h; y++) {
      const uint8_t* s = src + size_t(h - 1 - y) * w * 3;
      uint8_t* d = dst + size_t(y) * w * 3;
      for (int x = 0; x < w; x++) std::memcpy(d + x * 3, s + (w - 1 - x) * 3, 3);
    }
    return;
  }
  // 90 / 270: output is h wide, w tall. Walk the source row by row (sequential reads).
  const int ow = h;
  for (int y = 0; y < h; y++) {
    const uint8_t* s = src + size_t(y) * w * 3;
    for (int x = 0; x < w; x++) {
      // clockwise: out(x', y') = in(y', h-1-x')  =>  in(x, y) -> out(h-1-y, x)
      // counter-clockwise: out(x', y') = in(w-1-y', x')  =>  in(x, y) -> out(y, w-1-x)
      int ox = degrees == 90 ? h - 1 - y : y;
      int oy = degrees == 90 ? x : w - 1 - x;
      std::memcpy(dst + (size_t(oy) * ow + ox) * 3, s + x * 3, 3);
    }
  }
}

void RgbToPlanarFloat(const uint8_t* rgb, size_t n, float* dst) {
  constexpr float k = 1.0f / 255.0f;
  float* r = dst;
  float* g = dst + n;
  float* b = dst + 2 * n;
  for (size_t i = 0; i < n; i++) {
    r[i] = rgb[3 * i] * k;
    g[i] = rgb[3 * i + 1] * k;
    b[i] = rgb[3 * i + 2] * k;
  }
}

}  // namespace theval
