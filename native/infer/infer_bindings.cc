// inferModel(path, spec, input, batch, repeats): one network through the inference interface,
// for parity checks against other runtimes and for latency measurements (bench/landmarks.ts).
#include "infer/infer_bindings.h"

#include <chrono>
#include <cmath>

#include "common/errors.h"
#include "infer/cpu/transform_tensor_bilinear_layer.h"
#include "infer/model.h"

namespace theval {

namespace {

class InferWorker : public PromiseWorker {
 public:
  InferWorker(Napi::Env env, std::string path, infer::ModelDesc desc, Napi::Float32Array input, int batch, int repeats,
              int threads)
      : PromiseWorker(env), path_(std::move(path)), desc_(std::move(desc)),
        // Copied on the JS thread: the input buffer may be detached or transferred while the worker runs.
        input_(input.Data(), input.Data() + input.ElementLength()), batch_(batch), repeats_(repeats), threads_(threads) {}

 protected:
  void Run() override {
    if (threads_ > 0) infer::SetCpuThreads(threads_);
    auto model = infer::LoadCpuModel(path_, desc_);
    for (int r = 0; r < repeats_; r++) {
      const auto t0 = std::chrono::steady_clock::now();
      model->Run(input_.data(), batch_, outputs_);
      seconds_.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    native_ = model->batchedNatively();
    backend_ = model->backend();
    threadsUsed_ = infer::CpuThreads();
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = InferResultObject(env, desc_.outputNames, outputs_, seconds_);
    o.Set("batchedNatively", Napi::Boolean::New(env, native_));
    o.Set("backend", backend_);
    o.Set("threads", Napi::Number::New(env, threadsUsed_));
    return o;
  }

 private:
  std::string path_;
  infer::ModelDesc desc_;
  std::vector<float> input_;
  int batch_, repeats_, threads_;
  std::vector<std::vector<float>> outputs_;
  std::vector<double> seconds_;
  bool native_ = false;
  std::string backend_;
  int threadsUsed_ = 0;
};

std::vector<double> Numbers(Napi::Env env, Napi::Value v, const char* what) {
  if (!v.IsArray()) throw MakeJsError(env, "BAD_ARGUMENT", std::string(what) + " must be an array of numbers", "");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<double> out;
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw MakeJsError(env, "BAD_ARGUMENT", std::string(what) + " must be an array of numbers", "");
    out.push_back(e.As<Napi::Number>().DoubleValue());
  }
  return out;
}

Napi::Value InferModelJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsObject() || !info[2].IsTypedArray() ||
      info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw MakeJsError(env, "BAD_ARGUMENT",
                      "inferModel(path, {inputShape, outputNames, outputElems, batch?, repeats?, threads?}, input: Float32Array)", "");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Object spec = info[1].As<Napi::Object>();
  infer::ModelDesc desc;
  // Integers in range before any conversion (double -> int outside it is undefined).
  auto count = [&](double d, const char* what) {
    if (!(d >= 1 && d <= 1 << 30) || d != std::floor(d))
      throw MakeJsError(env, "BAD_ARGUMENT", std::string(what) + " entries must be integers in 1..2^30", path);
    return d;
  };
  for (double d : Numbers(env, spec.Get("inputShape"), "inputShape")) desc.inputShape.push_back(int(count(d, "inputShape")));
  for (double d : Numbers(env, spec.Get("outputElems"), "outputElems")) desc.outputElems.push_back(size_t(count(d, "outputElems")));
  Napi::Value names = spec.Get("outputNames");
  if (!names.IsArray()) throw MakeJsError(env, "BAD_ARGUMENT", "outputNames must be an array of strings", path);
  for (uint32_t i = 0; i < names.As<Napi::Array>().Length(); i++)
    desc.outputNames.push_back(names.As<Napi::Array>().Get(i).ToString().Utf8Value());
  if (desc.outputNames.size() != desc.outputElems.size() || desc.outputNames.empty())
    throw MakeJsError(env, "BAD_ARGUMENT", "outputNames and outputElems must have the same non-zero length", path);
  const double batchD = GetNumber(spec, "batch", 1), repeatsD = GetNumber(spec, "repeats", 1), threadsD = GetNumber(spec, "threads", 0);
  auto intIn = [](double d, double lo, double hi) { return d >= lo && d <= hi && d == std::floor(d); };
  if (!intIn(batchD, 1, 1 << 20) || !intIn(repeatsD, 1, 1 << 20) || !intIn(threadsD, 0, 1024))
    throw MakeJsError(env, "BAD_ARGUMENT", "batch and repeats must be integers in 1..2^20, threads in 0..1024", path);
  const int batch = int(batchD), repeats = int(repeatsD), threads = int(threadsD);
  Napi::Float32Array input = info[2].As<Napi::Float32Array>();
  // In double, then compared: the element count of a real buffer is far below 2^53, so an
  // overflowing shape can only compare unequal instead of wrapping to a matching size.
  double perItemD = 1;
  for (int d : desc.inputShape) perItemD *= d;
  if (double(input.ElementLength()) != perItemD * batch)
    throw MakeJsError(env, "BAD_ARGUMENT",
                      "input holds " + std::to_string(input.ElementLength()) + " floats, batch x inputShape needs " +
                          std::to_string(perItemD * batch), path);
  const size_t perItem = size_t(perItemD);
  if (input.ElementLength() != perItem * size_t(batch))
    throw MakeJsError(env, "BAD_ARGUMENT",
                      "input holds " + std::to_string(input.ElementLength()) + " floats, batch x inputShape needs " +
                          std::to_string(perItem * size_t(batch)), path);
  auto* w = new InferWorker(env, path, desc, input, batch, repeats, threads);
  w->Queue();
  return w->Promise();
}

}  // namespace

