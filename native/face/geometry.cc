#include "face/geometry.h"

#include <algorithm>
#include <limits>

namespace theval::face {

std::array<float, 16> SubRectToImageMatrix(const RotatedRect& sub, int imageWidth, int imageHeight) {
  // image_to_tensor_utils.cc GetRotatedSubRectToRectTransformMatrix, flip = 1.
  const float a = sub.width, b = sub.height;
  const float c = std::cos(sub.rotation), d = std::sin(sub.rotation);
  const float e = sub.centerX, f = sub.centerY;
  const float g = 1.0f / imageWidth, h = 1.0f / imageHeight;
  std::array<float, 16> m{};
  m[0] = a * c * g;
  m[1] = -b * d * g;
  m[3] = (-0.5f * a * c + 0.5f * b * d + e) * g;
  m[4] = a * d * h;
  m[5] = b * c * h;
  m[7] = (-0.5f * b * c - 0.5f * a * d + f) * h;
  m[10] = a * g;
  m[15] = 1.0f;
  return m;
}

std::array<float, 4> PadRoi(int tensorWidth, int tensorHeight, bool keepAspectRatio, RotatedRect* roi) {
  if (!keepAspectRatio) return {0.f, 0.f, 0.f, 0.f};
  const float tensorAspect = float(tensorHeight) / tensorWidth;
  const float roiAspect = roi->height / roi->width;
  float vertical = 0.f, horizontal = 0.f, newWidth, newHeight;
  if (tensorAspect > roiAspect) {
    newWidth = roi->width;
    newHeight = roi->width * tensorAspect;
    vertical = (1.0f - roiAspect / tensorAspect) / 2.0f;
  } else {
    newWidth = roi->height / tensorAspect;
    newHeight = roi->height;
    horizontal = (1.0f - tensorAspect / roiAspect) / 2.0f;
  }
  roi->width = newWidth;
  roi->height = newHeight;
  return {horizontal, vertical, horizontal, vertical};
}

NormalizedRect RectFromBoxAndKeypoints(float xmin, float ymin, float boxWidth, float boxHeight, float x0, float y0,
                                       float x1, float y1, int imageWidth, int imageHeight, float scale) {
  NormalizedRect r;
  // detections_to_rects_calculator.cc DetectionToNormalizedRect (RELATIVE_BOUNDING_BOX).
  r.xCenter = xmin + boxWidth / 2;
  r.yCenter = ymin + boxHeight / 2;
  float width = boxWidth, height = boxHeight;
  // detections_to_rects_calculator.cc ComputeRotation: keypoints in pixels,
  // rotation = NormalizeRadians(target_angle - atan2(-(y1 - y0), x1 - x0)), target angle 0.
  const float px0 = x0 * imageWidth, py0 = y0 * imageHeight;
  const float px1 = x1 * imageWidth, py1 = y1 * imageHeight;
  r.rotation = NormalizeRadians(0.f - std::atan2(-(py1 - py0), px1 - px0));
  // rect_transformation_calculator.cc TransformNormalizedRect: shift_x = shift_y = 0 (no
  // shift), square_long: both sides become the longer side in pixels, then scale.
  const float longSide = std::max(width * imageWidth, height * imageHeight);
  width = longSide / imageWidth;
  height = longSide / imageHeight;
  r.width = width * scale;
  r.height = height * scale;
  return r;
}

namespace {
// face_detection_front_detection_to_roi.pbtxt / face_landmark_landmarks_to_roi.pbtxt:
// RectTransformationCalculator scale_x: 1.5, scale_y: 1.5, square_long: true.
constexpr float kRoiScale = 1.5f;
// face_landmark_landmarks_to_roi.pbtxt: rotation_vector_start_keypoint_index: 33,
// rotation_vector_end_keypoint_index: 263 (the graph compiled into @mediapipe/face_mesh
// 0.4.1633559619 says 263; some older MediaPipe sources said 133).
constexpr int kRoiStartLandmark = 33;
constexpr int kRoiEndLandmark = 263;
}  // namespace

NormalizedRect RoiFromDetection(const Detection& d, int imageWidth, int imageHeight) {
  // face_detection_front_detection_to_roi.pbtxt: rotation_vector_start_keypoint_index: 0,
  // rotation_vector_end_keypoint_index: 1, rotation_vector_target_angle_degrees: 0.
  return RectFromBoxAndKeypoints(d.xmin, d.ymin, d.width, d.height, d.keypoints[0], d.keypoints[1], d.keypoints[2],
                                 d.keypoints[3], imageWidth, imageHeight, kRoiScale);
}

NormalizedRect RoiFromLandmarks(const float* xyz, int n, int imageWidth, int imageHeight) {
  // landmarks_to_detection_calculator.cc ConvertLandmarksToDetection: the box spanning all
  // landmarks (x, y), every landmark a keypoint.
  float xmin = std::numeric_limits<float>::max(), ymin = xmin;
  float xmax = std::numeric_limits<float>::lowest(), ymax = xmax;
  for (int i = 0; i < n; i++) {
    xmin = std::min(xmin, xyz[3 * i]);
    xmax = std::max(xmax, xyz[3 * i]);
    ymin = std::min(ymin, xyz[3 * i + 1]);
    ymax = std::max(ymax, xyz[3 * i + 1]);
  }
  const float* a = xyz + 3 * kRoiStartLandmark;
  const float* b = xyz + 3 * kRoiEndLandmark;
  return RectFromBoxAndKeypoints(xmin, ymin, xmax - xmin, ymax - ymin, a[0], a[1], b[0], b[1], imageWidth, imageHeight,
                                 kRoiScale);
}

}  // namespace theval::face
