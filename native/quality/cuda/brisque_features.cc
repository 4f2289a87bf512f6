// BRISQUE's features on the host through brisque_hd.h. No OpenCV here (the taps are given),
// so the device harness (bench/gpu/harness) links it without OpenCV.
#include <cmath>
#include <vector>

#include "quality/cuda/brisque_emulated.h"
#include "quality/cuda/brisque_hd.h"

namespace theval::quality::cuda {

namespace {

std::vector<float> ResizeCubic(const std::vector<float>& src, int sw, int sh, int dw, int dh) {
  if (sw == dw && sh == dh) return src;  // cv::resize copies
  const double sx = double(sw) / dw, sy = double(sh) / dh;
  std::vector<float> rows(size_t(dw) * sh), out(size_t(dw) * dh);
  for (int y = 0; y < sh; y++)
    for (int x = 0; x < dw; x++) rows[size_t(y) * dw + x] = CubicRowAt(src.data(), sw, y, x, sx);
  for (int y = 0; y < dh; y++)
    for (int x = 0; x < dw; x++) out[size_t(y) * dw + x] = CubicColAt(rows.data(), dw, sh, y, x, sy);
  return out;
}

std::vector<float> Blur(const std::vector<float>& img, int w, int h, const float* k, bool squared) {
  std::vector<float> tmp(img.size()), out(img.size());
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) tmp[size_t(y) * w + x] = GaussRowAt(img.data(), w, y, x, k, squared);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) out[size_t(y) * w + x] = GaussColAt(tmp.data(), w, h, y, x, k);
  return out;
}

AggdSums Sums(const std::vector<float>& v) {
  AggdSums s;
  for (float x : v) AggdAccumulate(s, x);
  return s;
}

}  // namespace

std::vector<float> BrisqueFeatures(const unsigned char* grey, int width, int height, const float* k) {
  std::vector<float> unit(size_t(width) * height);
  for (size_t i = 0; i < unit.size(); i++) unit[i] = GreyUnit(grey[i]);
  std::vector<float> f;
  for (int scale = 1; scale <= 2; scale++) {
    const int w = int(width / std::pow(2.0, scale - 1)), h = int(height / std::pow(2.0, scale - 1));
    const std::vector<float> img = ResizeCubic(unit, width, height, w, h);
    const std::vector<float> mu = Blur(img, w, h, k, false);
    const std::vector<float> sq = Blur(img, w, h, k, true);
    std::vector<float> mscn(img.size());
    for (size_t i = 0; i < img.size(); i++) mscn[i] = MscnAt(img[i], mu[i], sq[i]);
    const AggdSums sums = Sums(mscn);
    double l, r, g;
    AggdFit(sums, l, r, g);
    f.push_back(float(g));
    f.push_back(float(l * l + r * r) / 2);
    const int shifts[4][2] = {{0, 1}, {1, 0}, {1, 1}, {-1, 1}};
    for (const auto& s : shifts) {
      std::vector<float> prod(mscn.size());
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) prod[size_t(y) * w + x] = PairProductAt(mscn.data(), w, h, y, x, s[0], s[1]);
      AggdFit(Sums(prod), l, r, g);
      f.push_back(float(g));
      f.push_back(AggdMeanParam(l, r, g));
      f.push_back(float(std::pow(l, 2)));
      f.push_back(float(std::pow(r, 2)));
    }
  }
  return f;
}

}  // namespace theval::quality::cuda
