#include "face/image_to_tensor.h"

#include "cuda/crop_hd.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define THEVAL_WARP_AVX2 1
#endif

namespace theval::face {

namespace {

// Bilinear sampling in float at pixel centres, as MediaPipe's GPU converter samples a texture:
// the crop keeps sub-8-bit precision (no rounding of sample positions to 1/32 px, no rounding
// of the interpolated value to 8 bits, both of which cv::warpPerspective does on 8-bit input).
// m: the 2x3 affine map from output pixel indices to source pixel indices. One output pixel,
// every case (inside, border, outside): the definition of the crop; Warp8 below is its fast
// path for groups of pixels whose taps are all inside.
inline void WarpPixel(const uint8_t* base, size_t stride, int W, int H, const double* m, double rowX, double rowY,
                      int x, bool zeroBorder, float scale, float offset, float* o) {
  // Positions in double: float positions measured slightly further from MediaPipe on
  // tracked clips (docs/parity.md), weights in float as a texture unit's. The arithmetic is
  // the CUDA crop's (cuda/crop_hd.h), so host and device crops are one definition.
  cuda::CropPixelInRow(base, stride, W, H, m, rowX, rowY, x, zeroBorder, scale, offset, o);
}

#if defined(THEVAL_WARP_AVX2)
#define THEVAL_AVX2 __attribute__((target("avx2")))

// Positions of 4 consecutive output pixels (x .. x+3) in double, as WarpPixel computes them
// (rowX + m[0] * x: a multiply then an add, never fused: this target has no FMA).
THEVAL_AVX2 inline __m256d Positions(double row, double step, int x) {
  const __m256d xs = _mm256_add_pd(_mm256_set1_pd(double(x)), _mm256_set_pd(3, 2, 1, 0));
  return _mm256_add_pd(_mm256_set1_pd(row), _mm256_mul_pd(_mm256_set1_pd(step), xs));
}

// 8 output pixels at once when all their taps are inside the frame, bit-identical to
// WarpPixel: the same double positions, the same float weights, the same order of float
// multiplies and adds per channel (lanes are pixels, so nothing is reassociated). Each tap's
// three bytes come from one 32-bit gather; the 4th byte read belongs to the next pixel or
// row, so a group whose last tap is the frame's last pixel goes to WarpPixel (never read past
// the buffer). Returns false when the group needs WarpPixel.
THEVAL_AVX2 bool Warp8(const uint8_t* base, size_t stride, int W, int H, const double* m, double rowX, double rowY,
                       int x, float scale, float offset, float* o) {
  const __m256d sxA = Positions(rowX, m[0], x), sxB = Positions(rowX, m[0], x + 4);
  const __m256d syA = Positions(rowY, m[3], x), syB = Positions(rowY, m[3], x + 4);
  const __m256d fxA = _mm256_floor_pd(sxA), fxB = _mm256_floor_pd(sxB);
  const __m256d fyA = _mm256_floor_pd(syA), fyB = _mm256_floor_pd(syB);
  // Inside test in double before any int conversion (a position far outside would overflow).
  const __m256d lo = _mm256_setzero_pd();
  const __m256d hiX = _mm256_set1_pd(double(W - 2)), hiY = _mm256_set1_pd(double(H - 2));
  const __m256d okA = _mm256_and_pd(_mm256_and_pd(_mm256_cmp_pd(fxA, lo, _CMP_GE_OQ), _mm256_cmp_pd(fxA, hiX, _CMP_LE_OQ)),
                                    _mm256_and_pd(_mm256_cmp_pd(fyA, lo, _CMP_GE_OQ), _mm256_cmp_pd(fyA, hiY, _CMP_LE_OQ)));
  const __m256d okB = _mm256_and_pd(_mm256_and_pd(_mm256_cmp_pd(fxB, lo, _CMP_GE_OQ), _mm256_cmp_pd(fxB, hiX, _CMP_LE_OQ)),
                                    _mm256_and_pd(_mm256_cmp_pd(fyB, lo, _CMP_GE_OQ), _mm256_cmp_pd(fyB, hiY, _CMP_LE_OQ)));
  if ((_mm256_movemask_pd(okA) & _mm256_movemask_pd(okB)) != 0xF) return false;
  const __m256i x0 = _mm256_set_m128i(_mm256_cvttpd_epi32(fxB), _mm256_cvttpd_epi32(fxA));
  const __m256i y0 = _mm256_set_m128i(_mm256_cvttpd_epi32(fyB), _mm256_cvttpd_epi32(fyA));
  // The last tap (x0 + 1, y0 + 1) at the frame's last pixel: its 4-byte read would pass the end.
  const __m256i last = _mm256_and_si256(_mm256_cmpeq_epi32(x0, _mm256_set1_epi32(W - 2)),
                                        _mm256_cmpeq_epi32(y0, _mm256_set1_epi32(H - 2)));
  if (!_mm256_testz_si256(last, last)) return false;
  const __m256 ax = _mm256_set_m128(_mm256_cvtpd_ps(_mm256_sub_pd(sxB, fxB)), _mm256_cvtpd_ps(_mm256_sub_pd(sxA, fxA)));
  const __m256 ay = _mm256_set_m128(_mm256_cvtpd_ps(_mm256_sub_pd(syB, fyB)), _mm256_cvtpd_ps(_mm256_sub_pd(syA, fyA)));
  const __m256 one = _mm256_set1_ps(1.f);
  const __m256 bx = _mm256_sub_ps(one, ax), by = _mm256_sub_ps(one, ay);
  const __m256 w00 = _mm256_mul_ps(bx, by), w01 = _mm256_mul_ps(ax, by), w10 = _mm256_mul_ps(bx, ay),
               w11 = _mm256_mul_ps(ax, ay);
  // Byte offsets fit in 32 bits: frames are far below 2 GB (the decoder's size limits).
  const __m256i off00 = _mm256_add_epi32(_mm256_mullo_epi32(y0, _mm256_set1_epi32(int(stride))),
                                         _mm256_mullo_epi32(x0, _mm256_set1_epi32(3)));
  const __m256i off10 = _mm256_add_epi32(off00, _mm256_set1_epi32(int(stride)));
  const int* b = reinterpret_cast<const int*>(base);
  const __m256i t00 = _mm256_i32gather_epi32(b, off00, 1);
  const __m256i t01 = _mm256_i32gather_epi32(b, _mm256_add_epi32(off00, _mm256_set1_epi32(3)), 1);
  const __m256i t10 = _mm256_i32gather_epi32(b, off10, 1);
  const __m256i t11 = _mm256_i32gather_epi32(b, _mm256_add_epi32(off10, _mm256_set1_epi32(3)), 1);
  const __m256i mask = _mm256_set1_epi32(0xFF);
  const __m256 vs = _mm256_set1_ps(scale), vo = _mm256_set1_ps(offset);
  alignas(32) float ch[3][8];
  for (int c = 0; c < 3; c++) {
    const __m128i shift = _mm_cvtsi32_si128(8 * c);
    const __m256 p00 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srl_epi32(t00, shift), mask));
    const __m256 p01 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srl_epi32(t01, shift), mask));
    const __m256 p10 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srl_epi32(t10, shift), mask));
    const __m256 p11 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srl_epi32(t11, shift), mask));
    __m256 acc = _mm256_mul_ps(w00, p00);
    acc = _mm256_add_ps(acc, _mm256_mul_ps(w01, p01));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(w10, p10));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(w11, p11));
    _mm256_store_ps(ch[c], _mm256_add_ps(_mm256_mul_ps(acc, vs), vo));
  }
  for (int k = 0; k < 8; k++) {
    o[3 * k] = ch[0][k];
    o[3 * k + 1] = ch[1][k];
    o[3 * k + 2] = ch[2][k];
  }
  return true;
}

bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

void WarpBilinearFloat(const cv::Mat& rgb, const double* m, int width, int height, bool zeroBorder, float scale,
                       float offset, bool allowSimd, float* dst) {
  const int W = rgb.cols, H = rgb.rows;
  const size_t stride = rgb.step[0];
  const uint8_t* base = rgb.data;
#if defined(THEVAL_WARP_AVX2)
  const bool simd = allowSimd && HasAvx2() && W >= 2 && H >= 2 && rgb.step[0] * size_t(H) < (size_t(1) << 31);
#else
  const bool simd = false;
  (void)allowSimd;
#endif
  for (int y = 0; y < height; y++) {
    double rowX, rowY;
    cuda::CropRowOrigin(m, y, &rowX, &rowY);
    float* o = dst + size_t(y) * width * 3;
    int x = 0;
#if defined(THEVAL_WARP_AVX2)
    if (simd)
      for (; x + 8 <= width; x += 8, o += 24)
        if (!Warp8(base, stride, W, H, m, rowX, rowY, x, scale, offset, o))
          for (int k = 0; k < 8; k++) WarpPixel(base, stride, W, H, m, rowX, rowY, x + k, zeroBorder, scale, offset, o + 3 * k);
#endif
    for (; x < width; x++, o += 3) WarpPixel(base, stride, W, H, m, rowX, rowY, x, zeroBorder, scale, offset, o);
  }
}

}  // namespace

void ImageToTensor::Convert(const cv::Mat& rgb, const RotatedRect& roi, float* dst, double* dstToSrc) {
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
    if (dstToSrc) std::copy(m, m + 6, dstToSrc);
    WarpBilinearFloat(rgb, m, width_, height_, border_ == BorderMode::kZero, scale, offset, simd_, dst);
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
