// The small value types of MediaPipe's face graphs, and the rect arithmetic between them.
// Every formula names the MediaPipe file it follows (google/mediapipe, the version whose
// graphs are compiled into npm @mediapipe/face_mesh 0.4.1633559619: see docs/face.md).
#pragma once

#include <array>
#include <cmath>
#include <vector>

namespace theval::face {

// mediapipe/framework/formats/rect.proto NormalizedRect: centre and size as fractions of
// the image width / height, rotation in radians (clockwise positive in image coordinates).
struct NormalizedRect {
  float xCenter = 0, yCenter = 0, width = 0, height = 0, rotation = 0;
};

// mediapipe/calculators/tensor/image_to_tensor_utils.h RotatedRect: the same in pixels.
struct RotatedRect {
  float centerX = 0, centerY = 0, width = 0, height = 0, rotation = 0;
};

// A face detection: relative bounding box and BlazeFace's 6 keypoints (normalised image
// coordinates after DetectionProjectionCalculator), and its score (sigmoid of the logit).
struct Detection {
  float xmin = 0, ymin = 0, width = 0, height = 0;
  float score = 0;
  std::array<float, 12> keypoints{};  // x0, y0, x1, y1, ... (0: left eye, 1: right eye, as MediaPipe names them)
};

// mediapipe/framework/port/... NormalizeRadians (detections_to_rects_calculator.cc):
// angle - 2*pi*floor((angle + pi) / (2*pi)).
inline float NormalizeRadians(float angle) {
  return angle - 2.f * float(M_PI) * std::floor((angle - (-float(M_PI))) / (2.f * float(M_PI)));
}

// image_to_tensor_utils.cc GetRoi: a NormalizedRect in pixels of a width x height image.
inline RotatedRect ToPixels(const NormalizedRect& r, int width, int height) {
  return {r.xCenter * width, r.yCenter * height, r.width * width, r.height * height, r.rotation};
}

// image_to_tensor_utils.cc GetRotatedSubRectToRectTransformMatrix (no flip): maps a point
// in [0,1]^2 of the sub-rect (tensor space) to normalised coordinates of the image.
// Row-major 4x4; only rows 0 and 1 are used here (x, y).
std::array<float, 16> SubRectToImageMatrix(const RotatedRect& subRect, int imageWidth, int imageHeight);

// image_to_tensor_utils.cc PadRoi: letterboxing for keep_aspect_ratio; grows the ROI to the
// tensor's aspect ratio and returns the padding (left, top, right, bottom) as fractions.
std::array<float, 4> PadRoi(int tensorWidth, int tensorHeight, bool keepAspectRatio, RotatedRect* roi);

// detections_to_rects_calculator.cc (DetectionToNormalizedRect + ComputeRotation) followed by
// rect_transformation_calculator.cc (TransformNormalizedRect with scale_x = scale_y = scale,
// square_long, no shift), the two nodes of face_detection_front_detection_to_roi.pbtxt and
// face_landmark_landmarks_to_roi.pbtxt.
NormalizedRect RectFromBoxAndKeypoints(float xmin, float ymin, float boxWidth, float boxHeight, float x0, float y0,
                                       float x1, float y1, int imageWidth, int imageHeight, float scale);

// face_detection_front_detection_to_roi.pbtxt: rotation from keypoint 0 (left eye) to
// keypoint 1 (right eye), target angle 0, scale 1.5, square_long.
NormalizedRect RoiFromDetection(const Detection& d, int imageWidth, int imageHeight);

// face_landmark_landmarks_to_roi.pbtxt: LandmarksToDetectionCalculator (the box spanning
// every landmark), rotation from landmark 33 to landmark 263, target angle 0, scale 1.5,
// square_long. `xyz` holds n landmarks (x, y, z) in normalised image coordinates.
NormalizedRect RoiFromLandmarks(const float* xyz, int n, int imageWidth, int imageHeight);

// image_to_tensor_utils.cc ValidateRoi: finite, positive size.
inline bool ValidRoi(const NormalizedRect& r) {
  return std::isfinite(r.xCenter) && std::isfinite(r.yCenter) && std::isfinite(r.width) && std::isfinite(r.height) &&
         std::isfinite(r.rotation) && r.width > 0 && r.height > 0;
}

}  // namespace theval::face
