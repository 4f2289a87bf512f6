// JS entry points of the one pass (sharp-like: options validated in lib/, one call per video):
//   runVideoPass(path, {face?, quality?}) -> Promise<{info, frames, landmarks, refined, presence,
//       box, pose, quality: {global, mouth, face}, warnings, timings}>   (typed arrays over the
//       native vectors: external ArrayBuffers, no copy)
//   configurePasses({threads, engines, maxBatch}) -> the configuration in force
//   passStats() -> {running, networks: [{path, calls, batches, items, maxBatch, engines}], decoders: {video, audio}}
//   decodeAudioRates(path, rates[]) -> Promise<NativeAudio[]>   (one audio decode, one output per rate)
// Passes run on the scheduler's threads (native/scheduler/), not on libuv's pool; each call
// settles its promise through a thread-safe function.
#include <napi.h>

#include <cmath>
#include <condition_variable>
#include <limits>
#include <mutex>

#include "common/errors.h"
#include "face/face_bindings.h"
#include "decode/audio_decoder.h"
#include "decode/decode_bindings.h"
#include "decode/ffmpeg_util.h"
#include "quality/quality_bindings.h"
#include "scheduler/pass_scheduler.h"

namespace theval {

namespace {

using pipeline::PassResult;

Napi::Error Bad(Napi::Env env, const std::string& msg, const std::string& file = "") {
  return MakeJsError(env, "BAD_ARGUMENT", msg, file);
}

template <typename T, typename Array>
Array External(Napi::Env env, std::vector<T>&& v) {
  auto* owned = new std::vector<T>(std::move(v));
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(
      env, owned->data(), owned->size() * sizeof(T), [](Napi::Env, void*, std::vector<T>* p) { delete p; }, owned);
  return Array::New(env, owned->size(), ab, 0);
}

Napi::Array Strings(Napi::Env env, const std::vector<std::string>& v) {
  Napi::Array a = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); i++) a.Set(uint32_t(i), v[i]);
  return a;
}

Napi::Value ErrorValue(Napi::Env env, std::exception_ptr error, const std::string& path) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    return MakeJsError(env, e.code(), e.what(), e.file().empty() ? path : e.file()).Value();
  } catch (const std::exception& e) {
    return MakeJsError(env, "INTERNAL", path + ": " + e.what(), path).Value();
  } catch (...) {
    return MakeJsError(env, "INTERNAL", path + ": unknown native error", path).Value();
  }
}

Napi::Object ResultToJs(Napi::Env env, PassResult& r, bool faceRan, face::FaceProfile profile,
                        const face::FaceAnalysisOptions& fo) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("info", VideoInfoToJs(env, r.info));
  o.Set("frames", Napi::Number::New(env, double(r.frames)));
  o.Set("fps", Napi::Number::New(env, r.info.fps));
  o.Set("width", Napi::Number::New(env, r.info.width));
  o.Set("height", Napi::Number::New(env, r.info.height));
  if (faceRan) {
    o.Set("profile", profile == face::FaceProfile::kBoth ? "both" : "refinedOnly");
    o.Set("landmarks", External<float, Napi::Float32Array>(env, std::move(r.face.plain)));
    o.Set("refined", External<float, Napi::Float32Array>(env, std::move(r.face.refined)));
    o.Set("presence", External<float, Napi::Float32Array>(env, std::move(r.face.presence)));
    o.Set("box", External<float, Napi::Float32Array>(env, std::move(r.face.box)));
    o.Set("pose", External<float, Napi::Float32Array>(env, std::move(r.face.pose)));
    if (fo.motion) o.Set("motion", External<float, Napi::Float32Array>(env, std::move(r.face.motion)));
    SetEmulation(env, o, fo);
  }
  Napi::Object q = Napi::Object::New(env);
  auto scores = [&](bool has, std::vector<double>& v) -> Napi::Value {
    return has ? Napi::Value(External<double, Napi::Float64Array>(env, std::move(v))) : env.Null();
  };
  q.Set("global", scores(r.hasGlobal, r.global));
  q.Set("mouth", scores(r.hasMouth, r.mouth));
  q.Set("face", scores(r.hasFaceQuality, r.faceQuality));
  o.Set("quality", q);
  o.Set("frameTimes", External<double, Napi::Float64Array>(env, std::move(r.frameTimes)));
  o.Set("warnings", Strings(env, r.warnings));
  Napi::Object t = Napi::Object::New(env);
  const auto ms = [&](double s) { return Napi::Number::New(env, s * 1000.0); };
  const face::FaceTimings& f = r.timings.face;
  t.Set("decodeMs", ms(f.decode));
  t.Set("detectMs", ms(f.detect));
  t.Set("plainWarpMs", ms(f.plainWarp));
  t.Set("plainInferMs", ms(f.plainInfer));
  t.Set("refinedWarpMs", ms(f.refinedWarp));
  t.Set("refinedInferMs", ms(f.refinedInfer));
  t.Set("poseMs", ms(f.pose));
  if (fo.motion) t.Set("motionMs", ms(f.motion));
  t.Set("detectorRuns", Napi::Number::New(env, double(f.detectorRuns)));
  t.Set("globalQualityMs", ms(r.timings.global));
  t.Set("mouthQualityMs", ms(r.timings.mouth));
  t.Set("faceQualityMs", ms(r.timings.faceQuality));
  t.Set("frameSinkMs", ms(r.timings.sink));
  t.Set("totalMs", ms(r.timings.total));
  o.Set("timings", t);
  return o;
}

