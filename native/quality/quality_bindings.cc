// JS entry points of the quality module:
//   loadBrisque(modelFile, rangeFile, device?) -> Promise<QualityModel>
//   loadOnnxModel(file, {maxBatch}) -> Promise<QualityModel>
//   QualityModel.score(frames: Uint8Array N x H x W x 3, {width, height, count, boxes?, resizeWidth?, resizeHeight?})
//       -> Promise<Float64Array>   (whole frames, or crops: boxes = Int32Array K x 5: frame, x0, y0, x1, y1)
//   scoreVideoQuality(path, {stride, global?, mouth?, face?, mouthBoxes?, faceBoxes?, ...}) -> Promise<{...}>
//   brisqueBare(frames, {width, height, count, boxes?, resize...}, modelFile, rangeFile) -> Promise<{seconds, scores}>
//   opencvInfo() / setOpenCvThreads(n)
// All scoring runs on libuv worker threads; frames are read in place from the caller's
// typed array (which must not be written while a call is pending).
#include "quality/quality_bindings.h"

#include "quality/cuda/brisque_device_model.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/quality/qualitybrisque.hpp>

#include <chrono>
#include <ctime>
#include <cmath>
#include <deque>
#include <limits>

#include "common/addon_data.h"
#include "common/errors.h"
#include "decode/video_decoder.h"
#include "quality/quality_model.h"

namespace theval {

namespace {

using quality::ModelPtr;
using quality::ResizeSpec;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Napi::Float64Array ToF64(Napi::Env env, const std::vector<double>& v) {
  Napi::Float64Array a = Napi::Float64Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); i++) a[i] = v[i];
  return a;
}

// ---- frames + crops ---------------------------------------------------------------------

struct Crop {
  int frame, x0, y0, x1, y1;
};

// What score()/brisqueBare() get: frames in a typed array, the images to score on them.
struct FrameSet {
  // A copy of the caller's frames, taken on the JS thread: the worker must not read a JS
  // buffer that can be detached or transferred (structuredClone, postMessage) meanwhile.
  std::shared_ptr<std::vector<uint8_t>> owned;
  const uint8_t* base = nullptr;
  int width = 0, height = 0, count = 0;
  std::vector<Crop> crops;  // empty: whole frames
  ResizeSpec resize;

  size_t FrameBytes() const { return size_t(width) * height * 3; }
  size_t Images() const { return crops.empty() ? size_t(count) : crops.size(); }
  cv::Mat Frame(int i) const {
    return cv::Mat(height, width, CV_8UC3, const_cast<uint8_t*>(base) + size_t(i) * FrameBytes());
  }
  cv::Mat Image(size_t i) const {
    if (crops.empty()) return Frame(int(i));
    const Crop& c = crops[i];
    return Frame(c.frame)(cv::Rect(c.x0, c.y0, c.x1 - c.x0, c.y1 - c.y0));
  }
};

Napi::Error Bad(Napi::Env env, const std::string& msg) { return MakeJsError(env, "BAD_ARGUMENT", msg, ""); }

int IntProp(Napi::Env env, const Napi::Object& o, const char* key, int lo, int hi, int dflt, bool required) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) {
    if (required) throw Bad(env, std::string(key) + " is required");
    return dflt;
  }
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= lo && d <= hi) || d != std::floor(d))
    throw Bad(env, std::string(key) + " must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
  return int(d);
}

ResizeSpec ResizeProp(Napi::Env env, const Napi::Object& o, const char* w, const char* h) {
  ResizeSpec r;
  r.width = IntProp(env, o, w, 0, 16384, 0, false);
  r.height = IntProp(env, o, h, 0, 16384, 0, false);
  if ((r.width == 0) != (r.height == 0)) throw Bad(env, std::string(w) + " and " + h + " go together");
  return r;
}

