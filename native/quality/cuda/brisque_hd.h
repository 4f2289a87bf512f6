// BRISQUE's per-element arithmetic, written once for CUDA kernels and the host emulation,
// following OpenCV's QualityBRISQUE (opencv_contrib quality module, 4.6) step by step:
// grey/255 in float, INTER_CUBIC half-size resize, 7x7 Gaussian (sigma 7/6, replicated
// border) for the local mean and variance, MSCN = (x - mu) / (sigma + 1/255), AGGD fits of
// the MSCN image and its four neighbour products, features scaled to [-1, 1], RBF SVR.
// Where OpenCV's SIMD path uses fused multiply-adds (the separable filter), so do we: the
// variance sigma^2 = blur(x^2) - mu^2 cancels, and the rounding order shows in the score.
#pragma once

#include <cmath>
#include <cstdint>

#include "common/hd.h"

namespace theval::quality::cuda {

constexpr int kGaussTaps = 7;


THEVAL_HD float GreyUnit(uint8_t v) { return MulRn(float(v), float(1.0 / 255.0)); }

THEVAL_HD int ClampIndex(int i, int n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

// OpenCV's interpolateCubic (A = -0.75), in float.
THEVAL_HD void CubicCoeffs(float x, float c[4]) {
  const float A = -0.75f, x1 = AddRn(x, 1.f), y = AddRn(1.f, -x);
  c[0] = AddRn(MulRn(AddRn(MulRn(AddRn(MulRn(A, x1), -5 * A), x1), 8 * A), x1), -4 * A);
  c[1] = AddRn(MulRn(MulRn(AddRn(MulRn(A + 2, x), -(A + 3)), x), x), 1.f);
  c[2] = AddRn(MulRn(MulRn(AddRn(MulRn(A + 2, y), -(A + 3)), y), y), 1.f);
  c[3] = AddRn(AddRn(AddRn(1.f, -c[0]), -c[1]), -c[2]);
}

// Source position of destination pixel d for a resize by `scale` (src/dst), as cv::resize.
THEVAL_HD void CubicSource(int d, double scale, int& s, float c[4]) {
  float f = float((d + 0.5) * scale - 0.5);
  s = int(floorf(f));
  f -= float(s);
  CubicCoeffs(f, c);
}

// Horizontal pass: row y of src (sw wide) at destination column dx.
THEVAL_HD float CubicRowAt(const float* src, int sw, int y, int dx, double scaleX) {
  int sx;
  float c[4];
  CubicSource(dx, scaleX, sx, c);
  const float* r = src + size_t(y) * sw;
  // HResizeCubic: left to right, no FMA.
  float s = MulRn(r[ClampIndex(sx - 1, sw)], c[0]);
  s = AddRn(s, MulRn(r[ClampIndex(sx, sw)], c[1]));
  s = AddRn(s, MulRn(r[ClampIndex(sx + 1, sw)], c[2]));
  return AddRn(s, MulRn(r[ClampIndex(sx + 2, sw)], c[3]));
}

// Vertical pass over the horizontally resized rows (dw wide, sh rows).
THEVAL_HD float CubicColAt(const float* rows, int dw, int sh, int dy, int dx, double scaleY) {
  int sy;
  float c[4];
  CubicSource(dy, scaleY, sy, c);
  const float s0 = rows[size_t(ClampIndex(sy - 1, sh)) * dw + dx], s1 = rows[size_t(ClampIndex(sy, sh)) * dw + dx],
              s2 = rows[size_t(ClampIndex(sy + 1, sh)) * dw + dx], s3 = rows[size_t(ClampIndex(sy + 2, sh)) * dw + dx];
  // VResizeCubicVec_32f: v_muladd nested from the last row, unfused (OpenCV's resize is not
  // built for AVX2), on 4 lanes; the columns past the last full group of 4 take the scalar
  // loop, first row first. Bit-exact with cv::resize on real images, checked stage by stage.
  if (dx >= dw - dw % 4) return AddRn(AddRn(AddRn(MulRn(s0, c[0]), MulRn(s1, c[1])), MulRn(s2, c[2])), MulRn(s3, c[3]));
  return AddRn(MulRn(s0, c[0]), AddRn(MulRn(s1, c[1]), AddRn(MulRn(s2, c[2]), MulRn(s3, c[3]))));
}

// Separable 7-tap Gaussian, replicated border. Row pass: accumulate tap by tap (fma), as
// OpenCV's RowVec_32f; column pass: the symmetric form k0*c + sum k_i (up_i + down_i).
THEVAL_HD float GaussRowAt(const float* src, int w, int y, int x, const float* k, bool squared) {
  const float* r = src + size_t(y) * w;
  float s = 0.f;
  for (int t = 0; t < kGaussTaps; t++) {
    float v = r[ClampIndex(x + t - kGaussTaps / 2, w)];
    if (squared) v = MulRn(v, v);
    s = fmaf(v, k[t], s);
  }
  return s;
}

THEVAL_HD float GaussColAt(const float* tmp, int w, int h, int y, int x, const float* k) {
  const int c = kGaussTaps / 2;
  float s = fmaf(tmp[size_t(y) * w + x], k[c], 0.f);
  for (int t = 1; t <= c; t++)
    s = fmaf(AddRn(tmp[size_t(ClampIndex(y - t, h)) * w + x], tmp[size_t(ClampIndex(y + t, h)) * w + x]), k[c + t], s);
  return s;
}

// MSCN coefficient from the pixel, its local mean and the blurred square.
THEVAL_HD float MscnAt(float x, float mu, float blurSq) {
  const float sigma = AddRn(sqrtf(AddRn(blurSq, -MulRn(mu, mu))), float(1.0 / 255.0));
  return (x - mu) / sigma;
}

// MSCN times its neighbour at (dy, dx); 0 where the neighbour is outside (as OpenCV).
THEVAL_HD float PairProductAt(const float* m, int w, int h, int y, int x, int dy, int dx) {
  const int yy = y + dy, xx = x + dx;
  const float n = (yy >= 0 && yy < h && xx >= 0 && xx < w) ? m[size_t(yy) * w + xx] : 0.f;
  return MulRn(m[size_t(y) * w + x], n);
}

// Sums an AGGD fit needs, per element, added in double (as cv::sum does for float images:
// equal to 1e-16 relative on real images).
struct AggdSums {
  double posSq = 0, negSq = 0, abs = 0;
  long long pos = 0, neg = 0, total = 0;
};

THEVAL_HD float PosPart(float v) { return v > 0.f ? v : 0.f; }
THEVAL_HD float NegPart(float v) { return v < 0.f ? v : 0.f; }
THEVAL_HD float AbsPatched(float v) {  // cv::abs then patchNaNs
  const float a = fabsf(v);
  return a == a ? a : 0.f;
}

THEVAL_HD void AggdAccumulate(AggdSums& s, float v) {
  const float p = PosPart(v), n = NegPart(v);
  s.posSq += double(MulRn(p, p));
  s.negSq += double(MulRn(n, n));
  s.abs += double(AbsPatched(v));
  s.pos += p != 0.f;
  s.neg += n != 0.f;
  s.total++;
}

// OpenCV's AGGDfit from the sums: sigmas, then gamma by the 0.001-step search.
THEVAL_HD void AggdFit(const AggdSums& s, double& lsigma, double& rsigma, double& gamma) {
  lsigma = pow(s.negSq / double(s.neg), 0.5);
  rsigma = pow(s.posSq / double(s.pos), 0.5);
  const double gh = lsigma / rsigma;
  const double total = double(s.total);
  const double rhat = pow(s.abs / total, 2.0) / ((s.negSq + s.posSq) / total);
  const double rhatnorm = rhat * (pow(gh, 3) + 1) * (gh + 1) / pow(pow(gh, 2) + 1, 2);
  double prevgamma = 0, prevdiff = 1e10;
  for (double g = 0.2; g < 10; g += 0.001) {
    const double r = tgamma(2 / g) * tgamma(2 / g) / (tgamma(1 / g) * tgamma(3 / g));
    const double diff = fabs(r - rhatnorm);
    if (diff > prevdiff) break;
    prevdiff = diff;
    prevgamma = g;
  }
  gamma = prevgamma;
}

THEVAL_HD float AggdMeanParam(double lsigma, double rsigma, double gamma) {
  const double constant = sqrt(tgamma(1 / gamma)) / sqrt(tgamma(3 / gamma));
  return float((rsigma - lsigma) * (tgamma(2 / gamma) / tgamma(1 / gamma)) * constant);
}

// Feature scaled to [-1, 1] by the range file's min/max (float, as quality_utils::scale).
THEVAL_HD float ScaleFeature(float v, float lo, float hi) { return AddRn(-1.f, MulRn(2.f, AddRn(v, -lo)) / AddRn(hi, -lo)); }

// cv::exp for float, as OpenCV's SIMD exp32f computes it (a 64-entry table of 2^(j/64)
// times a polynomial, FMA steps as in its AVX2 build), so the SVR's 774 kernel values,
// weighted by alphas up to 1024, round as OpenCV's do. `table` is ExpTable()'s.
constexpr double kExpPolyA0 = .9670371139572337719125840413672004409288e-2;

THEVAL_HD float ExpCv(float x, const float* table) {
  const double prescale = 1.4426950408889634073599246810019 * 64, maxv = 3000. * 64;
  const float minval = float(-maxv / prescale), maxval = float(maxv / prescale);
  const float A4 = float(1.000000000000002438532970795181890933776 / kExpPolyA0),
              A3 = float(.6931471805521448196800669615864773144641 / kExpPolyA0),
              A2 = float(.2402265109513301490103372422686535526573 / kExpPolyA0),
              A1 = float(.5550339366753125211915322047004666939128e-1 / kExpPolyA0);
  float xf = fminf(fmaxf(x, minval), maxval);
  xf = MulRn(xf, float(prescale));
  const int xi = int(rintf(xf));  // round half to even, as _mm_cvtps_epi32
  xf = MulRn(AddRn(xf, -float(xi)), float(1. / 64));
  float y = table[xi & 63];
  int e = (xi >> 6) + 127;
  e = e < 0 ? 0 : (e > 255 ? 255 : e);
  union {
    int32_t i;
    float f;
  } scale;
  scale.i = e << 23;
  y = MulRn(y, scale.f);
  float z = AddRn(xf, A1);
  z = fmaf(z, xf, A2);
  z = fmaf(z, xf, A3);
  z = fmaf(z, xf, A4);
  return MulRn(z, y);
}

// One RBF kernel value exp(-gamma |x - sv|^2) as OpenCV's SVM computes it: differences in
// float, squares summed in double two at a time, the product rounded to float before exp.
THEVAL_HD float RbfAt(const float* x, const float* sv, int n, double gamma, const float* expTable) {
  double s = 0;
  int k = 0;
  for (; k + 4 <= n; k += 4) {
    double t0 = double(sv[k] - x[k]), t1 = double(sv[k + 1] - x[k + 1]);
    s += t0 * t0 + t1 * t1;
    t0 = double(sv[k + 2] - x[k + 2]);
    t1 = double(sv[k + 3] - x[k + 3]);
    s += t0 * t0 + t1 * t1;
  }
  for (; k < n; k++) {
    const double t0 = double(sv[k] - x[k]);
    s += t0 * t0;
  }
  return ExpCv(float(s * -gamma), expTable);
}

}  // namespace theval::quality::cuda
