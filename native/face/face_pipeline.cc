#include "face/face_pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <limits>

#include <opencv2/imgproc.hpp>

#include "common/errors.h"
#include "face/pose.h"

namespace theval::face {

namespace {

constexpr int kPlainPoints = 468;
constexpr int kRefinedPoints = 478;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Appends one frame of `n` NaN values and returns a pointer to it.
float* Grow(std::vector<float>& v, size_t n) {
  v.resize(v.size() + n, kNaN);
  return v.data() + v.size() - n;
}

}  // namespace

std::unique_ptr<FaceModels> FaceModels::Load(const FaceModelPaths& paths, FaceProfile profile, const infer::ModelLoader& load,
                                             std::shared_ptr<const FaceGeometry> geometry) {
  auto m = std::make_unique<FaceModels>();
  m->paths = paths;
  m->profile = profile;
  m->detector = std::make_unique<FaceDetector>(paths.detector, load);
  if (profile == FaceProfile::kBoth)
    m->plain = std::make_unique<FaceLandmarker>(paths.landmark, LandmarkModelKind::kPlain, load);
  m->refined = std::make_unique<FaceLandmarker>(paths.landmarkAttention, LandmarkModelKind::kAttention, load);
  if (geometry)
    m->geometry = std::move(geometry);
  else if (!paths.geometry.empty())
    m->geometry = std::make_shared<const FaceGeometry>(LoadFaceGeometry(paths.geometry));
  return m;
}

void FaceSignals::Reserve(int64_t frames) {
  if (frames <= 0) return;
  const size_t t = size_t(frames) + 8;
  plain.reserve(t * kPlainPoints * 3);
  refined.reserve(t * kRefinedPoints * 3);
  presence.reserve(t * 2);
  box.reserve(t * 4);
  pose.reserve(t * 3);
}

std::unique_ptr<flow::MotionDiagnostics> MakeMotionStage(const FaceAnalysisOptions& options, int W, int H) {
  return options.motion ? std::make_unique<flow::MotionDiagnostics>(W, H, options.motionParams) : nullptr;
}

void PushMotion(flow::MotionDiagnostics& stage, const uint8_t* rgb, FaceSignals& out, FaceTimings& timings) {
  const double t0 = Now();
  const float* plain = out.plain.data() + out.plain.size() - kPlainPoints * 3;
  const flow::MotionFrame m = stage.Push(rgb, std::isnan(plain[0]) ? nullptr : plain);
  float* mo = Grow(out.motion, flow::kMotionValues);
  mo[0] = m.frameDiff;
  mo[1] = m.warpError;
  mo[2] = m.bgMotion;
  mo[3] = m.faceMotion;
  timings.motion += Now() - t0;
}

const cv::Mat& FaceModelImage(const cv::Mat& decoded, const FaceAnalysisOptions& options, cv::Mat& work) {
  if (!options.emulating()) return decoded;
  // Fresh buffers each frame (never aliasing `decoded`, which the next decode overwrites).
  cv::Mat sized;
  if (options.squash > 0)
    cv::resize(decoded, sized, cv::Size(options.squash, options.squash), 0, 0, cv::INTER_LINEAR);
  else
    sized = decoded.clone();
  if (options.swapRB)
    cv::cvtColor(sized, work, cv::COLOR_RGB2BGR);
  else
    work = sized;
  return work;
}

FaceFrameStage::FaceFrameStage(FaceModels& models, const FaceAnalysisOptions& options)
    : models_(models), options_(options), refinedTracker_(*models.refined), refinedFrame_(kRefinedPoints * 3) {
  if (models.profile == FaceProfile::kBoth) plainTracker_ = std::make_unique<FaceTracker>(*models.plain);
  // Pooled models keep the last analysis's convention: set it every time.
  models.detector->setCpuCorners(options.cpuWarp);
  if (models.plain) models.plain->setCpuCorners(options.cpuWarp);
  models.refined->setCpuCorners(options.cpuWarp);
}

void FaceFrameStage::Process(const cv::Mat& image, int W, int H, FaceSignals& out, FaceTimings& timings) {
  const double t1 = Now();
  // Both trackers see the same detections on a frame where either needs them (two
  // MediaPipe instances would each run the same detector on the same image).
  const std::vector<Detection>* dets = nullptr;
  if (refinedTracker_.needsDetection() || (plainTracker_ && plainTracker_->needsDetection())) {
    dets = &models_.detector->Detect(image);
    timings.detectorRuns++;
  }
  const double t2 = Now();
  timings.detect += t2 - t1;

  float* plainXyz = Grow(out.plain, kPlainPoints * 3);
  float* refinedXyz = Grow(out.refined, kRefinedPoints * 3);
  float* presence = Grow(out.presence, 2);
  float* box = Grow(out.box, 4);
  float* pose = Grow(out.pose, 3);

  // The plain tracker writes straight into its frame slot; NaN is restored when no face.
  const bool both = plainTracker_ != nullptr;
  TrackResult plainResult, refinedResult;
  auto runPlain = [&]() { plainResult = plainTracker_->Process(image, dets, plainXyz); };
  if (both && options_.parallel) {
    auto pending = std::async(std::launch::async, runPlain);
    refinedResult = refinedTracker_.Process(image, dets, refinedFrame_.data());
    pending.get();
  } else {
    if (both) runPlain();
    refinedResult = refinedTracker_.Process(image, dets, refinedFrame_.data());
  }
  if (both) {
    if (plainResult.ran) {
      timings.plainWarp += models_.plain->lastWarpSeconds;
      timings.plainInfer += models_.plain->lastInferSeconds;
    }
    if (!plainResult.found) std::fill(plainXyz, plainXyz + kPlainPoints * 3, kNaN);
    presence[0] = plainResult.presence;
  }
  if (refinedResult.ran) {
    timings.refinedWarp += models_.refined->lastWarpSeconds;
    timings.refinedInfer += models_.refined->lastInferSeconds;
  }
  presence[1] = refinedResult.presence;
  if (refinedResult.found) std::copy(refinedFrame_.begin(), refinedFrame_.end(), refinedXyz);
  if (!both) {
    // refinedOnly: the plain track is the refined model's first 468 points.
    if (refinedResult.found) std::copy(refinedXyz, refinedXyz + kPlainPoints * 3, plainXyz);
    presence[0] = refinedResult.presence;
  }
  const double t3 = Now();
  // Face box: min / max of the plain track's 468 points, in pixels of the displayed frame.
  if (!std::isnan(plainXyz[0])) {
    float x0 = plainXyz[0], x1 = x0, y0 = plainXyz[1], y1 = y0;
    for (int i = 1; i < kPlainPoints; i++) {
      x0 = std::min(x0, plainXyz[3 * i]);
      x1 = std::max(x1, plainXyz[3 * i]);
      y0 = std::min(y0, plainXyz[3 * i + 1]);
      y1 = std::max(y1, plainXyz[3 * i + 1]);
    }
    box[0] = x0 * W;
    box[1] = y0 * H;
    box[2] = x1 * W;
    box[3] = y1 * H;
    // Head pose from the same (plain) track as the box: docs/pose.md.
    if (models_.geometry) {
      const HeadPose hp = EstimatePose(plainXyz, W, H, *models_.geometry);
      if (hp.valid()) {
        pose[0] = float(hp.pitch);
        pose[1] = float(hp.yaw);
        pose[2] = float(hp.roll);
      }
    }
  }
  timings.pose += Now() - t3;
  if (options_.staticMode) {
    // Face Mesh's static-image mode: no ROI carried to the next frame.
    refinedTracker_.Forget();
    if (plainTracker_) plainTracker_->Forget();
  }
}

FaceAnalysis AnalyzeFaces(const std::string& path, FaceModels& models, const FaceAnalysisOptions& options) {
  const double tStart = Now();
  FaceAnalysis out;
  out.profile = models.profile;
  DecoderOptions decOpt;
  decOpt.threads = 1;  // one decode thread per video; parallelism comes from running videos side by side
  VideoDecoder dec(path, decOpt);
  out.info = dec.info();
  const int W = out.info.width, H = out.info.height;
  std::vector<uint8_t> rgb(dec.FrameBytesRgb24());
  const cv::Mat decoded(H, W, CV_8UC3, rgb.data());
  cv::Mat work;
  out.signals.Reserve(out.info.containerFrames);
  FaceFrameStage stage(models, options);
  const auto motion = MakeMotionStage(options, W, H);

  while (true) {
    const double t0 = Now();
    const AVFrame* f = dec.NextFrame();
    if (!f) break;
    dec.ToRgb24(f, rgb.data());
    const cv::Mat& image = FaceModelImage(decoded, options, work);
    out.timings.decode += Now() - t0;
    stage.Process(image, W, H, out.signals, out.timings);
    if (motion) PushMotion(*motion, rgb.data(), out.signals, out.timings);
    out.frames++;
  }
  out.warnings = dec.stats().Warnings(out.info, dec.finished());
  if (out.frames == 0)
    throw Error("NO_FRAMES",
                path + ": the video stream has no decodable frame" + (out.warnings.empty() ? "" : " (" + out.warnings[0] + ")"),
                path);
  out.timings.total = Now() - tStart;
  return out;
}

}  // namespace theval::face
