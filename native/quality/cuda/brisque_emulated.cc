#include "quality/cuda/brisque_emulated.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/ml.hpp>

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "quality/cuda/brisque_cuda.h"
#include "quality/cuda/brisque_hd.h"

namespace theval::quality::cuda {

namespace {

// The 7 taps exactly as OpenCV makes them (its bit-exact soft-double routine): a table the
// device receives, not arithmetic it repeats.
std::vector<float> GaussKernel() {
  cv::Mat k = cv::getGaussianKernel(kGaussTaps, 7.0 / 6.0, CV_32F);
  return std::vector<float>(k.ptr<float>(), k.ptr<float>() + kGaussTaps);
}

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

std::vector<float> BrisqueGaussTaps() { return GaussKernel(); }

BrisqueSvr LoadBrisqueSvr(const std::string& modelFile, const std::string& rangeFile) {
  for (const std::string* f : {&modelFile, &rangeFile})
    if (!std::ifstream(*f)) throw std::runtime_error(*f + ": BRISQUE model file not found");
  BrisqueSvr s;
  cv::FileStorage fs(rangeFile, cv::FileStorage::READ);
  cv::Mat range;
  fs["range"].mat().convertTo(range, CV_32F);
  if (range.rows != 2 || range.cols != 36) throw std::runtime_error(rangeFile + ": not a BRISQUE range file");
  s.lo.assign(range.ptr<float>(0), range.ptr<float>(0) + 36);
  s.hi.assign(range.ptr<float>(1), range.ptr<float>(1) + 36);
  cv::Ptr<cv::ml::SVM> svm = cv::ml::SVM::load(modelFile);
  if (!svm || !svm->isTrained() || svm->getVarCount() != 36 || svm->getType() != cv::ml::SVM::EPS_SVR ||
      svm->getKernelType() != cv::ml::SVM::RBF)
    throw std::runtime_error(modelFile + ": not a 36-feature RBF epsilon-SVR BRISQUE model");
  cv::Mat sv = svm->getSupportVectors(), alpha, idx;
  s.rho = svm->getDecisionFunction(0, alpha, idx);
  s.gamma = svm->getGamma();
  alpha.convertTo(alpha, CV_64F);
  s.count = idx.rows * idx.cols;
  for (int i = 0; i < s.count; i++) {
    const float* row = sv.ptr<float>(idx.at<int>(i));
    s.supportVectors.insert(s.supportVectors.end(), row, row + 36);
    s.alpha.push_back(alpha.at<double>(i));
  }
  for (int j = 0; j < 64; j++) s.expTable.push_back(float(std::exp2(j / 64.0) * kExpPolyA0));
  return s;
}

std::vector<float> BrisqueFeatures(const unsigned char* grey, int width, int height) {
  std::vector<float> unit(size_t(width) * height);
  for (size_t i = 0; i < unit.size(); i++) unit[i] = GreyUnit(grey[i]);
  const std::vector<float> k = GaussKernel();
  std::vector<float> f;
  for (int scale = 1; scale <= 2; scale++) {
    const int w = int(width / std::pow(2.0, scale - 1)), h = int(height / std::pow(2.0, scale - 1));
    const std::vector<float> img = ResizeCubic(unit, width, height, w, h);
    const std::vector<float> mu = Blur(img, w, h, k.data(), false);
    const std::vector<float> sq = Blur(img, w, h, k.data(), true);
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

double BrisqueScore(const BrisqueSvr& svr, const std::vector<float>& features) {
  std::vector<float> x(36);
  for (int i = 0; i < 36; i++) x[i] = ScaleFeature(features[size_t(i)], svr.lo[size_t(i)], svr.hi[size_t(i)]);
  double sum = -svr.rho;
  for (int j = 0; j < svr.count; j++) sum += svr.alpha[size_t(j)] * RbfAt(x.data(), &svr.supportVectors[size_t(j) * 36], 36, svr.gamma, svr.expTable.data());
  return std::min(std::max(double(float(sum)), 0.0), 100.0);
}

}  // namespace theval::quality::cuda