// Hands the decoded frames (and their crop boxes) to a JS callback in batches, for quality
// plug-ins written in JS: no second decode for them. Backpressure: at most kInFlight batches
// are with JS at once; the pass's thread waits for JS to call release() on an older one, so
// memory stays at a few batches whatever the speed of the JS scorers.
class JsFrameSink : public pipeline::FrameSink {
 public:
  JsFrameSink(Napi::ThreadSafeFunction tsfn, int batch) : tsfn_(tsfn), batch_(batch), state_(std::make_shared<State>()) {}
  ~JsFrameSink() override { tsfn_.Release(); }

  void Frame(int64_t t, const cv::Mat& rgb, const pipeline::CropBox* mouth, const pipeline::CropBox* face) override {
    if (!pending_) {
      pending_ = std::make_unique<Batch>();
      pending_->first = t;
      pending_->width = rgb.cols;
      pending_->height = rgb.rows;
      pending_->pixels.reserve(size_t(batch_) * rgb.total() * 3);
    }
    Batch& b = *pending_;
    const uint8_t* p = rgb.ptr<uint8_t>();  // the decoded frame: continuous
    b.pixels.insert(b.pixels.end(), p, p + rgb.total() * 3);
    for (const pipeline::CropBox* c : {mouth, face}) {
      if (c)
        b.boxes.insert(b.boxes.end(), {c->x0, c->y0, c->x1, c->y1});
      else
        b.boxes.insert(b.boxes.end(), {-1, -1, -1, -1});
    }
    if (++b.count == batch_) Send();
  }
  void End() override {
    if (pending_) Send();
    std::unique_lock<std::mutex> lock(state_->mu);
    state_->cv.wait(lock, [&] { return state_->inFlight == 0; });
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    int inFlight = 0;
  };
  struct Batch {
    int64_t first = 0;
    int count = 0, width = 0, height = 0;
    std::vector<uint8_t> pixels;
    std::vector<int32_t> boxes;  // count x 8: mouth x0 y0 x1 y1, face x0 y0 x1 y1; -1 = none
    std::shared_ptr<State> state;
  };
  static constexpr int kInFlight = 2;

  void Send() {
    {
      std::unique_lock<std::mutex> lock(state_->mu);
      state_->cv.wait(lock, [&] { return state_->inFlight < kInFlight; });
      state_->inFlight++;
    }
    pending_->state = state_;
    tsfn_.BlockingCall(pending_.release(), [](Napi::Env env, Napi::Function fn, Batch* b) {
      Napi::HandleScope scope(env);
      std::shared_ptr<State> state = b->state;
      auto release = [state] {
        std::lock_guard<std::mutex> lock(state->mu);
        state->inFlight--;
        state->cv.notify_all();
      };
      try {
        Napi::Object o = Napi::Object::New(env);
        o.Set("first", Napi::Number::New(env, double(b->first)));
        o.Set("count", Napi::Number::New(env, b->count));
        o.Set("width", Napi::Number::New(env, b->width));
        o.Set("height", Napi::Number::New(env, b->height));
        o.Set("data", External<uint8_t, Napi::Uint8Array>(env, std::move(b->pixels)));
        o.Set("boxes", External<int32_t, Napi::Int32Array>(env, std::move(b->boxes)));
        delete b;
        b = nullptr;
        // release() may be called once; later calls do nothing.
        auto once = std::make_shared<bool>(false);
        Napi::Function done = Napi::Function::New(env, [release, once](const Napi::CallbackInfo&) {
          if (*once) return;
          *once = true;
          release();
        });
        fn.Call({o, done});
      } catch (...) {
        delete b;
        release();  // JS threw synchronously: the pass must not wait for it
      }
    });
  }

