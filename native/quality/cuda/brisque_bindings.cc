// brisqueEmulated(grey, width, height, modelFile, rangeFile, backend?) -> {score, features}:
// BRISQUE through the CUDA path's per-element functions, on the host ('host', default) or
// as kernels on a GPU ('cuda'); a parity hook, synchronous.
#include <napi.h>

#include "common/errors.h"
#include "cuda/gpu_runtime.h"
#include "quality/cuda/brisque_cuda.h"
#include "quality/cuda/brisque_emulated.h"

namespace theval {

namespace {

Napi::Value BrisqueEmulatedJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsTypedArray() || !info[1].IsNumber() || !info[2].IsNumber() ||
      !info[3].IsString() || !info[4].IsString())
    throw MakeJsError(env, "BAD_ARGUMENT", "brisqueEmulated(grey: Uint8Array, width, height, modelFile, rangeFile)", "");
  Napi::Uint8Array grey = info[0].As<Napi::Uint8Array>();
  const int w = info[1].As<Napi::Number>().Int32Value(), h = info[2].As<Napi::Number>().Int32Value();
  if (w < 16 || h < 16 || grey.ElementLength() != size_t(w) * h)
    throw MakeJsError(env, "BAD_ARGUMENT", "brisqueEmulated: grey must hold width x height bytes, both >= 16", "");
  const std::string model = info[3].As<Napi::String>().Utf8Value(), range = info[4].As<Napi::String>().Utf8Value();
  quality::cuda::BrisqueSvr svr;
  try {
    svr = quality::cuda::LoadBrisqueSvr(model, range);
  } catch (const std::exception& e) {
    throw MakeJsError(env, "MODEL_INVALID", e.what(), model);
  }
  const bool cuda = info.Length() > 5 && info[5].IsString() && info[5].As<Napi::String>().Utf8Value() == "cuda";
  std::vector<float> f;
  if (cuda) {
    const gpu::Info gi = gpu::Query();
    if (!gi.available) throw MakeJsError(env, "GPU_UNAVAILABLE", "GPU requested but " + gi.reason, "");
    try {
      f = quality::cuda::BrisqueFeaturesCuda(grey.Data(), w, h, quality::cuda::BrisqueGaussTaps().data());
    } catch (const std::exception& e) {
      throw MakeJsError(env, "GPU_FAILED", e.what(), "");
    }
  } else {
    f = quality::cuda::BrisqueFeatures(grey.Data(), w, h);
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("score", quality::cuda::BrisqueScore(svr, f));
  Napi::Float32Array fa = Napi::Float32Array::New(env, f.size());
  std::copy(f.begin(), f.end(), fa.Data());
  o.Set("features", fa);
  return o;
}

}  // namespace

void InitQualityCuda(Napi::Env env, Napi::Object exports) {
  exports.Set("brisqueEmulated", Napi::Function::New<BrisqueEmulatedJs>(env, "brisqueEmulated"));
}

}  // namespace theval