// Test hook: transformTensorBilinear(features [H*W*C], [H, W, C], matrix [16], oh, ow)
// -> Float32Array [oh*ow*C], the kernel of the attention model's native sampler layer.
Napi::Value TransformTensorBilinearJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsTypedArray() || !info[1].IsArray() || !info[2].IsTypedArray() ||
      !info[3].IsNumber() || !info[4].IsNumber() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
      info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw MakeJsError(env, "BAD_ARGUMENT", "transformTensorBilinear(features, [H, W, C], matrix, oh, ow)", "");
  Napi::Float32Array f = info[0].As<Napi::Float32Array>();
  Napi::Array shape = info[1].As<Napi::Array>();
  Napi::Float32Array m = info[2].As<Napi::Float32Array>();
  const int H = shape.Get(0u).As<Napi::Number>().Int32Value(), W = shape.Get(1u).As<Napi::Number>().Int32Value(),
            C = shape.Get(2u).As<Napi::Number>().Int32Value();
  const int oh = info[3].As<Napi::Number>().Int32Value(), ow = info[4].As<Napi::Number>().Int32Value();
  // Each side <= 2^14 (C <= 2^12): the products below stay far from size_t overflow.
  if (H < 1 || W < 1 || C < 1 || oh < 1 || ow < 1 || H > 16384 || W > 16384 || oh > 16384 || ow > 16384 || C > 4096 ||
      f.ElementLength() != size_t(H) * W * C || m.ElementLength() != 16)
    throw MakeJsError(env, "BAD_ARGUMENT", "transformTensorBilinear: sizes do not match", "");
  Napi::Float32Array out = Napi::Float32Array::New(env, size_t(oh) * ow * C);
  infer::TransformTensorBilinear(f.Data(), H, W, C, m.Data(), oh, ow, out.Data());
  return out;
}

Napi::Object InferResultObject(Napi::Env env, const std::vector<std::string>& names,
                               const std::vector<std::vector<float>>& outputs, const std::vector<double>& seconds) {
  Napi::Object o = Napi::Object::New(env);
  Napi::Object outs = Napi::Object::New(env);
  for (size_t k = 0; k < outputs.size(); k++) {
    Napi::Float32Array a = Napi::Float32Array::New(env, outputs[k].size());
    std::copy(outputs[k].begin(), outputs[k].end(), a.Data());
    outs.Set(names[k], a);
  }
  o.Set("outputs", outs);
  Napi::Array ms = Napi::Array::New(env, seconds.size());
  for (size_t i = 0; i < seconds.size(); i++) ms.Set(uint32_t(i), Napi::Number::New(env, seconds[i] * 1000));
  o.Set("ms", ms);
  return o;
}

void InitInfer(Napi::Env env, Napi::Object exports) {
  exports.Set("transformTensorBilinear", Napi::Function::New<TransformTensorBilinearJs>(env, "transformTensorBilinear"));
  exports.Set("inferModel", Napi::Function::New<InferModelJs>(env, "inferModel"));
}

}  // namespace theval
