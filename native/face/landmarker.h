// One face landmark model run on one ROI, as MediaPipe's FaceLandmarkCpu graph runs it
// (face_landmark_cpu.pbtxt / FaceLandmarkGpu compiled into @mediapipe/face_mesh):
// ImageToTensor 192x192 in [0, 1] (border replicate), the model, face presence =
// sigmoid(face flag), landmarks / 192 (z / 192 too: TensorsToLandmarksCalculator, normalize_z 1),
// for the attention model the refinement to 478 points, and LandmarkProjectionCalculator back
// to normalised image coordinates (z scaled by the ROI width, "as X").
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "face/geometry.h"
#include "face/image_to_tensor.h"
#include "infer/model.h"

namespace theval::face {

enum class LandmarkModelKind { kPlain, kAttention };

class FaceLandmarker {
 public:
  // load: where the network comes from (default: this landmarker's own CPU copy).
  FaceLandmarker(const std::string& modelPath, LandmarkModelKind kind,
                 const infer::ModelLoader& load = infer::CpuLoader());
  // 468 (plain) or 478 (attention, refined).
  int numPoints() const { return kind_ == LandmarkModelKind::kPlain ? 468 : 478; }
  LandmarkModelKind kind() const { return kind_; }
  const infer::Model& model() const { return *model_; }

  // Runs the model on `roi` of `rgb`; writes numPoints() x (x, y, z) in normalised image
  // coordinates to `xyz` and returns the face presence score (sigmoid of the face flag).
  float Run(const cv::Mat& rgb, const NormalizedRect& roi, float* xyz);
  // The ROI warp's pixel-centre convention (image_to_tensor.h).
  void setCpuCorners(bool on) { toTensor_.setCpuCorners(on); }

  // Time of the last Run's parts, seconds.
  double lastWarpSeconds = 0, lastInferSeconds = 0;

 private:
  LandmarkModelKind kind_;
  std::shared_ptr<infer::Model> model_;
  ImageToTensor toTensor_;
  std::vector<float> input_;
  std::vector<std::vector<float>> outputs_;
  std::vector<float> crop_;  // landmarks in the crop, normalised to [0, 1], before projection
};

// tensors_to_face_landmarks_with_attention.pbtxt: the attention model's outputs (normalised
// to the crop) -> 478 refined points (x, y, z). mesh: 468x3, lips 80x2, eyes 71x2, irises 5x2.
void RefineAttentionLandmarks(const float* mesh, const float* lips, const float* leftEye, const float* rightEye,
                              const float* leftIris, const float* rightIris, float* out478);

// landmark_projection_calculator.cc for one landmark list.
void ProjectLandmarks(const float* crop, int n, const NormalizedRect& roi, float* out);

}  // namespace theval::face
