// BRISQUE features with OpenCV 4.6's arithmetic (see brisque_features.h). What is kept
// from OpenCV: the 8-bit -> float conversion, the INTER_CUBIC half-size resize and the two
// 7x7 Gaussian blurs per scale are OpenCV's own calls (their SIMD kernels are not
// something to re-derive). What is rewritten: every element-wise step (one IEEE float
// operation each, so any order of pixels gives the same bits), the sums (cv::sum's
// accumulation order is reproduced, lane by lane), the pairwise products (no shifted
// copy, no per-pixel at<>), and the gamma search (a table built once).
#include "quality/brisque_features.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// The float steps below must round exactly like OpenCV's separate cv::multiply /
// cv::subtract / cv::pow / cv::add / cv::divide calls: no fused multiply-add.
#pragma GCC optimize("fp-contract=off")

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

// ---- AGGDfit's sums ------------------------------------------------------------------------
// Debian's OpenCV 4.6 build (libopencv_quality.so.4.6.0, what cv2 and this addon load) does
// not run the cv::max / cv::sum / cv::countNonZero version of AGGDfit found in the
// opencv_contrib sources: its machine code is one loop over the image in row-major order
// that, for each float x, takes d = double(x) and, if x > 0, adds d to abssum, d * d (in
// double) to possqsum and counts it; if x < 0, subtracts d from abssum, adds d * d to
// negsqsum and counts it; 0 and NaN add nothing (docs/quality.md). Reproduced as is: same
// elements, same order, same double operations, so the same sums to the last bit.
struct AggdSums {
  double possq = 0, negsq = 0, abssum = 0;
  long pos = 0, neg = 0;

  // Adding +0.0 to a sum that is >= +0 leaves it unchanged, and a - d == a + |d| for d < 0,
  // so "add a masked value" is the same as OpenCV's "if ... add".
  inline void Add(float x) {
    const double d = x;
    const bool p = x > 0, n = x < 0;
    if (p) {
      abssum += d;
      ++pos;
      possq += d * d;
    } else if (n) {
      abssum -= d;
      ++neg;
      negsq += d * d;
    }
  }
};

#if defined(__SSE2__)
// Two AGGD streams side by side, one per double lane (each lane still sees its own stream
// in order, so each lane's sums are exactly AggdSums'). Branch-free: the signs of MSCN
// products are random, and branches on them mispredict half the time.
struct AggdPair {
  __m128d possq = _mm_setzero_pd(), negsq = _mm_setzero_pd(), abssum = _mm_setzero_pd();
  __m128i pos = _mm_setzero_si128(), neg = _mm_setzero_si128();

  inline void Add(__m128d d) {
    const __m128d zero = _mm_setzero_pd();
    const __m128d p = _mm_cmpgt_pd(d, zero), n = _mm_cmplt_pd(d, zero);  // false for NaN
    const __m128d sq = _mm_mul_pd(d, d);
    possq = _mm_add_pd(possq, _mm_and_pd(p, sq));
    negsq = _mm_add_pd(negsq, _mm_and_pd(n, sq));
    const __m128d absd = _mm_andnot_pd(_mm_set1_pd(-0.0), d);
    abssum = _mm_add_pd(abssum, _mm_and_pd(_mm_or_pd(p, n), absd));
    pos = _mm_sub_epi64(pos, _mm_castpd_si128(p));  // mask = -1
    neg = _mm_sub_epi64(neg, _mm_castpd_si128(n));
  }

  AggdSums Lane(int k) const {
    alignas(16) double a[2], b[2], c[2];
    alignas(16) long long pc[2], nc[2];
    _mm_store_pd(a, possq);
    _mm_store_pd(b, negsq);
    _mm_store_pd(c, abssum);
    _mm_store_si128(reinterpret_cast<__m128i*>(pc), pos);
    _mm_store_si128(reinterpret_cast<__m128i*>(nc), neg);
    AggdSums s;
    s.possq = a[k];
    s.negsq = b[k];
    s.abssum = c[k];
    s.pos = long(pc[k]);
    s.neg = long(nc[k]);
    return s;
  }
};
#endif