// Parses (frames, {width, height, count, boxes?, resizeWidth?, resizeHeight?}).
FrameSet ParseFrameSet(const Napi::CallbackInfo& info, size_t at, Napi::ObjectReference& keep) {
  Napi::Env env = info.Env();
  if (info.Length() < at + 2 || !info[at].IsTypedArray() || !info[at + 1].IsObject())
    throw Bad(env, "expected (frames: Uint8Array, {width, height, count, boxes?, resizeWidth?, resizeHeight?})");
  Napi::TypedArray ta = info[at].As<Napi::TypedArray>();
  if (ta.TypedArrayType() != napi_uint8_array) throw Bad(env, "frames must be a Uint8Array (RGB24, N x H x W x 3)");
  Napi::Object o = info[at + 1].As<Napi::Object>();
  FrameSet fs;
  fs.width = IntProp(env, o, "width", 1, 1 << 15, 0, true);
  fs.height = IntProp(env, o, "height", 1, 1 << 15, 0, true);
  fs.count = IntProp(env, o, "count", 0, 1 << 24, 0, true);
  fs.resize = ResizeProp(env, o, "resizeWidth", "resizeHeight");
  // width, height <= 2^15 and count <= 2^24: the product stays below 2^56, no overflow.
  const size_t need = fs.FrameBytes() * size_t(fs.count);
  if (ta.ByteLength() < need)
    throw Bad(env, "frames holds " + std::to_string(ta.ByteLength()) + " bytes; " + std::to_string(fs.count) + " frames of " +
                       std::to_string(fs.width) + "x" + std::to_string(fs.height) + "x3 need " + std::to_string(need));
  const uint8_t* src = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  fs.owned = std::make_shared<std::vector<uint8_t>>(src, src + need);
  fs.base = fs.owned->data();
  Napi::Value b = o.Get("boxes");
  if (!b.IsUndefined() && !b.IsNull()) {
    if (!b.IsTypedArray() || b.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
      throw Bad(env, "boxes must be an Int32Array of K x 5 values (frame, x0, y0, x1, y1)");
    Napi::Int32Array bx = b.As<Napi::Int32Array>();
    if (bx.ElementLength() % 5 != 0) throw Bad(env, "boxes length must be a multiple of 5 (frame, x0, y0, x1, y1)");
    for (size_t i = 0; i < bx.ElementLength(); i += 5) {
      Crop c{bx[i], bx[i + 1], bx[i + 2], bx[i + 3], bx[i + 4]};
      if (c.frame < 0 || c.frame >= fs.count || c.x0 < 0 || c.y0 < 0 || c.x1 > fs.width || c.y1 > fs.height ||
          c.x1 <= c.x0 || c.y1 <= c.y0)
        throw Bad(env, "box " + std::to_string(i / 5) + " (frame " + std::to_string(c.frame) + ", " + std::to_string(c.x0) +
                           "," + std::to_string(c.y0) + " - " + std::to_string(c.x1) + "," + std::to_string(c.y1) +
                           ") is empty or outside the " + std::to_string(fs.count) + " frame(s) of " +
                           std::to_string(fs.width) + "x" + std::to_string(fs.height));
      fs.crops.push_back(c);
    }
  }
  keep = Napi::Persistent(ta.As<Napi::Object>());
  return fs;
}

// ---- QualityModel (JS object) -----------------------------------------------------------

class ScoreWorker : public PromiseWorker {
 public:
  ScoreWorker(Napi::Env env, ModelPtr model, FrameSet fs, Napi::ObjectReference keep)
      : PromiseWorker(env), model_(std::move(model)), fs_(std::move(fs)), keep_(std::move(keep)) {}

 protected:
  void Run() override {
    scores_.assign(fs_.Images(), kNaN);
    auto session = model_->NewSession();
    for (size_t i = 0; i < scores_.size(); i++) session->Add(fs_.Image(i), fs_.resize, &scores_[i]);
    session->Flush();
  }
  Napi::Value Result(Napi::Env env) override { return ToF64(env, scores_); }
  void Settled() override { keep_.Reset(); }

 private:
  ModelPtr model_;
  FrameSet fs_;
  Napi::ObjectReference keep_;
  std::vector<double> scores_;
};

class QualityModelWrap : public Napi::ObjectWrap<QualityModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "QualityModel", {InstanceMethod<&QualityModelWrap::Score>("score")});
  }
  explicit QualityModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<QualityModelWrap>(info) {
    if (info.Length() < 1 || !info[0].IsExternal())
      throw Bad(info.Env(), "QualityModel is created by loadBrisque() or loadOnnxModel()");
    model_ = *info[0].As<Napi::External<ModelPtr>>().Data();
  }
  const ModelPtr& model() const { return model_; }

  static Napi::Object New(Napi::Env env, const ModelPtr& m) {
    auto* holder = new ModelPtr(m);
    auto ext = Napi::External<ModelPtr>::New(env, holder, [](Napi::Env, ModelPtr* h) { delete h; });
    Napi::Object o = GetAddonData(env)->qualityModelCtor.New({ext});
    o.Set("kind", m->Kind());
    o.Set("source", m->Source());
    if (const quality::OnnxInputInfo* in = quality::OnnxInput(*m)) {
      Napi::Object i = Napi::Object::New(env);
      i.Set("name", in->name);
      Napi::Array dims = Napi::Array::New(env, in->dims.size());
      for (size_t k = 0; k < in->dims.size(); k++) dims.Set(uint32_t(k), Napi::Number::New(env, double(in->dims[k])));
      i.Set("dims", dims);
      o.Set("input", i);
    } else {
      o.Set("input", env.Null());
    }
    return o;
  }

  // nullptr when v is not a QualityModel.
  static ModelPtr From(Napi::Env env, Napi::Value v) {
    if (!v.IsObject()) return nullptr;
    Napi::Object o = v.As<Napi::Object>();
    if (!o.InstanceOf(GetAddonData(env)->qualityModelCtor.Value())) return nullptr;
    return Unwrap(o)->model_;
  }

 private:
  Napi::Value Score(const Napi::CallbackInfo& info) {
    Napi::ObjectReference keep;
    FrameSet fs = ParseFrameSet(info, 0, keep);
    auto* w = new ScoreWorker(info.Env(), model_, std::move(fs), std::move(keep));
    w->Queue();
    return w->Promise();
  }
  ModelPtr model_;
};

