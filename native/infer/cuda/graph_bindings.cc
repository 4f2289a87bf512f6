#include "infer/cuda/graph_bindings.h"

#include <chrono>
#include <fstream>

#include "common/errors.h"
#include "cuda/gpu_runtime.h"
#include "infer/cuda/graph.h"
#include "infer/infer_bindings.h"

namespace theval {

namespace {

using infer::cuda::Backend;
using infer::cuda::Graph;

class EmulatedInferWorker : public PromiseWorker {
 public:
  EmulatedInferWorker(Napi::Env env, std::string path, std::vector<int64_t> inputShape, std::vector<std::string> names,
                      std::vector<size_t> elems, Napi::Float32Array input, int batch, int repeats, Backend backend)
      : PromiseWorker(env), path_(std::move(path)), inputShape_(std::move(inputShape)), names_(std::move(names)),
        elems_(std::move(elems)), data_(input.Data()), batch_(batch), repeats_(repeats), backend_(backend) {
    inputRef_ = Napi::Persistent(input.As<Napi::Object>());
  }

 protected:
  void Run() override {
    if (!std::ifstream(path_).good()) throw Error("MODEL_MISSING", "model file not found: " + path_, path_);
    if (backend_ == Backend::kCuda) gpu::EnsureAvailable(path_);
    std::unique_ptr<Graph> g;
    try {
      g = Graph::Load(path_, backend_);
    } catch (const std::runtime_error& e) {
      const std::string msg = e.what();
      if (msg.rfind("GPU_UNAVAILABLE: ", 0) == 0) throw Error("GPU_UNAVAILABLE", msg.substr(17), path_);
      throw Error("MODEL_LOAD", "CUDA backend cannot load " + path_ + ": " + msg, path_);
    }
    size_t want = 1, have = 1;
    for (int64_t d : inputShape_) want *= size_t(d);
    for (int64_t d : g->inputShape()) have *= size_t(d);
    if (want != have)
      throw Error("MODEL_LOAD", path_ + ": the graph input holds " + std::to_string(have) + " floats per item, not " +
                                    std::to_string(want), path_);
    for (size_t k = 0; k < names_.size(); k++) {
      size_t n = 1;
      for (int64_t d : g->outputShape(names_[k])) n *= size_t(d);
      if (n != elems_[k])
        throw Error("MODEL_LOAD", path_ + ": output " + names_[k] + " holds " + std::to_string(n) + " floats, not " +
                                      std::to_string(elems_[k]), path_);
    }
    for (int r = 0; r < repeats_; r++) {
      const auto t0 = std::chrono::steady_clock::now();
      g->Run(data_, batch_, names_, outputs_);
      seconds_.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    stats_ = g->stats();
    device_ = g->deviceName();
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = InferResultObject(env, names_, outputs_, seconds_);
    o.Set("backend", device_);
    Napi::Object st = Napi::Object::New(env);
    st.Set("nodes", double(stats_.nodes));
    st.Set("calls", double(stats_.calls));
    st.Set("arenaFloats", double(stats_.arenaFloats));
    st.Set("unpackedFloats", double(stats_.unpackedFloats));
    st.Set("weightFloats", double(stats_.weightFloats));
    o.Set("stats", st);
    return o;
  }
  void Settled() override { inputRef_.Reset(); }

 private:
  std::string path_;
  std::vector<int64_t> inputShape_;
  std::vector<std::string> names_;
  std::vector<size_t> elems_;
  const float* data_;
  int batch_, repeats_;
  Backend backend_;
  Napi::ObjectReference inputRef_;
  std::vector<std::vector<float>> outputs_;
  std::vector<double> seconds_;
  infer::cuda::GraphStats stats_;
  std::string device_;
};

Napi::Value InferModelEmulatedJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage =
      "inferModelEmulated(path, {inputShape, outputNames, outputElems, batch?, repeats?, backend?: 'host'|'cuda'}, "
      "input: Float32Array)";
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsObject() || !info[2].IsTypedArray() ||
      info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw MakeJsError(env, "BAD_ARGUMENT", usage, "");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Object spec = info[1].As<Napi::Object>();
  auto array = [&](const char* key) {
    Napi::Value v = spec.Get(key);
    if (!v.IsArray()) throw MakeJsError(env, "BAD_ARGUMENT", std::string(key) + " must be an array", path);
    return v.As<Napi::Array>();
  };
  std::vector<int64_t> shape;
  std::vector<std::string> names;
  std::vector<size_t> elems;
  Napi::Array s = array("inputShape"), n = array("outputNames"), e = array("outputElems");
  for (uint32_t i = 0; i < s.Length(); i++) shape.push_back(int64_t(s.Get(i).ToNumber().DoubleValue()));
  for (uint32_t i = 0; i < n.Length(); i++) names.push_back(n.Get(i).ToString().Utf8Value());
  for (uint32_t i = 0; i < e.Length(); i++) elems.push_back(size_t(e.Get(i).ToNumber().DoubleValue()));
  if (names.empty() || names.size() != elems.size())
    throw MakeJsError(env, "BAD_ARGUMENT", "outputNames and outputElems must have the same non-zero length", path);
  const int batch = int(GetNumber(spec, "batch", 1));
  const int repeats = int(GetNumber(spec, "repeats", 1));
  const std::string backend = GetString(spec, "backend", "host");
  if (batch < 1 || repeats < 1) throw MakeJsError(env, "BAD_ARGUMENT", "batch and repeats must be >= 1", path);
  if (backend != "host" && backend != "cuda")
    throw MakeJsError(env, "BAD_ARGUMENT", "backend must be 'host' or 'cuda'", path);
  Napi::Float32Array input = info[2].As<Napi::Float32Array>();
  size_t perItem = 1;
  for (int64_t d : shape) perItem *= size_t(d);
  if (input.ElementLength() != perItem * size_t(batch))
    throw MakeJsError(env, "BAD_ARGUMENT",
                      "input holds " + std::to_string(input.ElementLength()) + " floats, batch x inputShape needs " +
                          std::to_string(perItem * size_t(batch)), path);
  auto* w = new EmulatedInferWorker(env, path, shape, names, elems, input, batch, repeats,
                                    backend == "cuda" ? Backend::kCuda : Backend::kHostEmulation);
  w->Queue();
  return w->Promise();
}

}  // namespace

void InitInferCuda(Napi::Env env, Napi::Object exports) {
  exports.Set("inferModelEmulated", Napi::Function::New<InferModelEmulatedJs>(env, "inferModelEmulated"));
}

}  // namespace theval
