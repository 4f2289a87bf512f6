// BlazeFace short range (face_detection_short_range.tflite converted to ONNX), run the way
// MediaPipe's FaceDetectionShortRange graph runs it: letterboxed 128x128 input in [-1, 1],
// SSD anchors, sigmoid scores >= 0.5, weighted non-max suppression, projection back to the
// image. Constants: face_detection_short_range.pbtxt + face_detection.pbtxt
// (FaceDetectionShortRangeCommon in the graph compiled into @mediapipe/face_mesh).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "face/geometry.h"
#include "face/image_to_tensor.h"
#include "infer/model.h"

namespace theval::face {

struct Anchor {
  float xCenter, yCenter;  // fixed_anchor_size: width = height = 1
};

// ssd_anchors_calculator.cc with the face detector's options.
std::vector<Anchor> FaceDetectorAnchors();

class FaceDetector {
 public:
  // load: where the network comes from (default: the detector's own CPU copy).
  explicit FaceDetector(const std::string& modelPath, const infer::ModelLoader& load = infer::CpuLoader());
  // Faces in normalised image coordinates, in non-max-suppression order (highest score first).
  const std::vector<Detection>& Detect(const cv::Mat& rgb);
  // The letterbox warp's pixel-centre convention (image_to_tensor.h).
  void setCpuCorners(bool on) { toTensor_.setCpuCorners(on); }
  const infer::Model& model() const { return *model_; }

 private:
  std::shared_ptr<infer::Model> model_;
  std::vector<Anchor> anchors_;
  ImageToTensor toTensor_;
  std::vector<float> input_;
  std::vector<std::vector<float>> outputs_;
  std::vector<Detection> raw_, result_;
};

// non_max_suppression_calculator.cc WeightedNonMaxSuppression with overlap type
// INTERSECTION_OVER_UNION and min_suppression_threshold `threshold`.
std::vector<Detection> WeightedNms(std::vector<Detection> detections, float threshold);

}  // namespace theval::face
