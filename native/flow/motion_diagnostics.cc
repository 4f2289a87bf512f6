#include "flow/motion_diagnostics.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <opencv2/imgproc.hpp>

#include "flow/flow_math.h"

namespace theval::flow {

namespace {

constexpr int kPoints = 468;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

bool HasFace(const float* lm) { return lm && !std::isnan(lm[0]) && !std::isnan(lm[1]); }

// Landmark extent in pixels.
void Extent(const float* lm, int W, int H, float* x0, float* y0, float* x1, float* y1) {
  *x0 = *x1 = lm[0] * W;
  *y0 = *y1 = lm[1] * H;
  for (int i = 1; i < kPoints; i++) {
    *x0 = std::min(*x0, lm[3 * i] * W);
    *x1 = std::max(*x1, lm[3 * i] * W);
    *y0 = std::min(*y0, lm[3 * i + 1] * H);
    *y1 = std::max(*y1, lm[3 * i + 1] * H);
  }
}

cv::Mat ToFloat(const cv::Mat& m) {
  cv::Mat f;
  m.convertTo(f, CV_32F);
  return f;
}

}  // namespace

MotionDiagnostics::MotionDiagnostics(int width, int height, const MotionParams& params)
    : w_(width), h_(height), p_(params) {
  const double s = double(p_.frameSize) / std::max(width, height);
  small_ = s < 1.0 ? cv::Size(std::max(1, int(std::lround(width * s))), std::max(1, int(std::lround(height * s))))
                   : cv::Size(width, height);
  prevRgb_.resize(size_t(width) * height * 3);
  prevLandmarks_.assign(kPoints * 3, kNaN);
}

bool MotionDiagnostics::FaceRegion(const float* lm, int W, int H, cv::Rect* out) {
  if (!HasFace(lm)) return false;
  float x0, y0, x1, y1;
  Extent(lm, W, H, &x0, &y0, &x1, &y1);
  // Square around the landmarks, 25% margin on each side, clipped to the frame.
  const float cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, side = std::max(x1 - x0, y1 - y0) * 1.5f;
  const int rx0 = std::max(0, int(std::floor(cx - side / 2))), ry0 = std::max(0, int(std::floor(cy - side / 2)));
  const int rx1 = std::min(W, int(std::ceil(cx + side / 2))), ry1 = std::min(H, int(std::ceil(cy + side / 2)));
  if (rx1 - rx0 < 8 || ry1 - ry0 < 8) return false;
  *out = cv::Rect(rx0, ry0, rx1 - rx0, ry1 - ry0);
  return true;
}

float MotionDiagnostics::FaceWarp(const cv::Mat& prevGrey, const cv::Mat& grey, const float* lm, float* faceMotion) {
  *faceMotion = kNaN;
  cv::Rect r;
  if (!FaceRegion(lm, w_, h_, &r)) return kNaN;
  const int F = p_.faceSize;
  cv::Mat a8, b8;
  cv::resize(prevGrey(r), a8, cv::Size(F, F), 0, 0, cv::INTER_AREA);
  cv::resize(grey(r), b8, cv::Size(F, F), 0, 0, cv::INTER_AREA);
  const cv::Mat a = ToFloat(a8), b = ToFloat(b8);
  const size_t n = size_t(F) * F;
  fu_.resize(n), fv_.resize(n), bu_.resize(n), bv_.resize(n);
  flow_.Compute(a.ptr<float>(), b.ptr<float>(), F, F, p_.flow, fu_.data(), fv_.data());
  flow_.Compute(b.ptr<float>(), a.ptr<float>(), F, F, p_.flow, bu_.data(), bv_.data());

  // The face: convex hull of t-1's landmarks in crop coordinates.
  std::vector<cv::Point> pts(kPoints), hull;
  const float sx = float(F) / r.width, sy = float(F) / r.height;
  for (int i = 0; i < kPoints; i++)
    pts[i] = cv::Point(int(std::lround((lm[3 * i] * w_ - r.x) * sx)), int(std::lround((lm[3 * i + 1] * h_ - r.y) * sy)));
  cv::convexHull(pts, hull);
  cv::Mat mask = cv::Mat::zeros(F, F, CV_8U);
  cv::fillConvexPoly(mask, hull, cv::Scalar(1));

  double err = 0, mag = 0;
  int64_t inside = 0, used = 0;
  const float* A = a.ptr<float>();
  const float* B = b.ptr<float>();
  for (int y = 0; y < F; y++)
    for (int x = 0; x < F; x++) {
      if (!mask.at<uint8_t>(y, x)) continue;
      const size_t i = size_t(y) * F + x;
      inside++;
      mag += std::sqrt(double(fu_[i]) * fu_[i] + double(fv_[i]) * fv_[i]);
      const float tx = float(x) + fu_[i], ty = float(y) + fv_[i];
      if (tx < 0 || ty < 0 || tx > float(F - 1) || ty > float(F - 1)) continue;  // left the crop
      const float bu = Bilinear(bu_.data(), F, F, tx, ty), bv = Bilinear(bv_.data(), F, F, tx, ty);
      if (FbInconsistent(fu_[i], fv_[i], bu, bv)) continue;  // occluded or unreliable
      err += std::fabs(double(A[i]) - Bilinear(B, F, F, tx, ty));
      used++;
    }
  if (inside == 0) return kNaN;
  *faceMotion = float(mag / inside / sx);  // back to pixels of the original frame
  return used * 10 >= inside ? float(err / used) : kNaN;
}

float MotionDiagnostics::Background(const cv::Mat& small, const float* lm) {
  if (!HasFace(lm)) return kNaN;
  const int sw = small_.width, sh = small_.height;
  const size_t n = size_t(sw) * sh;
  su_.resize(n), sv_.resize(n);
  const cv::Mat a = ToFloat(prevSmall_), b = ToFloat(small);
  flow_.Compute(a.ptr<float>(), b.ptr<float>(), sw, sh, p_.flow, su_.data(), sv_.data());
  // The head, dilated by half its size sideways and upwards, and everything below it (neck,
  // torso) is not background.
  float x0, y0, x1, y1;
  Extent(lm, w_, h_, &x0, &y0, &x1, &y1);
  const float bw = x1 - x0, bh = y1 - y0, k = float(sw) / w_;
  const float ex0 = (x0 - 0.5f * bw) * k, ex1 = (x1 + 0.5f * bw) * k, ey0 = (y0 - 0.5f * bh) * k;
  double mag = 0;
  int64_t count = 0;
  for (int y = 0; y < sh; y++)
    for (int x = 0; x < sw; x++) {
      if (float(x) >= ex0 && float(x) <= ex1 && float(y) >= ey0) continue;
      const size_t i = size_t(y) * sw + x;
      mag += std::sqrt(double(su_[i]) * su_[i] + double(sv_[i]) * sv_[i]);
      count++;
    }
  if (count * 20 < int64_t(n)) return kNaN;  // under 5% of the frame is background
  return float(mag / count / k);
}

MotionFrame MotionDiagnostics::Push(const uint8_t* rgb, const float* landmarks) {
  MotionFrame out{kNaN, kNaN, kNaN, kNaN};
  const size_t bytes = size_t(w_) * h_ * 3;
  const cv::Mat frame(h_, w_, CV_8UC3, const_cast<uint8_t*>(rgb));
  cv::Mat grey, small;
  cv::cvtColor(frame, grey, cv::COLOR_RGB2GRAY);
  if (small_ == grey.size())
    small = grey;
  else
    cv::resize(grey, small, small_, 0, 0, cv::INTER_AREA);
  if (havePrev_) {
    uint64_t sad = 0;
    const uint8_t* p = prevRgb_.data();
    for (size_t i = 0; i < bytes; i++) sad += uint64_t(std::abs(int(rgb[i]) - int(p[i])));
    out.frameDiff = float(double(sad) / double(bytes));
    out.warpError = FaceWarp(prevGrey_, grey, prevLandmarks_.data(), &out.faceMotion);
    out.bgMotion = Background(small, prevLandmarks_.data());
  }
  std::memcpy(prevRgb_.data(), rgb, bytes);
  if (landmarks)
    std::memcpy(prevLandmarks_.data(), landmarks, sizeof(float) * kPoints * 3);
  else
    std::fill(prevLandmarks_.begin(), prevLandmarks_.end(), kNaN);
  prevGrey_ = grey;
  prevSmall_ = small.data == grey.data ? grey.clone() : small;
  havePrev_ = true;
  return out;
}

}  // namespace theval::flow
