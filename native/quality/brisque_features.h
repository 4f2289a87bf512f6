// The 36 BRISQUE features of OpenCV 4.6's QualityBRISQUE as the build theval links
// computes them (Debian's libopencv_quality; brisque_features.cc says where that differs
// from the contrib source), with the same arithmetic but without its per-call costs: one fused pass per MSCN image and per pairwise product instead of a dozen
// temporary matrices, and the AGGD shape search over a gamma table built once per
// process instead of up to ~40,000 tgamma() calls per fit. docs/quality.md says why the
// numbers are the same.
#pragma once

#include <opencv2/core.hpp>

#include <vector>

namespace theval {
namespace quality {

constexpr int kBrisqueFeatureCount = 36;

// `grey`: 1-channel CV_8U, at least kBrisqueMinSide pixels per side. Writes the features
// in OpenCV's order.
void ComputeBrisqueFeatures(const cv::Mat& grey, float features[kBrisqueFeatureCount]);

// Float buffers that only grow (about 17 bytes per pixel of the largest image scored):
// reused from image to image, they spare the page faults and cache misses of fresh
// megabyte-sized matrices per image (three crops per frame: 4.3 -> 2.7 ms in a C++
// harness). One per thread at a time (brisque.cc: one per session).
struct BrisqueWorkspace {
  std::vector<float> orig, half, mu, sq, sigma;
};
void ComputeBrisqueFeatures(const cv::Mat& grey, float features[kBrisqueFeatureCount], BrisqueWorkspace& work);

// The AGGD shape parameter OpenCV's AGGDfit picks for a given rhatnorm (its grid search,
// same result for every input including NaN). Exposed for the tests.
double BrisqueGammaForRatio(double rhatnorm);

}  // namespace quality
}  // namespace theval