class LoadWorker : public PromiseWorker {
 public:
  LoadWorker(Napi::Env env, std::function<ModelPtr()> load) : PromiseWorker(env), load_(std::move(load)) {}

 protected:
  void Run() override { model_ = load_(); }
  Napi::Value Result(Napi::Env env) override { return QualityModelWrap::New(env, model_); }

 private:
  std::function<ModelPtr()> load_;
  ModelPtr model_;
};

std::string StringArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsString() || info[i].As<Napi::String>().Utf8Value().empty())
    throw Bad(info.Env(), std::string("expected ") + what + " (a non-empty string)");
  return info[i].As<Napi::String>().Utf8Value();
}

Napi::Value LoadBrisqueJs(const Napi::CallbackInfo& info) {
  std::string model = StringArg(info, 0, "the BRISQUE model file");
  std::string range = StringArg(info, 1, "the BRISQUE range file");
  // Optional device: 'cuda', 'cuda:N' or 'cuda-emulated' (quality/cuda/brisque_device_model.h).
  const std::string device = info.Length() > 2 && info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "cpu";
  auto* w = new LoadWorker(info.Env(), [model, range, device] {
    return device == "cpu" ? quality::LoadBrisque(model, range) : quality::LoadBrisqueOnDevice(model, range, device);
  });
  w->Queue();
  return w->Promise();
}

