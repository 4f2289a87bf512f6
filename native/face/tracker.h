// One MediaPipe Face Mesh instance in video mode with max_num_faces = 1
// (face_landmark_front_cpu.pbtxt): while a face is tracked, the next frame's ROI comes from
// this frame's landmarks and the detector does not run; when none is tracked (first frame,
// or the landmark model's presence fell below the threshold), the detector runs on that
// frame and its first detection after non-max suppression (the highest score:
// ClipDetectionVectorSizeCalculator keeps the first max_num_faces) gives the ROI.
#pragma once

#include <vector>

#include "face/detector.h"
#include "face/landmarker.h"

namespace theval::face {

struct TrackResult {
  bool found = false;
  // Sigmoid of the face flag where the landmark model ran; 0 where the detector found no
  // face (so the landmark model did not run).
  float presence = 0;
  bool detected = false;  // the ROI came from a detection on this frame
  bool ran = false;       // the landmark model ran on this frame
};

class FaceTracker {
 public:
  explicit FaceTracker(FaceLandmarker& landmarker) : landmarker_(landmarker) {}
  // Whether the next frame needs detections (no ROI carried over).
  bool needsDetection() const { return !tracking_; }
  // Static-image mode (Face Mesh static_image_mode=True): forget the ROI, detect next frame.
  void Forget() { tracking_ = false; }
  // detections: this frame's detections when needsDetection() (else ignored).
  // xyz: numPoints() x 3, written when found.
  TrackResult Process(const cv::Mat& rgb, const std::vector<Detection>* detections, float* xyz);
  FaceLandmarker& landmarker() { return landmarker_; }

 private:
  FaceLandmarker& landmarker_;
  bool tracking_ = false;
  NormalizedRect roi_;
};

// Face Mesh's min_tracking_confidence default (face_landmark ThresholdingCalculator threshold
// 0.5 in the graph compiled into @mediapipe/face_mesh; Python's FaceMesh default 0.5).
inline constexpr float kPresenceThreshold = 0.5f;

}  // namespace theval::face