// The five AGGD inputs of one scale, in one pass over the MSCN image: the image itself
// and its products with the right (H), lower (V), lower-right (D1) and upper-right (D2)
// neighbours, in OpenCV's feature order. OpenCV multiplies by a zero-padded shifted
// copy; a product with the padding is +-0 (or NaN) and adds nothing to any sum or count
// (it still counts in totalcount), so a missing neighbour is read as 0 here.
void FiveStreams(const float* mscn, int rows, int cols, std::vector<float>& zeros, AggdSums out[5]) {
  zeros.assign(size_t(cols) + 1, 0.f);
#if defined(__SSE2__)
  AggdPair s0, hv, dd;  // (MSCN, unused), (H, V), (D1, D2)
#endif
  for (int i = 0; i < rows; ++i) {
    const float* x = mscn + size_t(i) * cols;
    const float* below = i + 1 < rows ? x + cols : zeros.data();
    const float* above = i > 0 ? x - cols : zeros.data();
    for (int j = 0; j < cols; ++j) {
      const float v = x[j];
      const bool right = j + 1 < cols;
      const float r = right ? x[j + 1] : 0.f, b = below[j], br = right ? below[j + 1] : 0.f,
                  ar = right ? above[j + 1] : 0.f;
#if defined(__SSE2__)
      const __m128 prod = _mm_mul_ps(_mm_set1_ps(v), _mm_set_ps(ar, br, b, r));
      s0.Add(_mm_set_sd(double(v)));
      hv.Add(_mm_cvtps_pd(prod));
      dd.Add(_mm_cvtps_pd(_mm_movehl_ps(prod, prod)));
#else
      out[0].Add(v);
      out[1].Add(v * r);
      out[2].Add(v * b);
      out[3].Add(v * br);
      out[4].Add(v * ar);
#endif
    }
  }
#if defined(__SSE2__)
  out[0] = s0.Lane(0);
  out[1] = hv.Lane(0);
  out[2] = hv.Lane(1);
  out[3] = dd.Lane(0);
  out[4] = dd.Lane(1);
#endif
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

void ComputeBrisqueFeatures(const cv::Mat& grey, float features[kBrisqueFeatureCount]) {
  CV_Assert(grey.type() == CV_8UC1);
  cv::Mat orig;
  grey.convertTo(orig, CV_32F, 1. / 255.);
  const float kFloor = float(1.0 / 255);  // cv::add(sigma, Scalar(1.0 / 255)) on CV_32F
  int f = 0;
  std::vector<float> mscn, zeros;
  for (int itr_scale = 1; itr_scale <= 2; itr_scale++) {
    cv::Size dst_size(int(orig.cols / std::pow(2.0, itr_scale - 1)), int(orig.rows / std::pow(2.0, itr_scale - 1)));
    cv::Mat im, mu, sigma;
    cv::resize(orig, im, dst_size, 0, 0, cv::INTER_CUBIC);
    cv::GaussianBlur(im, mu, cv::Size(7, 7), 7. / 6., 0., cv::BORDER_REPLICATE);
    cv::multiply(im, im, sigma);
    cv::GaussianBlur(sigma, sigma, cv::Size(7, 7), 7. / 6., 0., cv::BORDER_REPLICATE);

    // MSCN: (im - mu) / (sqrt(blur(im^2) - mu^2) + 1/255), one float operation at a time,
    // as cv::pow(mu, 2) (= mu * mu), cv::subtract, cv::pow(, 0.5) (= sqrt), cv::add,
    // cv::subtract, cv::divide do it. A negative variance gives NaN, as in OpenCV.
    const int rows = im.rows, cols = im.cols;
    mscn.resize(size_t(rows) * cols);
    for (int i = 0; i < rows; ++i) {
      const float* x = im.ptr<float>(i);
      const float* m = mu.ptr<float>(i);
      const float* s2 = sigma.ptr<float>(i);
      float* d = &mscn[size_t(i) * cols];
      for (int j = 0; j < cols; ++j) {
        const float mm = m[j] * m[j];
        const float var = s2[j] - mm;
        const float den = std::sqrt(var) + kFloor;
        const float num = x[j] - m[j];
        d[j] = den != 0.f ? num / den : 0.f;  // cv::divide: x / 0 = 0 (cannot happen here)
      }
    }

    AggdSums streams[5];
    FiveStreams(mscn.data(), rows, cols, zeros, streams);

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
