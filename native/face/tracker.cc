#include "face/tracker.h"

namespace theval::face {

TrackResult FaceTracker::Process(const cv::Mat& rgb, const std::vector<Detection>* detections, float* xyz) {
  TrackResult r;
  NormalizedRect roi;
  if (tracking_) {
    roi = roi_;
  } else {
    if (!detections || detections->empty()) return r;
    roi = RoiFromDetection((*detections)[0], rgb.cols, rgb.rows);
    r.detected = true;
  }
  tracking_ = false;
  // ImageToTensorCalculator rejects an invalid ROI (ValidateRoi); MediaPipe then produces no
  // landmarks for the frame, and the next frame detects again.
  if (!ValidRoi(roi)) return r;
  r.presence = landmarker_.Run(rgb, roi, xyz);
  r.ran = true;
  // thresholding_calculator.cc: accept = score > threshold (strictly); GateCalculator drops the landmarks
  // otherwise, so the loop-back ROI is empty and the next frame runs the detector (but this
  // frame is not detected again: the gate on the image was decided before).
  if (!(r.presence > kPresenceThreshold)) return r;
  r.found = true;
  roi_ = RoiFromLandmarks(xyz, landmarker_.numPoints(), rgb.cols, rgb.rows);
  tracking_ = ValidRoi(roi_);
  return r;
}

}  // namespace theval::face
