// Compares decode/yuv420_rgb24 with the system's libswscale (sws_scale, default flags, as
// FFmpeg's scale filter) on a synthetic frame. Used by the tests: with `exhaustive` the
// frame holds every (Y, U, V) triple, 2^24 pixels.
#pragma once

#include <cstdint>

namespace theval {

struct YuvRgbCheck {
  int64_t pixels = 0;
  int64_t vectorMismatches = 0;  // bytes where Yuv420ToRgb24 differs from sws_scale
  int64_t scalarMismatches = 0;  // bytes where Yuv420ToRgb24Scalar differs
  bool vectorized = false;       // Yuv420ToRgb24 ran the AVX2 routine
};

// colorspace: an AVColorSpace (1 BT.709, 5/6 BT.601, 9 BT.2020...). Otherwise a seeded
// random frame of width x height.
YuvRgbCheck CheckYuv420Rgb24(int colorspace, bool fullRange, int width, int height, bool exhaustive,
                             uint32_t seed);

}  // namespace theval
