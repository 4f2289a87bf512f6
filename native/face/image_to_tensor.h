// MediaPipe's ImageToTensorCalculator on the CPU (image_to_tensor_converter_opencv.cc): the
// ROI's rotated rectangle is warped onto the output tensor with bilinear interpolation on the
// 8-bit RGB image, then scaled to the tensor's value range.
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
  void Convert(const cv::Mat& rgb, const RotatedRect& roi, float* dst);

  int width() const { return width_; }
  int height() const { return height_; }

 private:
  int width_, height_;
  float rangeMin_, rangeMax_;
  BorderMode border_;
  cv::Mat warped_;  // reused 8-bit crop
};

}  // namespace theval::face
