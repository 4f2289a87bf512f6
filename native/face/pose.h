// Head pose (pitch, yaw, roll in degrees) from MediaPipe face landmarks, by a weighted
// similarity (Procrustes) fit of MediaPipe's canonical face geometry. Pure C++ (no N-API),
// thread-safe, no allocation beyond small stack arrays. Method, conventions and measured
// accuracy: docs/pose.md.
//
// Conventions (the person's own left/right; "image" = the displayed frame, y down):
//   yaw   > 0: the head turns to its own left  -> the nose tip moves to image right.
//   pitch > 0: chin up (head tilted back)      -> the nose tip moves up in the image.
//   roll  > 0: the head tilts clockwise as seen in the image (the top of the head moves
//              to image right, towards the person's left shoulder).
// Rotation: R = Rz(-roll) * Ry(yaw) * Rx(-pitch) in MediaPipe's metric camera frame
// (right-handed, x image right, y image up, z towards the camera), i.e. pitch is applied
// first, then yaw, then roll about the camera axis (the usual "ZYX" head-pose
// decomposition). Frontal face = (0, 0, 0). Gimbal lock at |yaw| = 90.
#pragma once

#include <cmath>

#include "face/face_geometry.h"

namespace theval {

enum class PoseWeights {
  // MediaPipe's 33 weighted Procrustes landmarks (procrustes_landmark_basis).
  kProcrustes = 0,
  // All 468 mesh vertices, equal weights.
  kUniform = 1,
  // The 309 vertices above the upper lip (canonical y > kUpperFaceMinY: nose, eyes, brows,
  // forehead, cheekbones, upper ears), equal weights: no lip or jaw point.
  kUpperFace = 2,
};

// The upper-face cut in canonical centimetres: below the nose base (subnasale, vertex 164,
// y = -2.52) and above the upper lip (vertex 0, y = -3.41).
constexpr float kUpperFaceMinY = -2.6f;

struct PoseOptions {
  PoseWeights weights = PoseWeights::kUpperFace;  // the measured best: docs/pose.md
  // 0: weak perspective. The canonical mesh is fitted directly to the landmarks in pixel
  //    space (x*W, y*H, z*W): the pose is relative to the line of sight through the face,
  //    which is what a crop-based pose network (the reference's FaceXFormer) reports.
  // > 0: perspective. The landmarks are unprojected with a pinhole camera of this vertical
  //    field of view (principal point at the frame centre) the way MediaPipe's geometry
  //    pipeline does (MediaPipe's default camera: 63 degrees), then fitted in metric
  //    space: the pose is relative to the camera's axes.
  double verticalFovDegrees = 0.0;
  // Also fit the scale of the landmarks' relative depth z against x (MediaPipe documents
  // z only as "roughly the same scale as x"): the landmarks' z is divided by a fitted
  // factor k before the (alternating) fit, so a z that is k times too deep or too shallow
  // does not bias pitch and yaw. Off: k = 1.
  bool fitDepthScale = false;
};

struct HeadPose {
  float pitch = NAN, yaw = NAN, roll = NAN;  // degrees
  // R above, row-major: canonical direction -> metric camera frame (x right, y up, z to
  // the camera).
  float rotation[9] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
  // Weak perspective: pixels per canonical centimetre. Perspective: 1 (the depth is
  // chosen so that the face has the canonical size).
  float scale = NAN;
  // Where the canonical origin lands. Weak perspective: pixel space (x px, y px, z px in
  // the landmarks' relative-depth units). Perspective: centimetres in the camera frame
  // (x right, y down, z forward, i.e. z = distance along the optical axis).
  float translation[3] = {NAN, NAN, NAN};
  // Weighted RMS distance between the fitted canonical mesh and the (unprojected)
  // landmarks, over the fitted points, in canonical centimetres (resolution independent).
  float residual = NAN;
  // The fitted depth scale k (1 when fitDepthScale is off).
  float depthScale = NAN;
  bool valid() const { return std::isfinite(pitch) && std::isfinite(yaw) && std::isfinite(roll); }
};

// `landmarks`: one face, at least 468 points x (x, y, z) as MediaPipe normalises them
// (x, y in 0..1 of the frame; z relative depth, smaller = nearer, in the same scale as x,
// i.e. z*W pixels). A 478-point refined set works too (the first 468 are the mesh).
// Any non-finite coordinate among the 468, a degenerate fit, or width/height <= 0 gives
// an invalid (all-NaN) pose; it never throws.
HeadPose EstimatePose(const float* landmarks, int width, int height, const FaceGeometry& geometry,
                      const PoseOptions& options = PoseOptions());

// The Euler angles (degrees) of a rotation matrix R (row-major, as HeadPose::rotation).
void RotationToPitchYawRoll(const double R[9], double* pitch, double* yaw, double* roll);

}  // namespace theval