Napi::Value LoadOnnxJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string file = StringArg(info, 0, "an ONNX file path");
  Napi::Object o = info.Length() > 1 && info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  int maxBatch = IntProp(env, o, "maxBatch", 1, 1024, 16, false);
  auto* w = new LoadWorker(env, [file, maxBatch] { return quality::LoadOnnx(file, maxBatch); });
  w->Queue();
  return w->Promise();
}

// ---- the bare scorer, for the bench -------------------------------------------------------

// OpenCV's BRISQUE called alone, as a user of OpenCV would: each image prepared beforehand
// as its own BGR Mat (crop copied, resized in BGR when a resize is requested), then only
// QualityBRISQUE::compute(bgr) is timed (it converts to grey itself).
class BareWorker : public PromiseWorker {
 public:
  BareWorker(Napi::Env env, FrameSet fs, Napi::ObjectReference keep, std::string model, std::string range)
      : PromiseWorker(env), fs_(std::move(fs)), keep_(std::move(keep)), model_(std::move(model)), range_(std::move(range)) {}

 protected:
  void Run() override {
    auto impl = cv::quality::QualityBRISQUE::create(model_, range_);
    std::vector<cv::Mat> bgr(fs_.Images());
    for (size_t i = 0; i < bgr.size(); i++) {
      cv::cvtColor(fs_.Image(i), bgr[i], cv::COLOR_RGB2BGR);
      if (fs_.resize.active()) bgr[i] = quality::ResizeTo(bgr[i], cv::Size(fs_.resize.width, fs_.resize.height));
    }
    scores_.resize(bgr.size());
    const double c0 = ThreadCpu();
    auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < bgr.size(); i++) scores_[i] = impl->compute(bgr[i])[0];
    seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    cpuSeconds_ = ThreadCpu() - c0;
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("seconds", Napi::Number::New(env, seconds_));
    o.Set("cpuSeconds", Napi::Number::New(env, cpuSeconds_));
    o.Set("scores", ToF64(env, scores_));
    return o;
  }
  void Settled() override { keep_.Reset(); }

 private:
  FrameSet fs_;
  Napi::ObjectReference keep_;
  std::string model_, range_;
  std::vector<double> scores_;
  double seconds_ = 0;
  double cpuSeconds_ = 0;  // this worker thread's CPU time (OpenCV threads: set 1 to keep it all here)

  static double ThreadCpu() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + ts.tv_nsec * 1e-9;
  }
};

Napi::Value BrisqueBareJs(const Napi::CallbackInfo& info) {
  Napi::ObjectReference keep;
  FrameSet fs = ParseFrameSet(info, 0, keep);
  std::string model = StringArg(info, 2, "the BRISQUE model file");
  std::string range = StringArg(info, 3, "the BRISQUE range file");
  auto* w = new BareWorker(info.Env(), std::move(fs), std::move(keep), model, range);
  w->Queue();
  return w->Promise();
}

// ---- whole video ----------------------------------------------------------------------------

struct VideoRequest {
  std::string path;
  DecoderOptions decoder;
  int stride = 1;
  ModelPtr global, mouth, face;
  std::vector<int32_t> mouthBoxes, faceBoxes;  // T x 4, x0 < 0 = no box for that frame
  ResizeSpec mouthResize, faceResize, globalResize;
};

std::vector<int32_t> BoxesProp(Napi::Env env, const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return {};
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw Bad(env, std::string(key) + " must be an Int32Array of T x 4 values (x0, y0, x1, y1; -1 = no box)");
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  if (a.ElementLength() % 4 != 0) throw Bad(env, std::string(key) + " length must be a multiple of 4");
  return std::vector<int32_t>(a.Data(), a.Data() + a.ElementLength());
}

class VideoWorker : public PromiseWorker {
 public:
  VideoWorker(Napi::Env env, VideoRequest req) : PromiseWorker(env), req_(std::move(req)) {}

