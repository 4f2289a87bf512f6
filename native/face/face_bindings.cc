// analyzeFaces(path, options): the face pass of one video in one AsyncWorker; the result's
// tracks are external ArrayBuffers over the vectors the pass filled (no copy).
#include "face/face_bindings.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>

#include "common/errors.h"
#include "decode/video_decoder.h"
#include "face/face_pipeline.h"
#include "face/image_to_tensor.h"
#include "infer/model.h"

namespace theval {

namespace {

using face::FaceAnalysis;
using face::FaceModels;
using face::FaceProfile;

// Loaded networks are kept for the next video (loading the attention model costs more than a
// few frames). Each analysis takes a set out of the pool and gives it back, so concurrent
// analyses never share one. Intentionally leaked: destroying OpenCV nets during process exit
// races OpenCV's own static teardown.
class ModelPool {
 public:
  std::unique_ptr<FaceModels> Take(const face::FaceModelPaths& p, FaceProfile profile, bool* loaded) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto it = idle_.begin(); it != idle_.end(); ++it) {
        const auto& q = (*it)->paths;
        if ((*it)->profile == profile && q.landmark == p.landmark && q.landmarkAttention == p.landmarkAttention &&
            q.detector == p.detector && q.geometry == p.geometry) {
          auto m = std::move(*it);
          idle_.erase(it);
          *loaded = false;
          return m;
        }
      }
    }
    *loaded = true;
    return FaceModels::Load(p, profile);
  }
  void Give(std::unique_ptr<FaceModels> m) {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() >= 4) idle_.erase(idle_.begin());
    idle_.push_back(std::move(m));
  }

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<FaceModels>> idle_;
};

ModelPool& Pool() {
  static ModelPool* pool = new ModelPool();
  return *pool;
}

template <typename T>
Napi::TypedArray External(Napi::Env env, std::vector<float>&& v) {
  auto* owned = new std::vector<float>(std::move(v));
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(
      env, owned->data(), owned->size() * sizeof(float), [](Napi::Env, void*, std::vector<float>* p) { delete p; },
      owned);
  return Napi::Float32Array::New(env, owned->size(), ab, 0);
}

class AnalyzeFacesWorker : public PromiseWorker {
 public:
  AnalyzeFacesWorker(Napi::Env env, std::string path, face::FaceModelPaths paths, FaceProfile profile,
                     face::FaceAnalysisOptions opt, int threads)
      : PromiseWorker(env), path_(std::move(path)), paths_(std::move(paths)), profile_(profile), opt_(opt),
        threads_(threads) {}

 protected:
  void Run() override {
    if (threads_ > 0) infer::SetCpuThreads(threads_);
    const auto t0 = std::chrono::steady_clock::now();
    bool loaded = false;
    std::unique_ptr<FaceModels> models = Pool().Take(paths_, profile_, &loaded);
    const double loadS = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    try {
      result_ = face::AnalyzeFaces(path_, *models, opt_);
    } catch (...) {
      Pool().Give(std::move(models));
      throw;
    }
    Pool().Give(std::move(models));
    result_.timings.modelLoad = loaded ? loadS : 0;
    backend_ = "opencv-dnn-cpu";
    cvThreads_ = infer::CpuThreads();
  }

