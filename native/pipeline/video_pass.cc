#include "pipeline/video_pass.h"

#include <chrono>
#include <deque>
#include <limits>
#include <memory>

#include "common/errors.h"

namespace theval::pipeline {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kPlainPoints = 468;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// One quality scorer of the pass: its session and the per-frame scores. Scores live in a
// deque because a batching session writes them at Flush time (addresses must stay valid).
struct Scorer {
  std::unique_ptr<quality::Session> session;
  quality::ResizeSpec resize;
  std::deque<double> scores;
  double* seconds = nullptr;
  void Score(const cv::Mat& image) {
    const double t0 = Now();
    session->Add(image, resize, &scores.back());
    *seconds += Now() - t0;
  }
};

}  // namespace

PassResult RunVideoPass(const PassRequest& req, face::FaceModels* models, FrameSink* sink) {
  const double tStart = Now();
  PassResult out;
  DecoderOptions decOpt;
  decOpt.threads = 1;  // one decode thread per video; parallelism comes from videos side by side
  decOpt.hwaccelCuda = req.hwaccel == "cuda";
  decOpt.hwDevice = req.hwDevice;
  VideoDecoder dec(req.path, decOpt);
  out.info = dec.info();
  const int W = out.info.width, H = out.info.height;
  std::vector<uint8_t> rgb(dec.FrameBytesRgb24());
  const cv::Mat frame(H, W, CV_8UC3, rgb.data());
  cv::Mat work;

  const bool faces = req.faceStages && models;
  std::unique_ptr<face::FaceFrameStage> faceStage;
  if (faces) {
    out.face.Reserve(out.info.containerFrames);
    faceStage = std::make_unique<face::FaceFrameStage>(*models, req.faceOptions);
  }
  const auto motion = faces ? face::MakeMotionStage(req.faceOptions, W, H) : nullptr;
  const QualityRequest& q = req.quality;
  auto makeScorer = [&](const quality::ModelPtr& m, const quality::ResizeSpec& r, double* seconds) -> std::unique_ptr<Scorer> {
    if (!m) return nullptr;
    auto s = std::make_unique<Scorer>();
    s->session = m->NewSession();
    s->resize = r;
    s->seconds = seconds;
    return s;
  };
  auto global = makeScorer(q.global, q.globalResize, &out.timings.global);
  auto mouth = faces ? makeScorer(q.mouth, q.mouthResize, &out.timings.mouth) : nullptr;
  auto faceQ = faces ? makeScorer(q.face, q.faceResize, &out.timings.faceQuality) : nullptr;
  const int stride = std::max(1, q.stride);

  for (int64_t t = 0;; t++) {
    const double t0 = Now();
    const AVFrame* f = dec.NextFrame();
    if (!f) break;
    dec.ToRgb24(f, rgb.data());
    const cv::Mat& image = faces ? face::FaceModelImage(frame, req.faceOptions, work) : frame;
    out.timings.face.decode += Now() - t0;

    if (faces) faceStage->Process(image, W, H, out.face, out.timings.face);
    if (motion) face::PushMotion(*motion, rgb.data(), out.face, out.timings.face);
    const float* plain = faces ? out.face.plain.data() + size_t(t) * kPlainPoints * 3 : nullptr;

    CropBox mb, fb;
    const bool hasMouth = plain && MouthBox(plain, W, H, &mb);
    const bool hasFace = plain && FaceCropBox(plain, W, H, &fb);
    for (Scorer* s : {global.get(), mouth.get(), faceQ.get()})
      if (s) s->scores.push_back(kNaN);
    if (t % stride == 0) {
      if (global) global->Score(frame);
      if (mouth && hasMouth) mouth->Score(frame(cv::Rect(mb.x0, mb.y0, mb.x1 - mb.x0, mb.y1 - mb.y0)));
      if (faceQ && hasFace) faceQ->Score(frame(cv::Rect(fb.x0, fb.y0, fb.x1 - fb.x0, fb.y1 - fb.y0)));
    }
    if (sink) {
      const double ts = Now();
      sink->Frame(t, frame, hasMouth ? &mb : nullptr, hasFace ? &fb : nullptr);
      out.timings.sink += Now() - ts;
    }
    out.frames++;
  }
  for (auto [s, seconds] : {std::pair{global.get(), &out.timings.global}, std::pair{mouth.get(), &out.timings.mouth},
                            std::pair{faceQ.get(), &out.timings.faceQuality}}) {
    if (!s) continue;
    const double t0 = Now();
    s->session->Flush();
    *seconds += Now() - t0;
  }
  if (sink) sink->End();
  auto take = [](std::unique_ptr<Scorer>& s, std::vector<double>& v, bool& has) {
    if (!s) return;
    v.assign(s->scores.begin(), s->scores.end());
    has = true;
  };
  take(global, out.global, out.hasGlobal);
  take(mouth, out.mouth, out.hasMouth);
  take(faceQ, out.faceQuality, out.hasFaceQuality);
  out.frameTimes = dec.stats().frameTimes;
  out.warnings = dec.stats().Warnings(out.info, dec.finished());
  if (out.frames == 0)
    throw Error("NO_FRAMES",
                req.path + ": the video stream has no decodable frame" + (out.warnings.empty() ? "" : " (" + out.warnings[0] + ")"),
                req.path);
  out.timings.total = Now() - tStart;
  return out;
}

}  // namespace theval::pipeline
