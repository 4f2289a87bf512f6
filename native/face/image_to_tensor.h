// MediaPipe's ImageToTensorCalculator on the CPU (image_to_tensor_converter_opencv.cc): the
// ROI's rotated rectangle is warped onto the output tensor with bilinear interpolation on the
// 8-bit RGB image, then scaled to the tensor's value range.
//
// Pixel-centre convention (docs/parity.md, "The landmark offset"): MediaPipe's CPU converter
// maps the rect's corners to the tensor's corners and hands that matrix to warpPerspective,
// which takes pixel indices as positions; its GPU converter samples at pixel centres. The two
// crops differ by 0.5 (s - 1) source pixels (s = source pixels per tensor pixel), and so do
// the landmarks. Only the centre convention is scale-equivariant (a 2x pixel-doubled frame
// gives the same normalised landmarks), so it is the default; cpuCorners(true) reproduces
// the CPU converter (the Python package THEval's reference ran).
#pragma once

#include <opencv2/core.hpp>

#include "face/geometry.h"

namespace theval::face {

enum class BorderMode { kZero, kReplicate };

class ImageToTensor {
 public:
  ImageToTensor(int width, int height, float rangeMin, float rangeMax, BorderMode border)
      : width_(width), height_(height), rangeMin_(rangeMin), rangeMax_(rangeMax), border_(border) {}

  // rgb: 8-bit RGB image (CV_8UC3). dst: height x width x 3 floats (NHWC, one item).
  // dstToSrc (optional, pixel-centre convention only): receives the 2x3 affine map from
  // tensor pixel indices to frame pixel indices that was sampled.
  void Convert(const cv::Mat& rgb, const RotatedRect& roi, float* dst, double* dstToSrc = nullptr);

  int width() const { return width_; }
  void setCpuCorners(bool on) { cpuCorners_ = on; }
  // The pixel-centre crop's AVX2 fast path (on by default where the CPU has AVX2; tests
  // compare it with the per-pixel path: bit-identical by construction).
  void setSimd(bool on) { simd_ = on; }
  int height() const { return height_; }

 private:
  int width_, height_;
  float rangeMin_, rangeMax_;
  BorderMode border_;
  bool cpuCorners_ = false;
  bool simd_ = true;
  cv::Mat warped_;  // reused 8-bit crop
};

}  // namespace theval::face
