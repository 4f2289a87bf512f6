// gpuInfo(): whether this build has CUDA kernels and whether a GPU can be used, and why not.
#include <napi.h>

#include "cuda/gpu_runtime.h"
#include "infer/tensorrt/tensorrt_model.h"

namespace theval {

Napi::Value GpuInfoJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  gpu::Info g = gpu::Query();
  Napi::Object o = Napi::Object::New(env);
  o.Set("compiled", Napi::Boolean::New(env, g.compiled));
  o.Set("available", Napi::Boolean::New(env, g.available));
  o.Set("reason", g.reason);
  Napi::Array d = Napi::Array::New(env, g.devices.size());
  for (size_t i = 0; i < g.devices.size(); i++) d.Set(uint32_t(i), g.devices[i]);
  o.Set("devices", d);
  const infer::TensorRtStatus trt = infer::QueryTensorRt();
  Napi::Object t = Napi::Object::New(env);
  t.Set("compiled", Napi::Boolean::New(env, trt.compiled));
  if (trt.compiled) t.Set("version", trt.version);
  else t.Set("reason", trt.reason);
  o.Set("tensorrt", t);
  return o;
}

void InitGpu(Napi::Env env, Napi::Object exports) {
  exports.Set("gpuInfo", Napi::Function::New<GpuInfoJs>(env, "gpuInfo"));
}

}  // namespace theval