  Napi::Value Result(Napi::Env env) override {
    FaceAnalysis& r = result_;
    Napi::Object o = Napi::Object::New(env);
    o.Set("path", path_);
    o.Set("frames", Napi::Number::New(env, double(r.frames)));
    o.Set("fps", Napi::Number::New(env, r.info.fps));
    o.Set("width", Napi::Number::New(env, r.info.width));
    o.Set("height", Napi::Number::New(env, r.info.height));
    o.Set("profile", r.profile == FaceProfile::kBoth ? "both" : "refinedOnly");
    o.Set("landmarks", External<float>(env, std::move(r.signals.plain)));
    o.Set("refined", External<float>(env, std::move(r.signals.refined)));
    o.Set("presence", External<float>(env, std::move(r.signals.presence)));
    o.Set("box", External<float>(env, std::move(r.signals.box)));
    o.Set("pose", External<float>(env, std::move(r.signals.pose)));
    if (opt_.motion) o.Set("motion", External<float>(env, std::move(r.signals.motion)));
    Napi::Array w = Napi::Array::New(env, r.warnings.size());
    for (size_t i = 0; i < r.warnings.size(); i++) w.Set(uint32_t(i), r.warnings[i]);
    o.Set("warnings", w);
    Napi::Object t = Napi::Object::New(env);
    const auto ms = [&](double s) { return Napi::Number::New(env, s * 1000.0); };
    t.Set("totalMs", ms(r.timings.total));
    t.Set("decodeMs", ms(r.timings.decode));
    t.Set("detectMs", ms(r.timings.detect));
    t.Set("plainWarpMs", ms(r.timings.plainWarp));
    t.Set("plainInferMs", ms(r.timings.plainInfer));
    t.Set("refinedWarpMs", ms(r.timings.refinedWarp));
    t.Set("refinedInferMs", ms(r.timings.refinedInfer));
    t.Set("poseMs", ms(r.timings.pose));
    t.Set("modelLoadMs", ms(r.timings.modelLoad));
    if (opt_.motion) t.Set("motionMs", ms(r.timings.motion));
    t.Set("detectorRuns", Napi::Number::New(env, double(r.timings.detectorRuns)));
    t.Set("parallel", Napi::Boolean::New(env, opt_.parallel && r.profile == FaceProfile::kBoth));
    SetEmulation(env, o, opt_);
    t.Set("cvThreads", Napi::Number::New(env, cvThreads_));
    t.Set("backend", backend_);
    o.Set("timings", t);
    return o;
  }

 private:
  std::string path_;
  face::FaceModelPaths paths_;
  FaceProfile profile_;
  face::FaceAnalysisOptions opt_;
  int threads_;
  FaceAnalysis result_;
  std::string backend_;
  int cvThreads_ = 0;
};

// detectFaces(path, detectorModel): the detector alone on the first frame (what the tracker
// starts from): every detection after non-max suppression, in order (the first is the one
// Face Mesh with max_num_faces = 1 tracks).
class DetectFacesWorker : public PromiseWorker {
 public:
  DetectFacesWorker(Napi::Env env, std::string path, std::string model)
      : PromiseWorker(env), path_(std::move(path)), model_(std::move(model)) {}

 protected:
  void Run() override {
    face::FaceDetector detector(model_);
    DecoderOptions opt;
    VideoDecoder dec(path_, opt);
    const AVFrame* f = dec.NextFrame();
    if (!f) throw Error("NO_FRAMES", path_ + ": the video stream has no decodable frame", path_);
    width_ = dec.info().width;
    height_ = dec.info().height;
    std::vector<uint8_t> rgb(dec.FrameBytesRgb24());
    dec.ToRgb24(f, rgb.data());
    dets_ = detector.Detect(cv::Mat(height_, width_, CV_8UC3, rgb.data()));
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Array a = Napi::Array::New(env, dets_.size());
    for (size_t i = 0; i < dets_.size(); i++) {
      const face::Detection& d = dets_[i];
      Napi::Object o = Napi::Object::New(env);
      Napi::Array box = Napi::Array::New(env, 4);
      box.Set(0u, d.xmin * width_);
      box.Set(1u, d.ymin * height_);
      box.Set(2u, (d.xmin + d.width) * width_);
      box.Set(3u, (d.ymin + d.height) * height_);
      o.Set("box", box);
      o.Set("score", d.score);
      Napi::Array kp = Napi::Array::New(env, 12);
      for (uint32_t k = 0; k < 12; k++) kp.Set(k, d.keypoints[k] * (k % 2 == 0 ? width_ : height_));
      o.Set("keypoints", kp);
      a.Set(uint32_t(i), o);
    }
    return a;
  }

