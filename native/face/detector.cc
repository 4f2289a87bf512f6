#include "face/detector.h"

#include <algorithm>
#include <cmath>

namespace theval::face {

namespace {

// face_detection_short_range.pbtxt (FaceDetectionOptions) + face_detection.pbtxt.
constexpr int kTensorSize = 128;                // tensor_width, tensor_height
constexpr int kNumBoxes = 896;                  // num_boxes
constexpr int kNumCoords = 16;                  // num_coords: box (4) + 6 keypoints x 2
constexpr int kNumKeypoints = 6;                // num_keypoints
constexpr int kKeypointCoordOffset = 4;         // keypoint_coord_offset
constexpr int kBoxCoordOffset = 0;              // box_coord_offset
constexpr float kScale = 128.0f;                // x_scale, y_scale, w_scale, h_scale
constexpr float kScoreClippingThresh = 100.0f;  // score_clipping_thresh
constexpr float kMinScoreThresh = 0.5f;         // min_score_thresh (= Face Mesh's min_detection_confidence 0.5)
constexpr float kMinSuppressionThreshold = 0.3f;  // NonMaxSuppression min_suppression_threshold (IoU, WEIGHTED)
// ImageToTensorCalculator: keep_aspect_ratio: true, output_tensor_float_range [-1, 1],
// border_mode: BORDER_ZERO.
constexpr float kRangeMin = -1.0f, kRangeMax = 1.0f;

float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

}  // namespace

std::vector<Anchor> FaceDetectorAnchors() {
  // ssd_anchors_calculator.cc GenerateAnchors with num_layers: 4, strides: 8 16 16 16,
  // min_scale: 0.1484375, max_scale: 0.75, anchor_offset_x/y: 0.5, aspect_ratios: 1.0,
  // interpolated_scale_aspect_ratio: 1.0, fixed_anchor_size: true, input 128x128. With a
  // fixed anchor size only the centres matter: each layer adds one anchor for the aspect
  // ratio and one for the interpolated scale, and layers with equal strides are merged, so a
  // stride-8 cell holds 2 anchors and a stride-16 cell 6 (16*16*2 + 8*8*6 = 896).
  const int strides[] = {8, 16, 16, 16};
  const int numLayers = 4;
  const float offset = 0.5f;
  std::vector<Anchor> anchors;
  int layer = 0;
  while (layer < numLayers) {
    int perCell = 0;
    int last = layer;
    while (last < numLayers && strides[last] == strides[layer]) {
      perCell += 2;  // aspect ratio 1.0 + interpolated scale (interpolated_scale_aspect_ratio > 0)
      last++;
    }
    const int stride = strides[layer];
    const int fmHeight = int(std::ceil(1.0f * kTensorSize / stride));
    const int fmWidth = int(std::ceil(1.0f * kTensorSize / stride));
    for (int y = 0; y < fmHeight; y++)
      for (int x = 0; x < fmWidth; x++)
        for (int a = 0; a < perCell; a++)
          anchors.push_back({(x + offset) / fmWidth, (y + offset) / fmHeight});
    layer = last;
  }
  return anchors;
}

namespace {

struct Box {
  float xmin, ymin, xmax, ymax;
};

// non_max_suppression_calculator.cc OverlapSimilarity, INTERSECTION_OVER_UNION.
float Iou(const Detection& a, const Detection& b) {
  const Box r1{a.xmin, a.ymin, a.xmin + a.width, a.ymin + a.height};
  const Box r2{b.xmin, b.ymin, b.xmin + b.width, b.ymin + b.height};
  // Rectangle_f::Intersects: the rectangles overlap or touch.
  if (r1.xmin > r2.xmax || r2.xmin > r1.xmax || r1.ymin > r2.ymax || r2.ymin > r1.ymax) return 0.0f;
  const float ix = std::max(0.f, std::min(r1.xmax, r2.xmax) - std::max(r1.xmin, r2.xmin));
  const float iy = std::max(0.f, std::min(r1.ymax, r2.ymax) - std::max(r1.ymin, r2.ymin));
  const float inter = ix * iy;
  const float norm = a.width * a.height + b.width * b.height - inter;
  return norm > 0.0f ? inter / norm : 0.0f;
}

}  // namespace

std::vector<Detection> WeightedNms(std::vector<Detection> detections, float threshold) {
  // Indexed scores sorted by descending score (non_max_suppression_calculator.cc
  // SortBySecond; stable here so that ties keep the anchor order).
  std::vector<int> remained(detections.size());
  for (size_t i = 0; i < remained.size(); i++) remained[i] = int(i);
  std::stable_sort(remained.begin(), remained.end(),
                   [&](int a, int b) { return detections[a].score > detections[b].score; });
  std::vector<Detection> out;
  std::vector<int> next, candidates;
  while (!remained.empty()) {
    const size_t originalSize = remained.size();
    const Detection& top = detections[remained[0]];
    next.clear();
    candidates.clear();
    for (int idx : remained) {  // includes the top box itself
      if (Iou(detections[idx], top) > threshold)
        candidates.push_back(idx);
      else
        next.push_back(idx);
    }
    Detection weighted = top;
    if (!candidates.empty()) {
      float total = 0, wxmin = 0, wymin = 0, wxmax = 0, wymax = 0;
      std::array<float, 12> kp{};
      for (int idx : candidates) {
        const Detection& c = detections[idx];
        const float s = c.score;
        total += s;
        wxmin += c.xmin * s;
        wymin += c.ymin * s;
        wxmax += (c.xmin + c.width) * s;
        wymax += (c.ymin + c.height) * s;
        for (size_t k = 0; k < kp.size(); k++) kp[k] += c.keypoints[k] * s;
      }
      weighted.xmin = wxmin / total;
      weighted.ymin = wymin / total;
      weighted.width = wxmax / total - weighted.xmin;
      weighted.height = wymax / total - weighted.ymin;
      for (size_t k = 0; k < kp.size(); k++) weighted.keypoints[k] = kp[k] / total;
    }
    out.push_back(weighted);
    // "Breaks the loop if the size of indexed scores doesn't change after an iteration."
    if (originalSize == next.size()) break;
    remained.swap(next);
  }
  return out;
}

FaceDetector::FaceDetector(const std::string& modelPath, const infer::ModelLoader& load)
    : anchors_(FaceDetectorAnchors()), toTensor_(kTensorSize, kTensorSize, kRangeMin, kRangeMax, BorderMode::kZero) {
  infer::ModelDesc desc;
  desc.inputShape = {kTensorSize, kTensorSize, 3};
  desc.outputNames = {"regressors", "classificators"};
  desc.outputElems = {size_t(kNumBoxes) * kNumCoords, size_t(kNumBoxes)};
  model_ = load(modelPath, desc);
  input_.resize(size_t(kTensorSize) * kTensorSize * 3);
}

const std::vector<Detection>& FaceDetector::Detect(const cv::Mat& rgb) {
  // ImageToTensorCalculator without an ROI input: the whole image (GetRoi), letterboxed to
  // the tensor's aspect ratio (PadRoi).
  RotatedRect roi{0.5f * rgb.cols, 0.5f * rgb.rows, float(rgb.cols), float(rgb.rows), 0.f};
  PadRoi(kTensorSize, kTensorSize, /*keepAspectRatio=*/true, &roi);
  toTensor_.Convert(rgb, roi, input_.data());
  model_->Run(input_.data(), 1, outputs_);
  const float* raw = outputs_[0].data();
  const float* scores = outputs_[1].data();

  // tensors_to_detections_calculator.cc DecodeBoxes + ConvertToDetections with
  // reverse_output_order: true (x before y, w before h), anchors of fixed size 1.
  raw_.clear();
  for (int i = 0; i < kNumBoxes; i++) {
    // num_classes: 1; score_clipping_thresh then sigmoid_score: true.
    float s = std::clamp(scores[i], -kScoreClippingThresh, kScoreClippingThresh);
    s = Sigmoid(s);
    if (s < kMinScoreThresh) continue;
    const float* r = raw + size_t(i) * kNumCoords + kBoxCoordOffset;
    const Anchor& a = anchors_[i];
    const float xCenter = r[0] / kScale + a.xCenter;
    const float yCenter = r[1] / kScale + a.yCenter;
    const float w = r[2] / kScale;
    const float h = r[3] / kScale;
    Detection d;
    d.xmin = xCenter - w / 2.f;
    d.ymin = yCenter - h / 2.f;
    d.width = (xCenter + w / 2.f) - d.xmin;
    d.height = (yCenter + h / 2.f) - d.ymin;
    d.score = s;
    // "Filter out those boxes" with negative or NaN width/height.
    if (d.width < 0 || d.height < 0 || std::isnan(d.width) || std::isnan(d.height)) continue;
    for (int k = 0; k < kNumKeypoints; k++) {
      const float* kp = raw + size_t(i) * kNumCoords + kKeypointCoordOffset + k * 2;
      d.keypoints[2 * k] = kp[0] / kScale + a.xCenter;
      d.keypoints[2 * k + 1] = kp[1] / kScale + a.yCenter;
    }
    raw_.push_back(d);
  }
  result_ = WeightedNms(std::move(raw_), kMinSuppressionThreshold);
  raw_.clear();

  // detection_projection_calculator.cc: keypoints through the tensor-to-image matrix; the box
  // as the axis-aligned box around its 4 projected corners.
  const std::array<float, 16> m = SubRectToImageMatrix(roi, rgb.cols, rgb.rows);
  auto project = [&](float x, float y, float* ox, float* oy) {
    *ox = m[0] * x + m[1] * y + m[3];
    *oy = m[4] * x + m[5] * y + m[7];
  };
  for (Detection& d : result_) {
    const float cx[4] = {d.xmin, d.xmin + d.width, d.xmin + d.width, d.xmin};
    const float cy[4] = {d.ymin, d.ymin, d.ymin + d.height, d.ymin + d.height};
    float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
    for (int c = 0; c < 4; c++) {
      float px, py;
      project(cx[c], cy[c], &px, &py);
      x0 = std::min(x0, px);
      y0 = std::min(y0, py);
      x1 = std::max(x1, px);
      y1 = std::max(y1, py);
    }
    d.xmin = x0;
    d.ymin = y0;
    d.width = x1 - x0;
    d.height = y1 - y0;
    for (int k = 0; k < kNumKeypoints; k++) project(d.keypoints[2 * k], d.keypoints[2 * k + 1], &d.keypoints[2 * k], &d.keypoints[2 * k + 1]);
  }
  return result_;
}

}  // namespace theval::face
