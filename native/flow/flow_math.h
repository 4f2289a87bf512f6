// Per-pixel arithmetic of the dense optical flow (pyramidal Lucas-Kanade, see dense_flow.h)
// and of the motion diagnostics. Every function computes ONE output element from its inputs,
// with a fixed order of float operations, so the CPU loops (dense_flow.cc) and the CUDA
// kernels (cuda/dense_flow.cu, one thread per element) give the same numbers. The CUDA side
// is compiled with --fmad=false so that no multiply-add is fused differently from the host.
#pragma once

#include <cmath>

#include "common/hd.h"

namespace theval::flow {

THEVAL_HD int ClampI(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

// Bilinear sample of a w x h float image at (x, y) in pixel units (pixel centres at integers),
// clamped to the border.
THEVAL_HD float Bilinear(const float* img, int w, int h, float x, float y) {
  x = x < 0.f ? 0.f : (x > float(w - 1) ? float(w - 1) : x);
  y = y < 0.f ? 0.f : (y > float(h - 1) ? float(h - 1) : y);
  const int x0 = int(x), y0 = int(y);
  const int x1 = x0 + 1 < w ? x0 + 1 : x0, y1 = y0 + 1 < h ? y0 + 1 : y0;
  const float ax = x - float(x0), ay = y - float(y0);
  const float top = img[y0 * w + x0] * (1.f - ax) + img[y0 * w + x1] * ax;
  const float bot = img[y1 * w + x0] * (1.f - ax) + img[y1 * w + x1] * ax;
  return top * (1.f - ay) + bot * ay;
}

// One pixel of the next pyramid level: a 4 x 4 binomial filter ([1 3 3 1] / 8 on each axis,
// centred between source pixels 2x and 2x+1) then decimation, so the coarse levels are not
// aliased (a plain 2 x 2 mean lets fine texture fold into false coarse motion). Clamped borders.
THEVAL_HD float Downsample2(const float* src, int w, int h, int x, int y) {
  const float k[4] = {0.125f, 0.375f, 0.375f, 0.125f};
  float s = 0.f;
  for (int j = 0; j < 4; j++) {
    const int sy = ClampI(2 * y - 1 + j, 0, h - 1);
    float row = 0.f;
    for (int i = 0; i < 4; i++) row += k[i] * src[sy * w + ClampI(2 * x - 1 + i, 0, w - 1)];
    s += k[j] * row;
  }
  return s;
}

// Central-difference gradient of pixel (x, y), one-sided at the border.
THEVAL_HD float GradX(const float* img, int w, int x, int y) {
  const int xl = x > 0 ? x - 1 : x, xr = x < w - 1 ? x + 1 : x;
  return (img[y * w + xr] - img[y * w + xl]) / float(xr - xl > 0 ? xr - xl : 1);
}
THEVAL_HD float GradY(const float* img, int w, int h, int x, int y) {
  const int yu = y > 0 ? y - 1 : y, yd = y < h - 1 ? y + 1 : y;
  return (img[yd * w + x] - img[yu * w + x]) / float(yd - yu > 0 ? yd - yu : 1);
}

// Box sum of `radius` around (x, y) along one axis (dx, dy = 1, 0 or 0, 1), clamped indices,
// summed in a fixed order from -radius to +radius.
THEVAL_HD float BoxSum1D(const float* src, int w, int h, int x, int y, int radius, int dx, int dy) {
  float s = 0.f;
  for (int k = -radius; k <= radius; k++) {
    const int xx = ClampI(x + k * dx, 0, w - 1), yy = ClampI(y + k * dy, 0, h - 1);
    s += src[yy * w + xx];
  }
  return s;
}

// The Lucas-Kanade step of one pixel, written so that every pixel of the window is compared
// under the CENTRE's flow (linearised: I1(x'+u) ~ I1(x'+u(x')) + grad I . (u - u(x'))), which
// makes the per-pixel (Jacobi) iteration converge to the true LK solution instead of drifting:
//   (A + lambda I) u_new = sum_w grad I (grad I . u(x') - e(x')) + lambda u
// with A = [sxx sxy; sxy syy] the window's structure tensor, (p, q) the window sums of
// grad I (grad I . u(x') - e(x')) and e = I1(x' + u(x')) - I0(x'). lambda pulls a badly
// conditioned window towards its current (coarser-level) flow rather than towards zero.
THEVAL_HD void LkSolve(float sxx, float sxy, float syy, float p, float q, float lambda, float u, float v, float* nu,
                       float* nv) {
  const float a = sxx + lambda, d = syy + lambda;
  const float det = a * d - sxy * sxy;
  const float bp = p + lambda * u, bq = q + lambda * v;
  float du = 0.f, dv = 0.f;
  if (det > 1e-6f) {
    du = (d * bp - sxy * bq) / det - u;
    dv = (a * bq - sxy * bp) / det - v;
  }
  // At most one pixel per step: a bad window cannot throw the estimate far in one go.
  const float m2 = du * du + dv * dv;
  if (m2 > 1.f) {
    const float k = 1.f / sqrtf(m2);
    du *= k;
    dv *= k;
  }
  *nu = u + du;
  *nv = v + dv;
}

// The per-pixel terms summed by LkSolve's window: grad I * (grad I . u - e).
THEVAL_HD float LkTermResidual(float ix, float iy, float u, float v, float e) { return ix * u + iy * v - e; }

// Forward-backward consistency (Sundaram, Brox and Keutzer 2010): pixel x is occluded (or
// its flow unreliable) when the backward flow at x + f(x) does not bring it back.
THEVAL_HD bool FbInconsistent(float fu, float fv, float bu, float bv) {
  const float su = fu + bu, sv = fv + bv;
  return su * su + sv * sv > 0.01f * (fu * fu + fv * fv + bu * bu + bv * bv) + 0.5f;
}

}  // namespace theval::flow
