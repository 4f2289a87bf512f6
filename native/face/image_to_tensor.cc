#include "face/image_to_tensor.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

namespace theval::face {

void ImageToTensor::Convert(const cv::Mat& rgb, const RotatedRect& roi, float* dst) {
  // image_to_tensor_converter_opencv.cc OpenCvProcessor::Convert, line for line: the ROI's
  // corners from cv::boxPoints (angle in degrees) map to (0,h), (0,0), (w,0), (w,h) by a
  // perspective transform (an affine one in practice), warpPerspective with INTER_LINEAR on
  // the 8-bit image and the configured border, then convertTo float with
  // GetValueRangeTransformation(0, 255, min, max): scale = (max - min) / 255, offset = min.
  const cv::RotatedRect rect(cv::Point2f(roi.centerX, roi.centerY), cv::Size2f(roi.width, roi.height),
                             roi.rotation * 180.f / float(M_PI));
  cv::Mat srcPoints;
  cv::boxPoints(rect, srcPoints);
  const float w = float(width_), h = float(height_);
  float dstCorners[8] = {0.0f, h, 0.0f, 0.0f, w, 0.0f, w, h};
  cv::Mat dstPoints(4, 2, CV_32F, dstCorners);
  cv::Mat projection = cv::getPerspectiveTransform(srcPoints, dstPoints);
  cv::warpPerspective(rgb, warped_, projection, cv::Size(width_, height_), cv::INTER_LINEAR,
                      border_ == BorderMode::kZero ? cv::BORDER_CONSTANT : cv::BORDER_REPLICATE);
  const float scale = (rangeMax_ - rangeMin_) / (255.0f - 0.0f);
  const float offset = rangeMin_ - 0.0f * scale;
  cv::Mat out(height_, width_, CV_32FC3, dst);
  warped_.convertTo(out, CV_32FC3, scale, offset);
}

}  // namespace theval::face