  Napi::ThreadSafeFunction tsfn_;
  const int batch_;
  std::shared_ptr<State> state_;
  std::unique_ptr<Batch> pending_;
};

// One pending call: settles its promise on the JS thread when the scheduler is done.
struct PendingPass {
  explicit PendingPass(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise::Deferred deferred;
  Napi::ThreadSafeFunction tsfn;
  std::string path;
  bool faceRan = false;
  face::FaceProfile profile = face::FaceProfile::kBoth;
  face::FaceAnalysisOptions faceOptions;
  std::unique_ptr<PassResult> result;
  std::exception_ptr error;
};

int IntOpt(Napi::Env env, const Napi::Object& o, const char* key, int lo, int hi, int dflt, const std::string& path) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= lo && d <= hi) || d != std::floor(d))
    throw Bad(env, std::string(key) + " must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi), path);
  return int(d);
}

quality::ResizeSpec ResizeOpt(Napi::Env env, const Napi::Object& o, const char* w, const char* h, quality::ResizeSpec dflt,
                              const std::string& path) {
  if (!o.Has(w) && !o.Has(h)) return dflt;
  quality::ResizeSpec r;
  r.width = IntOpt(env, o, w, 0, 16384, 0, path);
  r.height = IntOpt(env, o, h, 0, 16384, 0, path);
  if ((r.width == 0) != (r.height == 0)) throw Bad(env, std::string(w) + " and " + h + " go together", path);
  return r;
}

