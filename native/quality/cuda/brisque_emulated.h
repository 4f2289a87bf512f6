// BRISQUE through the per-element functions of brisque_hd.h, run on the host: the path a
// CUDA BRISQUE kernel set will take (one kernel per pass), checked against OpenCV in CI.
#pragma once

#include <string>
#include <vector>

namespace theval::quality::cuda {

// The trained SVR and the feature range, read once from OpenCV's BRISQUE files.
struct BrisqueSvr {
  std::vector<float> lo, hi;  // 36 each
  std::vector<float> supportVectors;  // count x 36
  std::vector<double> alpha;
  double rho = 0, gamma = 0;
  int count = 0;
  std::vector<float> expTable;  // 64 entries for ExpCv
};

// Throws std::runtime_error when the files are missing or not BRISQUE models.
BrisqueSvr LoadBrisqueSvr(const std::string& modelFile, const std::string& rangeFile);

// The 36 features of an 8-bit grey image (row-major, width x height), with OpenCV's taps.
std::vector<float> BrisqueFeatures(const unsigned char* grey, int width, int height);
// The same with the 7 Gaussian taps given (brisque_features.cc, no OpenCV).
std::vector<float> BrisqueFeatures(const unsigned char* grey, int width, int height, const float* taps);

// The score in [0, 100] from the features.
double BrisqueScore(const BrisqueSvr& svr, const std::vector<float>& features);

}  // namespace theval::quality::cuda
