#include "pipeline/quality_boxes.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace theval::pipeline {

namespace {

constexpr int kPlainPoints = 468;
// lib/metrics/landmarkSets.ts LIPS.
constexpr int kLips[40] = {0,   13,  14,  17,  37,  39,  40,  61,  78,  80,  81,  82,  84,  87,
                           88,  91,  95,  146, 178, 181, 185, 191, 267, 269, 270, 291, 308, 310,
                           311, 312, 314, 317, 318, 321, 324, 375, 402, 405, 409, 415};

// JavaScript's Math.round: the nearest integer, halves towards +infinity.
double JsRound(double x) {
  const double f = std::floor(x);
  return x - f >= 0.5 ? f + 1 : f;
}

bool Finite(const float* p, int k) { return std::isfinite(p[3 * k]) && std::isfinite(p[3 * k + 1]); }

}  // namespace

bool MouthBox(const float* lm, int width, int height, CropBox* box) {
  for (int k : kLips)
    if (!Finite(lm, k)) return false;
  double xmin = std::numeric_limits<double>::infinity(), ymin = xmin, xmax = -xmin, ymax = -xmin;
  for (int k : kLips) {
    const double x = std::trunc(double(lm[3 * k]) * width);
    const double y = std::trunc(double(lm[3 * k + 1]) * height);
    xmin = std::min(xmin, x);
    xmax = std::max(xmax, x);
    ymin = std::min(ymin, y);
    ymax = std::max(ymax, y);
  }
  constexpr double kMargin = 10;
  const double x0 = std::max(0.0, xmin - kMargin), y0 = std::max(0.0, ymin - kMargin);
  const double x1 = std::min(double(width), xmax + kMargin), y1 = std::min(double(height), ymax + kMargin);
  if (!(x1 > x0 && y1 > y0)) return false;
  *box = {int(x0), int(y0), int(x1), int(y1)};
  return true;
}

bool FaceCropBox(const float* lm, int width, int height, CropBox* box) {
  for (int k = 0; k < kPlainPoints; k++)
    if (!Finite(lm, k)) return false;
  double xmin = std::numeric_limits<double>::infinity(), ymin = xmin, xmax = -xmin, ymax = -xmin;
  for (int k = 0; k < kPlainPoints; k++) {
    const double x = double(lm[3 * k]) * width;
    const double y = double(lm[3 * k + 1]) * height;
    xmin = std::min(xmin, x);
    xmax = std::max(xmax, x);
    ymin = std::min(ymin, y);
    ymax = std::max(ymax, y);
  }
  const double side = std::max(1.0, JsRound(std::max(xmax - xmin, ymax - ymin)));
  auto place = [&](double centre, int extent, int* lo, int* hi) {
    if (side >= extent) {
      *lo = 0;
      *hi = extent;
      return;
    }
    const double l = std::min(std::max(JsRound(centre - side / 2), 0.0), extent - side);
    *lo = int(l);
    *hi = int(l + side);
  };
  place((xmin + xmax) / 2, width, &box->x0, &box->x1);
  place((ymin + ymax) / 2, height, &box->y0, &box->y1);
  return true;
}

}  // namespace theval::pipeline
