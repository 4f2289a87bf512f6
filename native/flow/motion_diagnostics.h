// The motion diagnostics of one video (issue 15; docs/diagnostics.md), one frame at a time
// inside the face pass: for each pair of consecutive frames (t-1, t)
//   frameDiff   mean |frame t - frame t-1| over all pixels and channels, 8-bit values
//               (the official frame_motion.py's per-pair value);
//   warpError   mean |I(t-1)(x) - I(t)(x + f(x))| over the face (convex hull of the plain
//               landmarks of t-1) minus the pixels that fail the forward-backward check,
//               grey levels 0..255 on a faceSize x faceSize crop: motion the flow explains
//               costs nothing, flicker and texture boiling do;
//   bgMotion    mean flow magnitude outside the dilated head (and the torso below it), in
//               pixels per frame of the original frame;
//   faceMotion  mean flow magnitude over the face, pixels per frame of the original frame.
// Values for the pair (t-1, t) are stored at index t; index 0 and frames without a face on
// t-1 are NaN.
#pragma once

#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "flow/dense_flow.h"

namespace theval::flow {

struct MotionParams {
  int faceSize = 128;   // side of the square face crop the face flow runs on
  int frameSize = 64;   // longer side of the downscaled frame the background flow runs on
  FlowParams flow;
};

struct MotionFrame {
  float frameDiff, warpError, bgMotion, faceMotion;
};
constexpr int kMotionValues = 4;

class MotionDiagnostics {
 public:
  MotionDiagnostics(int width, int height, const MotionParams& params);
  // rgb: frame t (height x width x 3, tightly packed). landmarks: frame t's 468 x 3 plain
  // landmarks, x and y normalised to the frame (NaN = no face).
  MotionFrame Push(const uint8_t* rgb, const float* landmarks);

  // Exposed for the tests: the face region of a frame (square, clipped) from its landmarks.
  static bool FaceRegion(const float* landmarks, int width, int height, cv::Rect* out);

 private:
  float FaceWarp(const cv::Mat& prevGrey, const cv::Mat& grey, const float* prevLandmarks, float* faceMotion);
  float Background(const cv::Mat& small, const float* prevLandmarks);

  int w_, h_;
  MotionParams p_;
  cv::Size small_;
  bool havePrev_ = false;
  std::vector<uint8_t> prevRgb_;
  std::vector<float> prevLandmarks_;
  cv::Mat prevGrey_, prevSmall_;
  DenseFlow flow_;
  std::vector<float> fu_, fv_, bu_, bv_, su_, sv_;
};

}  // namespace theval::flow
