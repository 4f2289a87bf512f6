#include "face/landmarker.h"

#include <chrono>
#include <cmath>

#include "face/refinement_tables.h"

namespace theval::face {

namespace {

// face_landmark_cpu.pbtxt / FaceLandmarkGpu: ImageToTensorCalculator output_tensor_width: 192,
// output_tensor_height: 192, output_tensor_float_range { min: 0 max: 1 }, border_mode
// unspecified = BORDER_REPLICATE (image_to_tensor_utils.cc GetBorderMode).
constexpr int kCropSize = 192;
// TensorsToLandmarksCalculator input_image_width / input_image_height: 192.
constexpr float kInputImageSize = 192.f;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Raw model landmarks (crop pixels) -> crop-normalised (TensorsToLandmarksCalculator): x / 192,
// y / 192, z / 192 / normalize_z (1). Two-value landmarks get z = 0 (proto default).
void Normalise(const float* raw, int n, int dims, float* out) {
  for (int i = 0; i < n; i++) {
    out[3 * i] = raw[dims * i] / kInputImageSize;
    out[3 * i + 1] = raw[dims * i + 1] / kInputImageSize;
    out[3 * i + 2] = dims > 2 ? raw[dims * i + 2] / kInputImageSize : 0.f;
  }
}

}  // namespace

void RefineAttentionLandmarks(const float* mesh, const float* lips, const float* leftEye, const float* rightEye,
                              const float* leftIris, const float* rightIris, float* out) {
  using namespace refinement;
  // landmarks_refinement_calculator.cc: refined list initialised to 478 zero landmarks, then
  // each refinement in order: RefineXY, then RefineZ (copy / none / assign_average).
  for (int i = 0; i < 478 * 3; i++) out[i] = 0.f;
  for (int i = 0; i < 468; i++)  // mesh: identity mapping, z copy
    for (int c = 0; c < 3; c++) out[3 * i + c] = mesh[3 * i + c];
  auto xyOnly = [&](const int* idx, int n, const float* src) {
    for (int i = 0; i < n; i++) {
      out[3 * idx[i]] = src[3 * i];
      out[3 * idx[i] + 1] = src[3 * i + 1];
    }
  };
  xyOnly(kLips, int(std::size(kLips)), lips);
  xyOnly(kLeftEye, int(std::size(kLeftEye)), leftEye);
  xyOnly(kRightEye, int(std::size(kRightEye)), rightEye);
  auto iris = [&](int first, const float* src, const int* avgIdx, int nAvg) {
    // GetZAverage over the refined list so far (double sum, as MediaPipe).
    double zSum = 0;
    for (int i = 0; i < nAvg; i++) zSum += out[3 * avgIdx[i] + 2];
    const float z = float(zSum / nAvg);
    for (int i = 0; i < 5; i++) {
      out[3 * (first + i)] = src[3 * i];
      out[3 * (first + i) + 1] = src[3 * i + 1];
      out[3 * (first + i) + 2] = z;
    }
  };
  iris(468, leftIris, kLeftIrisZAverage, int(std::size(kLeftIrisZAverage)));
  iris(473, rightIris, kRightIrisZAverage, int(std::size(kRightIrisZAverage)));
}

void ProjectLandmarks(const float* crop, int n, const NormalizedRect& roi, float* out) {
  // landmark_projection_calculator.cc (NORM_RECT input, ignore_rotation false).
  const float c = std::cos(roi.rotation), s = std::sin(roi.rotation);
  for (int i = 0; i < n; i++) {
    const float x = crop[3 * i] - 0.5f;
    const float y = crop[3 * i + 1] - 0.5f;
    float nx = c * x - s * y;
    float ny = s * x + c * y;
    nx = nx * roi.width + roi.xCenter;
    ny = ny * roi.height + roi.yCenter;
    out[3 * i] = nx;
    out[3 * i + 1] = ny;
    out[3 * i + 2] = crop[3 * i + 2] * roi.width;  // "Scale Z coordinate as X."
  }
}

FaceLandmarker::FaceLandmarker(const std::string& modelPath, LandmarkModelKind kind, const infer::ModelLoader& load)
    : kind_(kind), toTensor_(kCropSize, kCropSize, 0.0f, 1.0f, BorderMode::kReplicate) {
  infer::ModelDesc desc;
  desc.inputShape = {kCropSize, kCropSize, 3};
  if (kind == LandmarkModelKind::kPlain) {
    // face_landmark.tflite: landmarks [1,1,1,1404], face flag [1,1,1,1] (docs/models.md).
    desc.outputNames = {"conv2d_21", "conv2d_31"};
    desc.outputElems = {1404, 1};
  } else {
    // face_landmark_with_attention.tflite, in the order the graph splits its outputs
    // (SplitTensorVectorCalculator ranges [0, 6) landmarks, [6, 7) face flag).
    desc.outputNames = {"output_mesh_identity", "output_lips",       "output_left_eye", "output_right_eye",
                        "output_left_iris",     "output_right_iris", "conv_faceflag"};
    desc.outputElems = {1404, 160, 142, 142, 10, 10, 1};
  }
  model_ = load(modelPath, desc);
  input_.resize(size_t(kCropSize) * kCropSize * 3);
  crop_.resize(size_t(numPoints()) * 3);
}

float FaceLandmarker::Run(const cv::Mat& rgb, const NormalizedRect& roi, float* xyz) {
  const double t0 = Now();
  toTensor_.Convert(rgb, ToPixels(roi, rgb.cols, rgb.rows), input_.data());
  const double t1 = Now();
  model_->Run(input_.data(), 1, outputs_);
  const double t2 = Now();
  lastWarpSeconds = t1 - t0;
  lastInferSeconds = t2 - t1;
  float flag;
  if (kind_ == LandmarkModelKind::kPlain) {
    Normalise(outputs_[0].data(), 468, 3, crop_.data());
    flag = outputs_[1][0];
  } else {
    float mesh[468 * 3], lips[80 * 3], le[71 * 3], re[71 * 3], li[5 * 3], ri[5 * 3];
    Normalise(outputs_[0].data(), 468, 3, mesh);
    Normalise(outputs_[1].data(), 80, 2, lips);
    Normalise(outputs_[2].data(), 71, 2, le);
    Normalise(outputs_[3].data(), 71, 2, re);
    Normalise(outputs_[4].data(), 5, 2, li);
    Normalise(outputs_[5].data(), 5, 2, ri);
    RefineAttentionLandmarks(mesh, lips, le, re, li, ri, crop_.data());
    flag = outputs_[6][0];
  }
  ProjectLandmarks(crop_.data(), numPoints(), roi, xyz);
  // TensorsToFloatsCalculator activation: SIGMOID.
  return 1.0f / (1.0f + std::exp(-flag));
}

}  // namespace theval::face