Napi::Value RunVideoPassJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsObject())
    throw Bad(env, "runVideoPass(path: string, options: {face?, quality?})");
  auto job = std::make_unique<scheduler::PassJob>();
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  job->request.path = path;
  Napi::Object o = info[1].As<Napi::Object>();

  Napi::Value fv = o.Get("face");
  job->request.faceStages = fv.IsObject();
  if (fv.IsObject()) {
    ReadFaceOptions(env, fv.As<Napi::Object>(), path, "runVideoPass", "face.", &job->facePaths, &job->profile,
                    &job->request.faceOptions);
    job->backend = GetString(fv.As<Napi::Object>(), "backend", "");
    if (!job->backend.empty() && !infer::ResolveBackend(job->backend))
      throw Bad(env, "face.backend: inference backend '" + job->backend + "' is not in this build", path);
  }
  // decode: {hwaccel: 'cuda', device?: N}: try NVDEC, falling back to the CPU per video.
  Napi::Value dv = o.Get("decode");
  if (dv.IsObject()) {
    Napi::Object d = dv.As<Napi::Object>();
    job->request.hwaccel = GetString(d, "hwaccel", "");
    if (!job->request.hwaccel.empty() && job->request.hwaccel != "cuda")
      throw Bad(env, "decode.hwaccel must be 'cuda' (or absent)", path);
    job->request.hwDevice = IntOpt(env, d, "device", 0, 1023, 0, path);
  }

  Napi::Value qv = o.Get("quality");
  if (qv.IsObject()) {
    Napi::Object q = qv.As<Napi::Object>();
    pipeline::QualityRequest& r = job->request.quality;
    auto model = [&](const char* key) -> quality::ModelPtr {
      Napi::Value v = q.Get(key);
      if (v.IsUndefined() || v.IsNull()) return nullptr;
      quality::ModelPtr m = QualityModelFromJs(env, v);
      if (!m) throw Bad(env, std::string("quality.") + key + " must be a QualityModel (loadBrisque / loadOnnxModel)", path);
      return m;
    };
    r.global = model("global");
    r.mouth = model("mouth");
    r.face = model("face");
    if ((r.mouth || r.face) && !job->request.faceStages)
      throw Bad(env, "runVideoPass: mouth and face quality need the face stages (their crops come from the landmarks)", path);
    r.stride = IntOpt(env, q, "stride", 1, 1 << 20, 1, path);
    r.globalResize = ResizeOpt(env, q, "globalWidth", "globalHeight", {}, path);
    r.mouthResize = ResizeOpt(env, q, "mouthWidth", "mouthHeight", {}, path);
    r.faceResize = ResizeOpt(env, q, "faceWidth", "faceHeight", r.faceResize, path);
  }
  Napi::Value sv = o.Get("frames");
  if (sv.IsObject()) {
    Napi::Object fo = sv.As<Napi::Object>();
    Napi::Value cb = fo.Get("onBatch");
    if (!cb.IsFunction()) throw Bad(env, "frames.onBatch must be a function (batch, release) => void", path);
    const int batch = IntOpt(env, fo, "batch", 1, 256, 8, path);
    auto tsfn = Napi::ThreadSafeFunction::New(env, cb.As<Napi::Function>(), "theval-frames", 0, 1);
    job->sink = std::make_unique<JsFrameSink>(tsfn, batch);
  }
  if (!job->request.faceStages && !job->request.quality.any() && !job->sink)
    throw Bad(env, "runVideoPass: nothing to do (no face stages, no quality scorer)", path);

  auto* p = new PendingPass(env);
  p->path = path;
  p->faceRan = job->request.faceStages;
  p->profile = job->profile;
  p->faceOptions = job->request.faceOptions;
  p->tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "theval-pass", 0, 1);
  job->done = [p](std::unique_ptr<PassResult> result, std::exception_ptr error) {
    p->result = std::move(result);
    p->error = error;
    Napi::ThreadSafeFunction tsfn = p->tsfn;  // p is gone once the callback has run
    tsfn.BlockingCall(p, [](Napi::Env env, Napi::Function, PendingPass* p) {
      Napi::HandleScope scope(env);
      if (p->error) {
        p->deferred.Reject(ErrorValue(env, p->error, p->path));
      } else {
        try {
          p->deferred.Resolve(ResultToJs(env, *p->result, p->faceRan, p->profile, p->faceOptions));
        } catch (const Napi::Error& e) {
          p->deferred.Reject(e.Value());
        }
      }
      delete p;
    });
    tsfn.Release();
  };
  Napi::Promise promise = p->deferred.Promise();
  scheduler::PassScheduler::Get().Submit(std::move(job));
  return promise;
}

Napi::Object ConfigToJs(Napi::Env env, const scheduler::SchedulerConfig& c) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("threads", Napi::Number::New(env, c.threads));
  o.Set("engines", Napi::Number::New(env, c.engines));
  o.Set("maxBatch", Napi::Number::New(env, c.maxBatch));
  o.Set("backend", c.backend);
  return o;
}

Napi::Value ConfigurePassesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& s = scheduler::PassScheduler::Get();
  if (info.Length() < 1 || !info[0].IsObject()) return ConfigToJs(env, s.config());
  Napi::Object o = info[0].As<Napi::Object>();
  scheduler::SchedulerConfig c = s.config();
  c.threads = IntOpt(env, o, "threads", 1, 1024, c.threads, "");
  c.engines = IntOpt(env, o, "engines", 1, 1024, c.engines, "");
  c.maxBatch = IntOpt(env, o, "maxBatch", 1, 4096, c.maxBatch, "");
  c.backend = GetString(o, "backend", c.backend);
  if (!infer::ResolveBackend(c.backend)) throw Bad(env, "inference backend '" + c.backend + "' is not in this build");
  s.Configure(c);
  return ConfigToJs(env, s.config());
}

