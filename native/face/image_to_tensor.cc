#include "face/image_to_tensor.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace theval::face {

namespace {

// Bilinear sampling in float at pixel centres, as MediaPipe's GPU converter samples a texture:
// the crop keeps sub-8-bit precision (no rounding of sample positions to 1/32 px, no rounding
// of the interpolated value to 8 bits, both of which cv::warpPerspective does on 8-bit input).
// dstToSrc: the 2x3 affine map from output pixel indices to source pixel indices.
void WarpBilinearFloat(const cv::Mat& rgb, const double* m, int width, int height, bool zeroBorder, float scale,
                       float offset, float* dst) {
  const int W = rgb.cols, H = rgb.rows;
  const size_t stride = rgb.step[0];
  const uint8_t* base = rgb.data;
  for (int y = 0; y < height; y++) {
    const double rowX = m[1] * y + m[2], rowY = m[4] * y + m[5];
    float* o = dst + size_t(y) * width * 3;
    for (int x = 0; x < width; x++, o += 3) {
      // Positions in double: float positions measured slightly further from MediaPipe on
      // tracked clips (docs/parity.md), weights in float as a texture unit's.
      const double sx = rowX + m[0] * x, sy = rowY + m[3] * x;
      const double fx0 = std::floor(sx), fy0 = std::floor(sy);
      const float ax = float(sx - fx0), ay = float(sy - fy0);
      const int x0 = int(fx0), y0 = int(fy0);
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) {
        // All four taps inside: the common case, no border logic.
        const uint8_t* p00 = base + size_t(y0) * stride + size_t(x0) * 3;
        const uint8_t* p10 = p00 + stride;
        const float w00 = (1.f - ax) * (1.f - ay), w01 = ax * (1.f - ay), w10 = (1.f - ax) * ay, w11 = ax * ay;
        for (int c = 0; c < 3; c++)
          o[c] = (w00 * p00[c] + w01 * p00[3 + c] + w10 * p10[c] + w11 * p10[3 + c]) * scale + offset;
        continue;
      }
      float acc[3] = {0.f, 0.f, 0.f};
      for (int k = 0; k < 4; k++) {
        int px = x0 + (k & 1), py = y0 + (k >> 1);
        const float w = ((k & 1) ? ax : 1.f - ax) * ((k >> 1) ? ay : 1.f - ay);
        if (px < 0 || px >= W || py < 0 || py >= H) {
          if (zeroBorder) continue;
          px = std::clamp(px, 0, W - 1);
          py = std::clamp(py, 0, H - 1);
        }
        const uint8_t* p = base + size_t(py) * stride + size_t(px) * 3;
        acc[0] += w * p[0];
        acc[1] += w * p[1];
        acc[2] += w * p[2];
      }
      o[0] = acc[0] * scale + offset;
      o[1] = acc[1] * scale + offset;
      o[2] = acc[2] * scale + offset;
    }
  }
}

}  // namespace

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
  const float scale = (rangeMax_ - rangeMin_) / (255.0f - 0.0f);
  const float offset = rangeMin_ - 0.0f * scale;
  if (!cpuCorners_) {
    // Pixel centres: corners are continuous positions (pixel i spans [i, i+1]) on both sides,
    // sampling works on indices (pixel i at i), so both point sets move by -0.5.
    srcPoints -= cv::Scalar(0.5f);
    for (float& c : dstCorners) c -= 0.5f;
    cv::Mat dstPoints(4, 2, CV_32F, dstCorners);
    cv::Mat toDst = cv::getPerspectiveTransform(srcPoints, dstPoints);  // CV_64F, affine here
    cv::Mat toSrc = toDst.inv();
    const double* r = toSrc.ptr<double>();
    const double m[6] = {r[0] / r[8], r[1] / r[8], r[2] / r[8], r[3] / r[8], r[4] / r[8], r[5] / r[8]};
    WarpBilinearFloat(rgb, m, width_, height_, border_ == BorderMode::kZero, scale, offset, dst);
    return;
  }
  cv::Mat dstPoints(4, 2, CV_32F, dstCorners);
  cv::Mat projection = cv::getPerspectiveTransform(srcPoints, dstPoints);
  cv::warpPerspective(rgb, warped_, projection, cv::Size(width_, height_), cv::INTER_LINEAR,
                      border_ == BorderMode::kZero ? cv::BORDER_CONSTANT : cv::BORDER_REPLICATE);
  cv::Mat out(height_, width_, CV_32FC3, dst);
  warped_.convertTo(out, CV_32FC3, scale, offset);
}

}  // namespace theval::face
