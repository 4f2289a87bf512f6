// The face pass of one video: decode once (VideoDecoder, one thread), and per frame run the
// two Face Mesh configurations THEval's reference runs, each tracking with its own landmarks
// as two separate MediaPipe instances would:
//   plain   = face_landmark (468 points)                  -> lip sync, mouth-quality crop
//   refined = face_landmark_with_attention (478 points)   -> lip dynamics, eyebrows, silent lips
// Profile kRefinedOnly runs the refined configuration alone and fills the plain track from
// its points 0..467 (faster; measured effect per metric: docs/face.md, docs/fidelity.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "decode/video_decoder.h"
#include "face/detector.h"
#include "face/face_geometry.h"
#include "face/landmarker.h"
#include "face/tracker.h"
#include "flow/motion_diagnostics.h"
#include "infer/model.h"

namespace theval::face {

enum class FaceProfile { kBoth, kRefinedOnly };

struct FaceModelPaths {
  std::string landmark;           // face_landmark.onnx
  std::string landmarkAttention;  // face_landmark_with_attention.onnx
  std::string detector;           // face_detection_short_range.onnx
  std::string geometry;           // face_geometry.json (head pose); empty = no pose (NaN)
};

// The networks one video's face stages use (not thread safe: one video at a time each).
// `load` decides where each network comes from: by default each FaceModels has its own CPU
// copies; the scheduler passes a loader that shares one BatchingModel per network.
struct FaceModels {
  FaceModelPaths paths;
  FaceProfile profile;
  std::unique_ptr<FaceDetector> detector;
  std::unique_ptr<FaceLandmarker> plain;    // null for kRefinedOnly
  std::unique_ptr<FaceLandmarker> refined;
  std::shared_ptr<const FaceGeometry> geometry;  // null when no geometry path was given
  static std::unique_ptr<FaceModels> Load(const FaceModelPaths& paths, FaceProfile profile,
                                          const infer::ModelLoader& load = infer::CpuLoader(),
                                          std::shared_ptr<const FaceGeometry> geometry = nullptr);
};

struct FaceAnalysisOptions {
  // Run the plain and refined configurations of a frame on two threads.
  bool parallel = false;
  // Reference-emulation switches: measurement aids (docs/fidelity.md rows 3-4), NOT for
  // normal use. Off by default; METRICS.md says theval does not copy these quirks.
  // swapRB: hand the detector and both landmark models the frame with R and B swapped (BGR),
  // as the reference's lip-sync script does (one MediaPipe instance on a BGR image).
  bool swapRB = false;
  // squash > 0: resize every decoded frame to squash x squash (cv::resize INTER_LINEAR,
  // cv2.resize's default, as the reference does before two metrics) before the face pipeline.
  // Landmarks stay normalised (0..1 of the squashed frame = of the original frame); the box
  // and head pose are still computed in pixels of the original frame size.
  int squash = 0;
  // cpuWarp: MediaPipe's CPU converter convention for the detector's and the landmark models'
  // warps (pixel index = position), as the Python package THEval's reference ran; off = pixel
  // centres (scale-equivariant, as MediaPipe's GPU converter). image_to_tensor.h.
  bool cpuWarp = false;
  // staticMode: Face Mesh's static_image_mode (detection on every frame, no tracking), as the
  // reference's mouth-quality script runs it.
  bool staticMode = false;
  // Motion diagnostics (native/flow/motion_diagnostics.h) on the decoded frames and the plain
  // track: frame difference, face warping error, background and face motion per frame pair.
  bool motion = false;
  flow::MotionParams motionParams;
  bool emulating() const { return swapRB || squash > 0; }
};

struct FaceTimings {  // seconds
  double total = 0, decode = 0, detect = 0, plainWarp = 0, plainInfer = 0, refinedWarp = 0, refinedInfer = 0;
  double pose = 0;  // box + head pose
  double motion = 0;  // the motion diagnostics (optical flow, frame difference)
  double modelLoad = 0;
  int64_t detectorRuns = 0;
};

// Per-frame face signals, one row per decoded frame.
struct FaceSignals {
  std::vector<float> plain;     // T x 468 x 3, NaN where no face
  std::vector<float> refined;   // T x 478 x 3
  std::vector<float> presence;  // T x 2 (plain, refined)
  std::vector<float> box;       // T x 4: x0, y0, x1, y1 pixels, from the plain landmarks
  std::vector<float> pose;      // T x 3: pitch, yaw, roll (degrees) from the plain track; NaN where no face
  std::vector<float> motion;    // T x 4 (options.motion): frameDiff, warpError, bgMotion, faceMotion; see MotionDiagnostics
  void Reserve(int64_t frames);
};

// The image the face models see: the decoded frame, or (reference emulation, measurement
// aid only) its channel-swapped and/or squashed copy in `work`.
const cv::Mat& FaceModelImage(const cv::Mat& decoded, const FaceAnalysisOptions& options, cv::Mat& work);

// One frame through the face stages: detector (when a tracker has no ROI) -> plain and
// refined landmarks, each configuration tracking with its own points -> face box -> head
// pose. Holds the trackers' state, so one instance per video, frames in order.
class FaceFrameStage {
 public:
  FaceFrameStage(FaceModels& models, const FaceAnalysisOptions& options);
  // image: what the models see (FaceModelImage); W x H: the displayed frame, in whose pixels
  // the box and pose are computed. Appends one row to every signal in `out`.
  void Process(const cv::Mat& image, int W, int H, FaceSignals& out, FaceTimings& timings);

 private:
  FaceModels& models_;
  FaceAnalysisOptions options_;
  FaceTracker refinedTracker_;
  std::unique_ptr<FaceTracker> plainTracker_;
  std::vector<float> refinedFrame_;
};

// The motion diagnostics of one video, frame after frame (flow::MotionDiagnostics), appending
// one row to out.motion per call: rgb is the DECODED frame (never the emulated copy), and the
// frame's plain landmarks are the last row of out.plain. Null stage when options.motion is off.
std::unique_ptr<flow::MotionDiagnostics> MakeMotionStage(const FaceAnalysisOptions& options, int W, int H);
void PushMotion(flow::MotionDiagnostics& stage, const uint8_t* rgb, FaceSignals& out, FaceTimings& timings);

struct FaceAnalysis {
  VideoInfo info;
  int64_t frames = 0;
  FaceProfile profile = FaceProfile::kBoth;
  FaceSignals signals;
  std::vector<std::string> warnings;
  FaceTimings timings;
};

FaceAnalysis AnalyzeFaces(const std::string& path, FaceModels& models, const FaceAnalysisOptions& options);

}  // namespace theval::face
