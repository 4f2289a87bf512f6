// Pixel rotations matching FFmpeg's autorotate filters, and RGB layout conversions.
#pragma once

#include <cstddef>
#include <cstdint>

namespace theval {

// Rotates packed RGB24 (w x h) clockwise by 90, 180 or 270 degrees into dst, exactly as
// FFmpeg's transpose=clock, hflip+vflip and transpose=cclock filters.
void RotateRgb24(const uint8_t* src, int w, int h, int degrees, uint8_t* dst);

// Packed RGB24 (n pixels) to three float planes R, G, B in [0, 1].
void RgbToPlanarFloat(const uint8_t* rgb, size_t n, float* dst);

}  // namespace theval
