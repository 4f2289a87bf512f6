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

#include "decode/video_decoder.h"
#include "face/detector.h"
#include "face/face_geometry.h"
#include "face/landmarker.h"
#include "flow/motion_diagnostics.h"

namespace theval::face {

enum class FaceProfile { kBoth, kRefinedOnly };

struct FaceModelPaths {
  std::string landmark;           // face_landmark.onnx
  std::string landmarkAttention;  // face_landmark_with_attention.onnx
  std::string detector;           // face_detection_short_range.onnx
  std::string geometry;           // face_geometry.json (head pose); empty = no pose (NaN)
};

// The loaded networks one analysis needs (not thread safe: one analysis at a time each).
struct FaceModels {
  FaceModelPaths paths;
  FaceProfile profile;
  std::unique_ptr<FaceDetector> detector;
  std::unique_ptr<FaceLandmarker> plain;    // null for kRefinedOnly
  std::unique_ptr<FaceLandmarker> refined;
  std::unique_ptr<FaceGeometry> geometry;  // null when no geometry path was given
  static std::unique_ptr<FaceModels> Load(const FaceModelPaths& paths, FaceProfile profile);
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
  // Motion diagnostics (native/flow/motion_diagnostics.h) on the decoded frames and the plain
  // track: frame difference, face warping error, background and face motion per frame pair.
  bool motion = false;
  flow::MotionParams motionParams;
  // cpuWarp: MediaPipe's CPU converter convention for the detector's and the landmark models'
  // warps (pixel index = position), as the Python package THEval's reference ran; off = pixel
  // centres (scale-equivariant, as MediaPipe's GPU converter). image_to_tensor.h.
  bool cpuWarp = false;
  // staticMode: Face Mesh's static_image_mode (detection on every frame, no tracking), as the
  // reference's mouth-quality script runs it.
  bool staticMode = false;
};

struct FaceTimings {  // seconds
  double total = 0, decode = 0, detect = 0, plainWarp = 0, plainInfer = 0, refinedWarp = 0, refinedInfer = 0, motion = 0;
  double modelLoad = 0;
  int64_t detectorRuns = 0;
};

struct FaceAnalysis {
  VideoInfo info;
  int64_t frames = 0;
  FaceProfile profile = FaceProfile::kBoth;
  std::vector<float> plain;     // T x 468 x 3, NaN where no face
  std::vector<float> refined;   // T x 478 x 3
  std::vector<float> presence;  // T x 2 (plain, refined)
  std::vector<float> box;       // T x 4: x0, y0, x1, y1 pixels, from the plain landmarks
  std::vector<float> pose;      // T x 3: pitch, yaw, roll (degrees) from the plain track; NaN where no face
  std::vector<float> motion;    // T x 4 (options.motion): frameDiff, warpError, bgMotion, faceMotion; see MotionDiagnostics
  std::vector<std::string> warnings;
  FaceTimings timings;
};

FaceAnalysis AnalyzeFaces(const std::string& path, FaceModels& models, const FaceAnalysisOptions& options);

}  // namespace theval::face
