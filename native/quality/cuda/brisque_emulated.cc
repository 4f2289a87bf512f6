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
  return BrisqueFeatures(grey, width, height, GaussKernel().data());
}

double BrisqueScore(const BrisqueSvr& svr, const std::vector<float>& features) {
  std::vector<float> x(36);
  for (int i = 0; i < 36; i++) x[i] = ScaleFeature(features[size_t(i)], svr.lo[size_t(i)], svr.hi[size_t(i)]);
  double sum = -svr.rho;
  for (int j = 0; j < svr.count; j++) sum += svr.alpha[size_t(j)] * RbfAt(x.data(), &svr.supportVectors[size_t(j) * 36], 36, svr.gamma, svr.expTable.data());
  return std::min(std::max(double(float(sum)), 0.0), 100.0);
}

}  // namespace theval::quality::cuda