 private:
  std::string path_, model_;
  int width_ = 0, height_ = 0;
  std::vector<face::Detection> dets_;
};

Napi::Value DetectFacesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString())
    throw MakeJsError(env, "BAD_ARGUMENT", "detectFaces(path: string, detectorModel: string)", "");
  auto* w = new DetectFacesWorker(env, info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value());
  w->Queue();
  return w->Promise();
}

Napi::Value AnalyzeFacesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsObject())
    throw MakeJsError(env, "BAD_ARGUMENT", "analyzeFaces(path: string, options: object)", "");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Object o = info[1].As<Napi::Object>();
  face::FaceModelPaths paths;
  FaceProfile profile;
  face::FaceAnalysisOptions opt;
  ReadFaceOptions(env, o, path, "analyzeFaces", "", &paths, &profile, &opt);
  const double threads = GetNumber(o, "threads", 1);
  if (!(threads >= 0 && threads <= 256) || threads != std::floor(threads))
    throw MakeJsError(env, "BAD_ARGUMENT", "threads must be an integer in 0..256 (0 = keep OpenCV's setting)", path);
  auto* w = new AnalyzeFacesWorker(env, path, paths, profile, opt, int(threads));
  w->Queue();
  return w->Promise();
}

// faceCropTensor(rgb, width, height, roi, options): the landmark models' input crop as the
// face pass computes it (tests check it against an independent numpy implementation of the
// sampling, with the AVX2 path on and off). roi: {centerX, centerY, width, height, rotation}
// in pixels/radians; options: {size = 192, rangeMin = 0, rangeMax = 1, border = 'replicate' |
// 'zero', simd = true}. Returns {tensor: Float32Array (size x size x 3), map: Float64Array(6)}.
Napi::Value FaceCropTensorJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "faceCropTensor(rgb: Uint8Array, width: number, height: number, roi: object, options?: object)";
  if (info.Length() < 4 || !info[0].IsTypedArray() || !info[1].IsNumber() || !info[2].IsNumber() || !info[3].IsObject())
    throw MakeJsError(env, "BAD_ARGUMENT", usage, "");
  Napi::TypedArray rgb = info[0].As<Napi::TypedArray>();
  const double w = info[1].As<Napi::Number>().DoubleValue(), h = info[2].As<Napi::Number>().DoubleValue();
  if (rgb.TypedArrayType() != napi_uint8_array || !(w >= 1 && h >= 1 && w <= 16384 && h <= 16384) || w != std::floor(w) ||
      h != std::floor(h) || double(rgb.ByteLength()) != w * h * 3)
    throw MakeJsError(env, "BAD_ARGUMENT", std::string(usage) + ": rgb must be a Uint8Array of width x height x 3 bytes", "");
  Napi::Object r = info[3].As<Napi::Object>();
  face::RotatedRect roi{float(GetNumber(r, "centerX", 0)), float(GetNumber(r, "centerY", 0)), float(GetNumber(r, "width", 0)),
                        float(GetNumber(r, "height", 0)), float(GetNumber(r, "rotation", 0))};
  Napi::Object o = info.Length() >= 5 && info[4].IsObject() ? info[4].As<Napi::Object>() : Napi::Object::New(env);
  const double size = GetNumber(o, "size", 192);
  if (!(size >= 1 && size <= 1024) || size != std::floor(size))
    throw MakeJsError(env, "BAD_ARGUMENT", std::string(usage) + ": size must be an integer in 1..1024", "");
  const std::string border = GetString(o, "border", "replicate");
  if (border != "replicate" && border != "zero")
    throw MakeJsError(env, "BAD_ARGUMENT", std::string(usage) + ": border must be 'replicate' or 'zero'", "");
  const int n = int(size);
  face::ImageToTensor conv(n, n, float(GetNumber(o, "rangeMin", 0)), float(GetNumber(o, "rangeMax", 1)),
                           border == "zero" ? face::BorderMode::kZero : face::BorderMode::kReplicate);
  conv.setSimd(GetBool(o, "simd", true));
  cv::Mat frame(int(h), int(w), CV_8UC3, static_cast<uint8_t*>(rgb.ArrayBuffer().Data()) + rgb.ByteOffset());
  Napi::Float32Array tensor = Napi::Float32Array::New(env, size_t(size) * size_t(size) * 3);
  Napi::Float64Array map = Napi::Float64Array::New(env, 6);
  conv.Convert(frame, roi, tensor.Data(), map.Data());
  Napi::Object out = Napi::Object::New(env);
  out.Set("tensor", tensor);
  out.Set("map", map);
  return out;
}

}  // namespace

