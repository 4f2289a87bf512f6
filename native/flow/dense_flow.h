// Dense optical flow between two grey images: pyramidal, iterative Lucas-Kanade with a
// 7x7 window and Tikhonov regularisation, every pixel solved independently.
//
// Why this algorithm: each output pixel depends only on fixed neighbourhoods of the previous
// pass, so it maps one thread per pixel on the GPU with the same arithmetic in the same order
// (flow_math.h; cuda/dense_flow.cu is the twin), and the CPU and GPU backends give the same
// numbers. OpenCV's DIS or Farneback would be faster to adopt on the CPU, but neither has a
// CUDA implementation with the same numerics (DIS has none; cv::cuda::Farneback differs), so
// the diagnostics would depend on the backend.
#pragma once

#include <vector>

namespace theval::flow {

constexpr int kWindowRadius = 5;  // 11 x 11 Lucas-Kanade window

struct FlowParams {
  int maxLevels = 4;      // pyramid levels (the coarsest keeps a side >= minSide)
  int minSide = 12;
  int iterations = 3;     // Lucas-Kanade updates per level
  float lambda = 4.0f;    // Tikhonov regularisation of the 2x2 system (grey levels^2 x window)
};

// Holds the pyramids and scratch images between calls (no allocation per frame once sized).
class DenseFlow {
 public:
  // i0, i1: w x h grey images (any scale; theval passes 0..255). u, v: w x h outputs, the
  // displacement (pixels) of each pixel of i0 to its match in i1.
  void Compute(const float* i0, const float* i1, int w, int h, const FlowParams& p, float* u, float* v);

 private:
  struct Level {
    int w = 0, h = 0;
    std::vector<float> i0, i1, ix, iy, sxx, sxy, syy, u, v;
  };
  std::vector<Level> levels_;
  std::vector<float> tmp_, ixt_, iyt_, sxt_, syt_;
};

}  // namespace theval::flow
