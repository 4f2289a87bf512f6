#include "face/pose.h"

#include <algorithm>
#include <cmath>

namespace theval {
namespace {

constexpr int kMeshPoints = 468;
constexpr double kPi = 3.14159265358979323846;
constexpr double kRadToDeg = 180.0 / kPi;

// Largest-eigenvalue eigenvector of a symmetric 4x4 matrix (cyclic Jacobi, double).
void LargestEigenvector4(double A[4][4], double v[4], double* lambda) {
  double V[4][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
  for (int sweep = 0; sweep < 50; sweep++) {
    double off = 0, diag = 0;
    for (int p = 0; p < 4; p++) {
      diag += A[p][p] * A[p][p];
      for (int q = p + 1; q < 4; q++) off += A[p][q] * A[p][q];
    }
    if (off <= 1e-30 * (diag + 1e-300)) break;
    for (int p = 0; p < 4; p++) {
      for (int q = p + 1; q < 4; q++) {
        if (A[p][q] == 0) continue;
        double theta = (A[q][q] - A[p][p]) / (2 * A[p][q]);
        double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < 4; k++) {  // A <- A * J
          double akp = A[k][p], akq = A[k][q];
          A[k][p] = c * akp - s * akq;
          A[k][q] = s * akp + c * akq;
        }
        for (int k = 0; k < 4; k++) {  // A <- J^T * A
          double apk = A[p][k], aqk = A[q][k];
          A[p][k] = c * apk - s * aqk;
          A[q][k] = s * apk + c * aqk;
        }
        for (int k = 0; k < 4; k++) {
          double vkp = V[k][p], vkq = V[k][q];
          V[k][p] = c * vkp - s * vkq;
          V[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  int best = 0;
  for (int k = 1; k < 4; k++)
    if (A[k][k] > A[best][best]) best = k;
  for (int k = 0; k < 4; k++) v[k] = V[k][best];
  *lambda = A[best][best];
}

struct Similarity {
  double R[9];  // row-major
  double s;
  double t[3];
  double rms;   // weighted RMS of target - (s R a + t), in target units
  bool ok;
};

// Weighted similarity b ~ s R a + t (Umeyama's problem; the rotation by Horn's unit
// quaternion method, which never returns a reflection; the scale as MediaPipe's solver
// computes it: sum w (R a').b' / sum w |a'|^2). `a`, `b`: n x 3.
Similarity FitSimilarity(const double* a, const double* b, const double* w, int n) {
  Similarity out{};
  out.ok = false;
  double W = 0, ca[3] = {0, 0, 0}, cb[3] = {0, 0, 0};
  for (int i = 0; i < n; i++) {
    W += w[i];
    for (int k = 0; k < 3; k++) {
      ca[k] += w[i] * a[3 * i + k];
      cb[k] += w[i] * b[3 * i + k];
    }
  }
  if (!(W > 0)) return out;
  for (int k = 0; k < 3; k++) {
    ca[k] /= W;
    cb[k] /= W;
  }
  double S[3][3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
  double varA = 0, varB = 0;
  for (int i = 0; i < n; i++) {
    double da[3], db[3];
    for (int k = 0; k < 3; k++) {
      da[k] = a[3 * i + k] - ca[k];
      db[k] = b[3 * i + k] - cb[k];
    }
    for (int r = 0; r < 3; r++)
      for (int c = 0; c < 3; c++) S[r][c] += w[i] * da[r] * db[c];
    varA += w[i] * (da[0] * da[0] + da[1] * da[1] + da[2] * da[2]);
    varB += w[i] * (db[0] * db[0] + db[1] * db[1] + db[2] * db[2]);
  }
  if (!(varA > 1e-12 * W) || !(varB > 1e-12 * W)) return out;
  // Horn (1987): N's largest eigenvector is the quaternion of the best rotation a -> b.
  const double Sxx = S[0][0], Sxy = S[0][1], Sxz = S[0][2];
  const double Syx = S[1][0], Syy = S[1][1], Syz = S[1][2];
  const double Szx = S[2][0], Szy = S[2][1], Szz = S[2][2];
  double N[4][4] = {
      {Sxx + Syy + Szz, Syz - Szy, Szx - Sxz, Sxy - Syx},
      {Syz - Szy, Sxx - Syy - Szz, Sxy + Syx, Szx + Sxz},
      {Szx - Sxz, Sxy + Syx, -Sxx + Syy - Szz, Syz + Szy},
      {Sxy - Syx, Szx + Sxz, Syz + Szy, -Sxx - Syy + Szz},
  };
  double q[4], lambda;
  LargestEigenvector4(N, q, &lambda);
  double qn = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
  if (!(qn > 0)) return out;
  const double q0 = q[0] / qn, qx = q[1] / qn, qy = q[2] / qn, qz = q[3] / qn;
  double* R = out.R;
  R[0] = q0 * q0 + qx * qx - qy * qy - qz * qz;
  R[1] = 2 * (qx * qy - q0 * qz);
  R[2] = 2 * (qx * qz + q0 * qy);
  R[3] = 2 * (qy * qx + q0 * qz);
  R[4] = q0 * q0 - qx * qx + qy * qy - qz * qz;
  R[5] = 2 * (qy * qz - q0 * qx);
  R[6] = 2 * (qz * qx - q0 * qy);
  R[7] = 2 * (qz * qy + q0 * qx);
  R[8] = q0 * q0 - qx * qx - qy * qy + qz * qz;
  // lambda = sum w (R a').b'
  out.s = lambda / varA;
  if (!(out.s > 0) || !std::isfinite(out.s)) return out;
  for (int r = 0; r < 3; r++)
    out.t[r] = cb[r] - out.s * (R[3 * r] * ca[0] + R[3 * r + 1] * ca[1] + R[3 * r + 2] * ca[2]);
  double se = 0;
  for (int i = 0; i < n; i++) {
    const double* ai = a + 3 * i;
    for (int r = 0; r < 3; r++) {
      double p = out.s * (R[3 * r] * ai[0] + R[3 * r + 1] * ai[1] + R[3 * r + 2] * ai[2]) + out.t[r];
      double e = b[3 * i + r] - p;
      se += w[i] * e * e;
    }
  }
  out.rms = std::sqrt(se / W);
  out.ok = true;
  return out;
}

}  // namespace

void RotationToPitchYawRoll(const double R[9], double* pitch, double* yaw, double* roll) {
  // R = Rz(az) Ry(ay) Rx(ax): R20 = -sin(ay), R21 = cos(ay) sin(ax), R22 = cos(ay) cos(ax),
  // R10 = sin(az) cos(ay), R00 = cos(az) cos(ay). pitch = -ax, yaw = ay, roll = -az.
  const double ax = std::atan2(R[7], R[8]);
  const double ay = std::atan2(-R[6], std::hypot(R[0], R[3]));
  const double az = std::atan2(R[3], R[0]);
  *pitch = -ax * kRadToDeg;
  *yaw = ay * kRadToDeg;
  *roll = -az * kRadToDeg;
}

HeadPose EstimatePose(const float* landmarks, int width, int height, const FaceGeometry& geometry,
                      const PoseOptions& options) {
  HeadPose pose;
  if (!landmarks || width <= 0 || height <= 0 || geometry.vertexCount() < kMeshPoints) return pose;
  for (int i = 0; i < kMeshPoints * 3; i++)
    if (!std::isfinite(landmarks[i])) return pose;

  // The fitted points: (canonical vertex a_i, landmark b_i, weight w_i).
  double a[kMeshPoints * 3], b[kMeshPoints * 3], w[kMeshPoints];
  int ids[kMeshPoints];
  int n = 0;
  if (options.weights == PoseWeights::kProcrustes) {
    if (geometry.procrustesIds.size() > static_cast<size_t>(kMeshPoints)) return pose;
    for (size_t k = 0; k < geometry.procrustesIds.size(); k++) {
      if (geometry.procrustesIds[k] < 0 || geometry.procrustesIds[k] >= kMeshPoints) return pose;
      ids[n] = geometry.procrustesIds[k];
      w[n++] = geometry.procrustesWeights[k];
    }
  } else {
    const bool upper = options.weights == PoseWeights::kUpperFace;
    for (int i = 0; i < kMeshPoints; i++) {
      if (upper && !(geometry.vertices[3 * i + 1] > kUpperFaceMinY)) continue;
      ids[n] = i;
      w[n++] = 1.0;
    }
  }
  if (n < 3) return pose;
  for (int k = 0; k < n; k++)
    for (int c = 0; c < 3; c++) a[3 * k + c] = geometry.vertices[3 * ids[k] + c];

  // Pixel space: x right, y down, z (relative depth) away from the camera. Right-handed,
  // so the canonical frame (y up, z towards the viewer) maps into it by a proper rotation:
  // R_fit = F * R with F = diag(1, -1, -1).
  const double W = width, H = height;
  const bool perspective = options.verticalFovDegrees > 0 && options.verticalFovDegrees < 180;
  double f = 0, cx = 0, cy = 0, zMean = 0;
  if (perspective) {
    f = 0.5 * H / std::tan(0.5 * options.verticalFovDegrees / kRadToDeg);
    cx = 0.5 * W;
    cy = 0.5 * H;
    // MediaPipe's depth offset: the plain mean relative depth of all landmarks.
    for (int i = 0; i < kMeshPoints; i++) zMean += static_cast<double>(landmarks[3 * i + 2]) * W;
    zMean /= kMeshPoints;
  }
  // Landmarks in pixels (u, v, d).
  double px[kMeshPoints * 3];
  for (int k = 0; k < n; k++) {
    const float* l = landmarks + 3 * ids[k];
    px[3 * k] = l[0] * W;
    px[3 * k + 1] = l[1] * H;
    px[3 * k + 2] = l[2] * W;
  }
  // Target points for a depth scale k (z divided by k).
  auto targets = [&](double k) {
    for (int i = 0; i < n; i++) {
      double u = px[3 * i], v = px[3 * i + 1], d = px[3 * i + 2] / k;
      if (!perspective) {
        b[3 * i] = u;
        b[3 * i + 1] = v;
        b[3 * i + 2] = d;
      } else {
        // Relative depth d is in pixels at the face's mean depth Zm: Z = Zm (1 + (d - mean)/f),
        // X = (u - cx) Z / f, Y = (v - cy) Z / f. Computed here in units of Zm; the shape is
        // then exactly Zm times too small, which changes only the fitted scale (the
        // rotation is scale invariant), so Zm = 1 / scale after one fit.
        double Z = 1.0 + (d - zMean / k) / f;
        b[3 * i] = (u - cx) / f * Z;
        b[3 * i + 1] = (v - cy) / f * Z;
        b[3 * i + 2] = Z;
      }
    }
  };
  double depthScale = 1.0;
  targets(depthScale);
  Similarity sim = FitSimilarity(a, b, w, n);
  if (!sim.ok) return pose;
  if (options.fitDepthScale) {
    // Alternate: the similarity for fixed k, then the k that best matches the landmarks'
    // centred depth to the fitted model's centred depth (least squares in 1/k).
    double sw = 0;
    for (int i = 0; i < n; i++) sw += w[i];
    for (int iter = 0; iter < 100; iter++) {
      double dbar = 0, pbar = 0;
      double pz[kMeshPoints];
      for (int i = 0; i < n; i++) {
        const double* ai = a + 3 * i;
        pz[i] = sim.s * (sim.R[6] * ai[0] + sim.R[7] * ai[1] + sim.R[8] * ai[2]) + sim.t[2];
        dbar += w[i] * px[3 * i + 2];
        pbar += w[i] * pz[i];
      }
      dbar /= sw;
      pbar /= sw;
      double num = 0, den = 0;
      for (int i = 0; i < n; i++) {
        double dd = px[3 * i + 2] - dbar;
        // Weak: model depth in pixels. Perspective: in units of Zm, i.e. (d / k) / f.
        double pp = perspective ? (pz[i] - pbar) * f : pz[i] - pbar;
        num += w[i] * dd * pp;
        den += w[i] * dd * dd;
      }
      if (!(den > 0) || !(num > 0)) return pose;
      double next = den / num;
      bool done = std::fabs(next - depthScale) < 1e-9 * depthScale;
      depthScale = next;
      targets(depthScale);
      sim = FitSimilarity(a, b, w, n);
      if (!sim.ok) return pose;
      if (done) break;
    }
  }

  double Rh[9];
  for (int c = 0; c < 3; c++) {
    Rh[c] = sim.R[c];
    Rh[3 + c] = -sim.R[3 + c];
    Rh[6 + c] = -sim.R[6 + c];
  }
  double pitch, yaw, roll;
  RotationToPitchYawRoll(Rh, &pitch, &yaw, &roll);
  pose.pitch = static_cast<float>(pitch);
  pose.yaw = static_cast<float>(yaw);
  pose.roll = static_cast<float>(roll);
  for (int k = 0; k < 9; k++) pose.rotation[k] = static_cast<float>(Rh[k]);
  pose.residual = static_cast<float>(sim.rms / sim.s);
  pose.depthScale = static_cast<float>(depthScale);
  if (!perspective) {
    pose.scale = static_cast<float>(sim.s);
    for (int k = 0; k < 3; k++) pose.translation[k] = static_cast<float>(sim.t[k]);
  } else {
    const double zm = 1.0 / sim.s;  // centimetres
    pose.scale = 1.0f;
    for (int k = 0; k < 3; k++) pose.translation[k] = static_cast<float>(sim.t[k] * zm);
  }
  return pose;
}

}  // namespace theval