void SetEmulation(Napi::Env env, Napi::Object& result, const face::FaceAnalysisOptions& opt) {
  if (!(opt.emulating() || opt.cpuWarp || opt.staticMode)) return;
  Napi::Object e = Napi::Object::New(env);
  e.Set("swapRB", Napi::Boolean::New(env, opt.swapRB));
  e.Set("squash", Napi::Number::New(env, opt.squash));
  e.Set("cpuWarp", Napi::Boolean::New(env, opt.cpuWarp));
  e.Set("staticMode", Napi::Boolean::New(env, opt.staticMode));
  result.Set("emulation", e);
}

void ReadFaceOptions(Napi::Env env, const Napi::Object& o, const std::string& path, const char* what, const char* prefix,
                     face::FaceModelPaths* paths, face::FaceProfile* profile, face::FaceAnalysisOptions* opt) {
  const std::string pre = prefix;
  auto bad = [&](const std::string& msg) { return MakeJsError(env, "BAD_ARGUMENT", msg, path); };
  auto integer = [&](const char* key, double lo, double hi, double dflt, const std::string& msg) {
    const double v = GetNumber(o, key, dflt);
    if (!(v >= lo && v <= hi) || v != std::floor(v)) throw bad(msg);
    return int(v);
  };
  paths->landmark = GetString(o, "landmarkModel", "");
  paths->landmarkAttention = GetString(o, "attentionModel", "");
  paths->detector = GetString(o, "detectorModel", "");
  paths->geometry = GetString(o, "geometry", "");
  const std::string p = GetString(o, "profile", "both");
  if (p != "both" && p != "refinedOnly") throw bad(pre + "profile must be 'both' or 'refinedOnly'");
  *profile = p == "both" ? FaceProfile::kBoth : FaceProfile::kRefinedOnly;
  if (paths->landmarkAttention.empty() || paths->detector.empty() || (p == "both" && paths->landmark.empty()))
    throw bad(std::string(what) + ": " + pre + "landmarkModel, attentionModel and detectorModel paths are required");
  opt->parallel = GetBool(o, "parallel", false);
  opt->swapRB = GetBool(o, "swapRB", false);
  opt->cpuWarp = GetBool(o, "cpuWarp", false);
  opt->staticMode = GetBool(o, "staticMode", false);
  opt->squash = integer("squash", 0, 4096, 0, "squash must be 0 (off) or an integer in 16..4096");
  if (opt->squash != 0 && opt->squash < 16) throw bad("squash must be 0 (off) or an integer in 16..4096");
  opt->motion = GetBool(o, "motion", false);
  const int flowSize = integer("flowSize", 32, 1024, 128, "flowSize must be an integer in 32..1024");
  opt->motionParams.faceSize = flowSize;
  // The background flow runs on the whole frame at half that size (its motion is coarse; the
  // face's texture is what needs the resolution).
  opt->motionParams.frameSize = std::max(32, flowSize / 2);
}

void InitFace(Napi::Env env, Napi::Object exports) {
  exports.Set("analyzeFaces", Napi::Function::New<AnalyzeFacesJs>(env, "analyzeFaces"));
  exports.Set("detectFaces", Napi::Function::New<DetectFacesJs>(env, "detectFaces"));
  exports.Set("faceCropTensor", Napi::Function::New<FaceCropTensorJs>(env, "faceCropTensor"));
}

}  // namespace theval
