#include "flow/dense_flow.h"

#include <algorithm>
#include <cstring>

#include "flow/flow_math.h"

namespace theval::flow {

namespace {

// Separable box sum (2r+1 taps), horizontal then vertical. Interior pixels are summed tap by
// tap across a whole row (k outer, x inner: the loop the compiler vectorises); each output
// still receives the same elements in the same order, from 0, as BoxSum1D, so every pixel
// equals the per-pixel definition (and the CUDA kernel) exactly. Borders use BoxSum1D.
void BoxSum(const float* src, float* tmp, float* dst, int w, int h) {
  constexpr int r = kWindowRadius;
  for (int y = 0; y < h; y++) {
    const float* s = src + size_t(y) * w;
    float* t = tmp + size_t(y) * w;
    if (w > 2 * r) {
      for (int x = r; x < w - r; x++) t[x] = 0.f;
      for (int k = -r; k <= r; k++)
        for (int x = r; x < w - r; x++) t[x] += s[x + k];
    }
    for (int x = 0; x < std::min(r, w); x++) t[x] = BoxSum1D(src, w, h, x, y, r, 1, 0);
    for (int x = std::max(w - r, r); x < w; x++) t[x] = BoxSum1D(src, w, h, x, y, r, 1, 0);
  }
  for (int y = 0; y < h; y++) {
    float* d = dst + size_t(y) * w;
    if (y >= r && y < h - r) {
      for (int x = 0; x < w; x++) d[x] = 0.f;
      for (int k = -r; k <= r; k++) {
        const float* t = tmp + size_t(y + k) * w;
        for (int x = 0; x < w; x++) d[x] += t[x];
      }
    } else {
      for (int x = 0; x < w; x++) d[x] = BoxSum1D(tmp, w, h, x, y, r, 0, 1);
    }
  }
}

}  // namespace

void DenseFlow::Compute(const float* i0, const float* i1, int w, int h, const FlowParams& p, float* u, float* v) {
  // Pyramid sizes.
  int n = 1;
  {
    int cw = w, ch = h;
    while (n < p.maxLevels && (cw + 1) / 2 >= p.minSide && (ch + 1) / 2 >= p.minSide) {
      cw = (cw + 1) / 2;
      ch = (ch + 1) / 2;
      n++;
    }
  }
  if (int(levels_.size()) < n) levels_.resize(n);
  for (int l = 0, cw = w, ch = h; l < n; l++, cw = (cw + 1) / 2, ch = (ch + 1) / 2) {
    Level& L = levels_[l];
    L.w = cw;
    L.h = ch;
    const size_t px = size_t(cw) * ch;
    for (auto* b : {&L.i0, &L.i1, &L.ix, &L.iy, &L.sxx, &L.sxy, &L.syy, &L.u, &L.v}) b->resize(px);
  }
  const size_t maxPx = size_t(w) * h;
  for (auto* b : {&tmp_, &ixt_, &iyt_, &sxt_, &syt_}) b->resize(maxPx);

  std::memcpy(levels_[0].i0.data(), i0, maxPx * sizeof(float));
  std::memcpy(levels_[0].i1.data(), i1, maxPx * sizeof(float));
  for (int l = 1; l < n; l++) {
    const Level& S = levels_[l - 1];
    Level& D = levels_[l];
    for (int y = 0; y < D.h; y++)
      for (int x = 0; x < D.w; x++) {
        D.i0[size_t(y) * D.w + x] = Downsample2(S.i0.data(), S.w, S.h, x, y);
        D.i1[size_t(y) * D.w + x] = Downsample2(S.i1.data(), S.w, S.h, x, y);
      }
  }

  for (int l = n - 1; l >= 0; l--) {
    Level& L = levels_[l];
    const int lw = L.w, lh = L.h;
    const size_t px = size_t(lw) * lh;
    // Initial flow: zero at the coarsest level, else the coarser level's flow upsampled (x2).
    if (l == n - 1) {
      std::fill(L.u.begin(), L.u.end(), 0.f);
      std::fill(L.v.begin(), L.v.end(), 0.f);
    } else {
      const Level& C = levels_[l + 1];
      for (int y = 0; y < lh; y++)
        for (int x = 0; x < lw; x++) {
          const float cx = (float(x) + 0.5f) * 0.5f - 0.5f, cy = (float(y) + 0.5f) * 0.5f - 0.5f;
          L.u[size_t(y) * lw + x] = 2.f * Bilinear(C.u.data(), C.w, C.h, cx, cy);
          L.v[size_t(y) * lw + x] = 2.f * Bilinear(C.v.data(), C.w, C.h, cx, cy);
        }
    }
    // Structure tensor of i0 (the template's gradients are used at every iteration).
    for (int y = 0; y < lh; y++)
      for (int x = 0; x < lw; x++) {
        L.ix[size_t(y) * lw + x] = GradX(L.i0.data(), lw, x, y);
        L.iy[size_t(y) * lw + x] = GradY(L.i0.data(), lw, lh, x, y);
      }
    for (size_t i = 0; i < px; i++) ixt_[i] = L.ix[i] * L.ix[i];
    BoxSum(ixt_.data(), tmp_.data(), L.sxx.data(), lw, lh);
    for (size_t i = 0; i < px; i++) ixt_[i] = L.ix[i] * L.iy[i];
    BoxSum(ixt_.data(), tmp_.data(), L.sxy.data(), lw, lh);
    for (size_t i = 0; i < px; i++) ixt_[i] = L.iy[i] * L.iy[i];
    BoxSum(ixt_.data(), tmp_.data(), L.syy.data(), lw, lh);

    for (int it = 0; it < p.iterations; it++) {
      for (int y = 0; y < lh; y++)
        for (int x = 0; x < lw; x++) {
          const size_t i = size_t(y) * lw + x;
          const float e = Bilinear(L.i1.data(), lw, lh, float(x) + L.u[i], float(y) + L.v[i]) - L.i0[i];
          const float r = LkTermResidual(L.ix[i], L.iy[i], L.u[i], L.v[i], e);
          ixt_[i] = L.ix[i] * r;
          iyt_[i] = L.iy[i] * r;
        }
      BoxSum(ixt_.data(), tmp_.data(), sxt_.data(), lw, lh);
      BoxSum(iyt_.data(), tmp_.data(), syt_.data(), lw, lh);
      for (size_t i = 0; i < px; i++)
        LkSolve(L.sxx[i], L.sxy[i], L.syy[i], sxt_[i], syt_[i], p.lambda, L.u[i], L.v[i], &L.u[i], &L.v[i]);
    }
  }
  std::memcpy(u, levels_[0].u.data(), maxPx * sizeof(float));
  std::memcpy(v, levels_[0].v.data(), maxPx * sizeof(float));
}

}  // namespace theval::flow