 protected:
  // Checks row t of a box table against the frame; false when there is no box.
  bool BoxAt(const std::vector<int32_t>& boxes, int64_t t, const char* what, cv::Rect& r) const {
    if (size_t(t) * 4 + 4 > boxes.size()) return false;
    const int32_t* b = &boxes[size_t(t) * 4];
    if (b[0] < 0) return false;
    if (b[2] > width_ || b[3] > height_ || b[1] < 0 || b[2] <= b[0] || b[3] <= b[1])
      throw Error("BAD_ARGUMENT",
                  req_.path + ": " + what + " box of frame " + std::to_string(t) + " (" + std::to_string(b[0]) + "," +
                      std::to_string(b[1]) + " - " + std::to_string(b[2]) + "," + std::to_string(b[3]) +
                      ") is empty or outside the " + std::to_string(width_) + "x" + std::to_string(height_) + " frame",
                  req_.path);
    r = cv::Rect(b[0], b[1], b[2] - b[0], b[3] - b[1]);
    return true;
  }

  void Run() override {
    VideoDecoder dec(req_.path, req_.decoder);
    const VideoInfo& vi = dec.info();
    width_ = vi.width;
    height_ = vi.height;
    std::vector<uint8_t> rgb(dec.FrameBytesRgb24());
    cv::Mat frame(height_, width_, CV_8UC3, rgb.data());
    auto gs = req_.global ? req_.global->NewSession() : nullptr;
    auto ms = req_.mouth ? req_.mouth->NewSession() : nullptr;
    auto fs = req_.face ? req_.face->NewSession() : nullptr;
    int64_t t = 0;
    while (const AVFrame* f = dec.NextFrame()) {
      global_.push_back(kNaN);
      mouth_.push_back(kNaN);
      face_.push_back(kNaN);
      if (t % req_.stride == 0) {
        cv::Rect mb, fb;
        const bool m = ms && BoxAt(req_.mouthBoxes, t, "mouth", mb);
        const bool fc = fs && BoxAt(req_.faceBoxes, t, "face", fb);
        if (gs || m || fc) {
          dec.ToRgb24(f, rgb.data());
          converted_++;
          if (gs) gs->Add(frame, req_.globalResize, &global_.back());
          if (m) ms->Add(frame(mb), req_.mouthResize, &mouth_.back());
          if (fc) fs->Add(frame(fb), req_.faceResize, &face_.back());
        }
      }
      t++;
    }
    for (Session* s : {gs.get(), ms.get(), fs.get()})
      if (s) s->Flush();
    frames_ = t;
    fps_ = vi.fps;
    warnings_ = dec.stats().Warnings(vi, dec.finished());
    for (auto [boxes, name] : {std::pair{&req_.mouthBoxes, "mouthBoxes"}, std::pair{&req_.faceBoxes, "faceBoxes"}}) {
      if (!boxes->empty() && int64_t(boxes->size() / 4) != t)
        warnings_.push_back(std::string(name) + " has " + std::to_string(boxes->size() / 4) + " rows, the video decoded to " +
                            std::to_string(t) + " frames");
    }
    if (t == 0)
      throw Error("NO_FRAMES", req_.path + ": the video stream has no decodable frame", req_.path);
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("frames", Napi::Number::New(env, double(frames_)));
    o.Set("width", Napi::Number::New(env, width_));
    o.Set("height", Napi::Number::New(env, height_));
    o.Set("fps", Napi::Number::New(env, fps_));
    o.Set("convertedFrames", Napi::Number::New(env, double(converted_)));
    auto arr = [&](const ModelPtr& m, const std::deque<double>& d) -> Napi::Value {
      if (!m) return env.Null();
      return ToF64(env, std::vector<double>(d.begin(), d.end()));
    };
    o.Set("global", arr(req_.global, global_));
    o.Set("mouth", arr(req_.mouth, mouth_));
    o.Set("face", arr(req_.face, face_));
    Napi::Array w = Napi::Array::New(env, warnings_.size());
    for (size_t i = 0; i < warnings_.size(); i++) w.Set(uint32_t(i), warnings_[i]);
    o.Set("warnings", w);
    return o;
  }