Napi::Value PassStatsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& s = scheduler::PassScheduler::Get();
  Napi::Object o = Napi::Object::New(env);
  o.Set("running", Napi::Number::New(env, double(s.running())));
  const auto nets = s.Networks();
  Napi::Array a = Napi::Array::New(env, nets.size());
  for (size_t i = 0; i < nets.size(); i++) {
    Napi::Object n = Napi::Object::New(env);
    n.Set("path", nets[i].path);
    n.Set("backend", nets[i].backend);
    n.Set("calls", Napi::Number::New(env, double(nets[i].batches.calls)));
    n.Set("batches", Napi::Number::New(env, double(nets[i].batches.batches)));
    n.Set("items", Napi::Number::New(env, double(nets[i].batches.items)));
    n.Set("maxBatch", Napi::Number::New(env, double(nets[i].batches.maxBatch)));
    n.Set("engines", Napi::Number::New(env, nets[i].engines));
    a.Set(uint32_t(i), n);
  }
  o.Set("networks", a);
  const DecoderOpens d = DecoderOpenCounts();
  Napi::Object dec = Napi::Object::New(env);
  dec.Set("video", Napi::Number::New(env, double(d.video)));
  dec.Set("audio", Napi::Number::New(env, double(d.audio)));
  o.Set("decoders", dec);
  const infer::BackendInfo b = infer::ResolveBackend(s.config().backend)->info();
  Napi::Object bo = Napi::Object::New(env);
  bo.Set("name", b.name);
  bo.Set("device", b.device);
  bo.Set("version", b.version);
  o.Set("backend", bo);
  return o;
}

Napi::Value InferenceBackendJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Bad(env, "inferenceBackend(name: string)");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  infer::Backend* be = infer::ResolveBackend(name);
  if (!be) throw Bad(env, "inference backend '" + name + "' is not in this build");
  const infer::BackendInfo b = be->info();
  Napi::Object bo = Napi::Object::New(env);
  bo.Set("name", b.name);
  bo.Set("device", b.device);
  bo.Set("version", b.version);
  return bo;
}

// ---- the audio half: one decode, several rates ------------------------------------------

class AudioRatesWorker : public PromiseWorker {
 public:
  AudioRatesWorker(Napi::Env env, std::string path, std::vector<int> rates)
      : PromiseWorker(env), path_(std::move(path)), rates_(std::move(rates)) {}

 protected:
  void Run() override {
    audio_ = DecodeAudioRates(path_, rates_);
    for (DecodedAudio& a : audio_)
      if (a.samples.empty()) a.warnings.push_back("the audio stream decoded to 0 samples");
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Array out = Napi::Array::New(env, audio_.size());
    for (size_t i = 0; i < audio_.size(); i++) {
      DecodedAudio& a = audio_[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("samples", External<float, Napi::Float32Array>(env, std::move(a.samples)));
      o.Set("sampleRate", Napi::Number::New(env, a.sampleRate));
      o.Set("sourceSampleRate", Napi::Number::New(env, a.sourceSampleRate));
      o.Set("sourceChannels", Napi::Number::New(env, a.sourceChannels));
      o.Set("codec", a.codec);
      o.Set("decodeErrors", Napi::Number::New(env, double(a.decodeErrors)));
      o.Set("warnings", Strings(env, a.warnings));
      out.Set(uint32_t(i), o);
    }
    return out;
  }

 private:
  std::string path_;
  std::vector<int> rates_;
  std::vector<DecodedAudio> audio_;
};

Napi::Value DecodeAudioRatesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsArray())
    throw Bad(env, "decodeAudioRates(path: string, sampleRates: number[])");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Array a = info[1].As<Napi::Array>();
  std::vector<int> rates;
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value v = a.Get(i);
    const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
    if (!(d >= 0 && d <= 768000) || d != std::floor(d))
      throw Bad(env, "sampleRates: integers in 0..768000 (0 = native)", path);
    rates.push_back(int(d));
  }
  if (rates.empty() || rates.size() > 8) throw Bad(env, "sampleRates: 1 to 8 rates", path);
  auto* w = new AudioRatesWorker(env, path, std::move(rates));
  w->Queue();
  return w->Promise();
}

}  // namespace

void InitPass(Napi::Env env, Napi::Object exports) {
  exports.Set("runVideoPass", Napi::Function::New<RunVideoPassJs>(env, "runVideoPass"));
  exports.Set("configurePasses", Napi::Function::New<ConfigurePassesJs>(env, "configurePasses"));
  exports.Set("passStats", Napi::Function::New<PassStatsJs>(env, "passStats"));
  exports.Set("inferenceBackend", Napi::Function::New<InferenceBackendJs>(env, "inferenceBackend"));
  exports.Set("decodeAudioRates", Napi::Function::New<DecodeAudioRatesJs>(env, "decodeAudioRates"));
}

}  // namespace theval
