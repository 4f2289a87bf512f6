// BRISQUE features with the arithmetic of the OpenCV 4.6 build this addon links (Debian's
// libopencv_quality.so.4.6.0, which Python's cv2 loads too); see brisque_features.h.
// Kept as OpenCV calls: the 8-bit -> float conversion, the INTER_CUBIC resize and the two
// 7x7 Gaussian blurs per scale (their SIMD kernels are not something to re-derive).
// Rewritten: every element-wise step of the MSCN image (one IEEE float operation each, so
// fusing them changes no bit), the AGGD sums (brisque_streams.cc: the same sequential
// double additions, five streams in one pass, no temporary matrices), the pairwise
// products (no zero-padded shifted copy filled with at<>), and the gamma search (the grid
// of r(gamma) is built once per process instead of up to ~40,000 tgamma() calls per fit).
//
// Why the sums are not the opencv_contrib source's cv::max / cv::sum / cv::countNonZero:
// the shipped machine code of AGGDfit is a single loop (see brisque_streams.h for what it
// adds); the two give different last bits, and only the shipped one matches cv2.
#include "quality/brisque_features.h"

#include "quality/brisque_streams.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// The float steps below must round exactly like OpenCV's separate cv::multiply /
// cv::subtract / cv::pow / cv::add / cv::divide calls: no fused multiply-add.
// (Matters where FMA is in the baseline, e.g. aarch64; x86-64 builds have none anyway.)
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace theval {
namespace quality {

namespace {

// ---- the gamma grid of AGGDfit ------------------------------------------------------------
// OpenCV walks gam = 0.2, 0.2 + 0.001, ... (< 10) and stops at the first grid point whose
// |r(gam) - rhatnorm| is larger than the previous one's. The grid and r(gam) do not depend
// on the image, so they are computed once, with the same expressions in the same order.
struct GammaTable {
  std::vector<double> gam, r;
  bool increasing = true;  // r strictly increasing: lets the search start near the answer
};

const GammaTable& Table() {
  static const GammaTable table = [] {
    GammaTable t;
    double sampling = 0.001;
    for (double gam = 0.2; gam < 10; gam += sampling) {
      t.gam.push_back(gam);
      t.r.push_back(tgamma(2 / gam) * tgamma(2 / gam) / (tgamma(1 / gam) * tgamma(3 / gam)));
    }
    for (size_t k = 1; k < t.r.size(); ++k)
      if (!(t.r[k] > t.r[k - 1])) t.increasing = false;
    return t;
  }();
  return table;
}

// The rest of AGGDfit, expression for expression.
void AggdFit(const AggdSums& s, long totalcount, double& lsigma_best, double& rsigma_best, double& gamma_best) {
  lsigma_best = std::pow(s.negsq / s.neg, 0.5);
  rsigma_best = std::pow(s.possq / s.pos, 0.5);
  double gammahat = lsigma_best / rsigma_best;
  double rhat = std::pow(s.abssum / totalcount, static_cast<double>(2)) / ((s.negsq + s.possq) / totalcount);
  double rhatnorm = rhat * (std::pow(gammahat, 3) + 1) * (gammahat + 1) / std::pow(std::pow(gammahat, 2) + 1, 2);
  gamma_best = BrisqueGammaForRatio(rhatnorm);
}

// One row of the MSCN image: (x - mu) / (sqrt(blur(x^2) - mu^2) + 1/255), one float
// operation at a time as OpenCV's cv::pow(mu, 2) (= mu * mu), cv::subtract,
// cv::pow(, 0.5) (= sqrt), cv::add(Scalar(1.0 / 255)) (the scalar as float), cv::subtract
// and cv::divide (x / 0 = 0) do it. A negative variance gives NaN, as in OpenCV. Each
// step is a correctly rounded IEEE operation, so four pixels at a time give the same bits.
// Returns whether the row has a NaN.
bool MscnRow(const float* x, const float* m, const float* s2, float* d, int cols) {
  const float kFloor = float(1.0 / 255);
  int j = 0;
  bool nan = false;
#if defined(__SSE2__)
  const __m128 floor4 = _mm_set1_ps(kFloor), zero = _mm_setzero_ps();
  __m128 nan4 = zero;
  for (; j + 4 <= cols; j += 4) {
    const __m128 mv = _mm_loadu_ps(m + j);
    const __m128 var = _mm_sub_ps(_mm_loadu_ps(s2 + j), _mm_mul_ps(mv, mv));
    const __m128 den = _mm_add_ps(_mm_sqrt_ps(var), floor4);
    const __m128 num = _mm_sub_ps(_mm_loadu_ps(x + j), mv);
    const __m128 q = _mm_andnot_ps(_mm_cmpeq_ps(den, zero), _mm_div_ps(num, den));
    _mm_storeu_ps(d + j, q);
    nan4 = _mm_or_ps(nan4, _mm_cmpunord_ps(q, q));
  }
  nan = _mm_movemask_ps(nan4) != 0;
#endif
  for (; j < cols; ++j) {
    const float mm = m[j] * m[j];
    const float var = s2[j] - mm;
    const float den = std::sqrt(var) + kFloor;
    const float num = x[j] - m[j];
    d[j] = den != 0.f ? num / den : 0.f;
    nan |= d[j] != d[j];
  }
  return nan;
}

}  // namespace

double BrisqueGammaForRatio(double rhatnorm) {
  const GammaTable& t = Table();
  const size_t n = t.r.size();
  size_t start = 0;
  // Before the first grid point with r >= rhatnorm the distance only shrinks (r increases),
  // so OpenCV's walk cannot stop there, except at its very first step (prevdiff = 1e10).
  if (t.increasing && !std::isnan(rhatnorm) && !(std::abs(t.r[0] - rhatnorm) > 1e10)) {
    size_t c = size_t(std::lower_bound(t.r.begin(), t.r.end(), rhatnorm) - t.r.begin());
    start = c >= 2 ? c - 2 : 0;
  }
  double prevgamma = start ? t.gam[start - 1] : 0;
  double prevdiff = start ? std::abs(t.r[start - 1] - rhatnorm) : 1e10;
  for (size_t k = start; k < n; ++k) {
    double diff = std::abs(t.r[k] - rhatnorm);
    if (diff > prevdiff) break;
    prevdiff = diff;
    prevgamma = t.gam[k];
  }
  return prevgamma;
}

namespace {
// A cv::Mat header of `size` over `v` (grown when too small). OpenCV writes into a header
// of the right size and type without reallocating.
cv::Mat View(std::vector<float>& v, cv::Size size) {
  if (v.size() < size_t(size.area())) v.resize(size_t(size.area()));
  return cv::Mat(size, CV_32F, v.data());
}
}  // namespace

void ComputeBrisqueFeatures(const cv::Mat& grey, float features[kBrisqueFeatureCount]) {
  BrisqueWorkspace work;
  ComputeBrisqueFeatures(grey, features, work);
}

void ComputeBrisqueFeatures(const cv::Mat& grey, float features[kBrisqueFeatureCount], BrisqueWorkspace& w) {
  CV_Assert(grey.type() == CV_8UC1);
  cv::Mat orig = View(w.orig, grey.size());
  grey.convertTo(orig, CV_32F, 1. / 255.);
  int f = 0;
  for (int itr_scale = 1; itr_scale <= 2; itr_scale++) {
    cv::Size dst_size(int(orig.cols / std::pow(2.0, itr_scale - 1)), int(orig.rows / std::pow(2.0, itr_scale - 1)));
    // cv::resize to the same size is a plain copy (resize.cpp returns src.copyTo(dst)).
    cv::Mat im = orig;
    if (dst_size != orig.size()) {
      im = View(w.half, dst_size);
      cv::resize(orig, im, dst_size, 0, 0, cv::INTER_CUBIC);
    }
    cv::Mat mu = View(w.mu, dst_size), sq = View(w.sq, dst_size), sigma = View(w.sigma, dst_size);
    cv::GaussianBlur(im, mu, cv::Size(7, 7), 7. / 6., 0., cv::BORDER_REPLICATE);
    cv::multiply(im, im, sq);
    cv::GaussianBlur(sq, sigma, cv::Size(7, 7), 7. / 6., 0., cv::BORDER_REPLICATE);

    // MSCN image, then the five AGGD inputs' sums in one pass.
    const int rows = im.rows, cols = im.cols;
    float* mscn = sq.ptr<float>();  // x^2 is no longer needed: its buffer takes the MSCN image
    bool hasNan = false;
    for (int i = 0; i < rows; ++i)
      hasNan |= MscnRow(im.ptr<float>(i), mu.ptr<float>(i), sigma.ptr<float>(i), mscn + size_t(i) * cols, cols);

    AggdSums streams[5];
    BrisqueStreamSums(mscn, rows, cols, hasNan, streams);

    const long total = long(rows) * cols;
    double lsigma_best, rsigma_best, gamma_best;
    AggdFit(streams[0], total, lsigma_best, rsigma_best, gamma_best);
    features[f++] = float(gamma_best);
    features[f++] = (float)(lsigma_best * lsigma_best + rsigma_best * rsigma_best) / 2;
    for (int k = 1; k < 5; ++k) {
      AggdFit(streams[k], total, lsigma_best, rsigma_best, gamma_best);
      double constant = std::sqrt(tgamma(1 / gamma_best)) / std::sqrt(tgamma(3 / gamma_best));
      double meanparam = (rsigma_best - lsigma_best) * (tgamma(2 / gamma_best) / tgamma(1 / gamma_best)) * constant;
      features[f++] = (float)gamma_best;
      features[f++] = (float)meanparam;
      features[f++] = (float)std::pow(lsigma_best, 2);
      features[f++] = (float)std::pow(rsigma_best, 2);
    }
  }
}

}  // namespace quality
}  // namespace theval