 private:
  using Session = quality::Session;
  VideoRequest req_;
  int width_ = 0, height_ = 0;
  double fps_ = 0;
  int64_t frames_ = 0, converted_ = 0;
  // Deques: element addresses stay valid while frames are appended (batched sessions
  // write their results at Flush time).
  std::deque<double> global_, mouth_, face_;
  std::vector<std::string> warnings_;
};

Napi::Value ScoreVideoJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  VideoRequest req;
  req.path = StringArg(info, 0, "a video file path");
  if (info.Length() < 2 || !info[1].IsObject()) throw Bad(env, "scoreVideoQuality(path, options): options missing");
  Napi::Object o = info[1].As<Napi::Object>();
  req.stride = IntProp(env, o, "stride", 1, 1 << 20, 1, false);
  req.decoder.threads = IntProp(env, o, "threads", 0, 64, 1, false);
  req.decoder.autorotate = GetBool(o, "autorotate", true);
  auto model = [&](const char* key) -> ModelPtr {
    Napi::Value v = o.Get(key);
    if (v.IsUndefined() || v.IsNull()) return nullptr;
    ModelPtr m = QualityModelWrap::From(env, v);
    if (!m) throw Bad(env, std::string(key) + " must be a QualityModel (from loadBrisque or loadOnnxModel)");
    return m;
  };
  req.global = model("global");
  req.mouth = model("mouth");
  req.face = model("face");
  req.mouthBoxes = BoxesProp(env, o, "mouthBoxes");
  req.faceBoxes = BoxesProp(env, o, "faceBoxes");
  req.globalResize = ResizeProp(env, o, "globalWidth", "globalHeight");
  req.mouthResize = ResizeProp(env, o, "mouthWidth", "mouthHeight");
  req.faceResize = ResizeProp(env, o, "faceWidth", "faceHeight");
  if (!req.global && !req.mouth && !req.face) throw Bad(env, "scoreVideoQuality: no model given (global, mouth, face)");
  auto* w = new VideoWorker(env, std::move(req));
  w->Queue();
  return w->Promise();
}

Napi::Value OpenCvInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("version", Napi::String::New(env, CV_VERSION));
  o.Set("threads", Napi::Number::New(env, cv::getNumThreads()));
  return o;
}

Napi::Value SetOpenCvThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Bad(env, "setOpenCvThreads(n: number)");
  double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 0 && n <= 256) || n != std::floor(n)) throw Bad(env, "setOpenCvThreads: n must be an integer in 0..256");
  int prev = cv::getNumThreads();
  cv::setNumThreads(int(n));
  return Napi::Number::New(env, prev);
}

}  // namespace

quality::ModelPtr QualityModelFromJs(Napi::Env env, Napi::Value v) { return QualityModelWrap::From(env, v); }

void InitQuality(Napi::Env env, Napi::Object exports) {
  GetAddonData(env)->qualityModelCtor = Napi::Persistent(QualityModelWrap::Define(env));
  exports.Set("loadBrisque", Napi::Function::New<LoadBrisqueJs>(env, "loadBrisque"));
  exports.Set("loadOnnxModel", Napi::Function::New<LoadOnnxJs>(env, "loadOnnxModel"));
  exports.Set("scoreVideoQuality", Napi::Function::New<ScoreVideoJs>(env, "scoreVideoQuality"));
  exports.Set("brisqueBare", Napi::Function::New<BrisqueBareJs>(env, "brisqueBare"));
  exports.Set("opencvInfo", Napi::Function::New<OpenCvInfo>(env, "opencvInfo"));
  exports.Set("setOpenCvThreads", Napi::Function::New<SetOpenCvThreads>(env, "setOpenCvThreads"));
}

}  // namespace theval
