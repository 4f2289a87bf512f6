// gpuInfo(): what this build and machine can use on the GPU, and why not. `compiled`,
// `available`, `reason`, `devices` (strings) as before; `runtime` (CUDA runtime linked in),
// `driver` (libcuda.so.1 found with dlopen, its CUDA version), `deviceList` (name, memory,
// compute capability), `nvdec` (FFmpeg's cuda hwaccel and *_cuvid decoders; usable only with
// a driver and a device), `tensorrt` (a TensorRT inference backend in this build), `backends`
// (the inference backends the one pass can be given), each "no" with its reason.
#include <napi.h>

#include "cuda/driver_probe.h"
#include "cuda/gpu_runtime.h"
#include "infer/tensorrt/tensorrt_model.h"
#include "decode/nvdec.h"
#include "infer/model.h"

namespace theval {

namespace {

Napi::Array Strings(Napi::Env env, const std::vector<std::string>& v) {
  Napi::Array a = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); i++) a.Set(uint32_t(i), v[i]);
  return a;
}

}  // namespace

Napi::Value GpuInfoJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  gpu::Info g = gpu::Query();
  Napi::Object o = Napi::Object::New(env);
  o.Set("compiled", Napi::Boolean::New(env, g.compiled));
  o.Set("available", Napi::Boolean::New(env, g.available));
  o.Set("reason", g.reason);
  o.Set("devices", Strings(env, g.devices));
  o.Set("runtime", g.compiled ? g.runtimeVersion : "");

  const gpu::DriverInfo d = gpu::ProbeDriver();
  Napi::Object drv = Napi::Object::New(env);
  drv.Set("present", Napi::Boolean::New(env, d.present));
  drv.Set("version", d.version);
  drv.Set("reason", d.reason);
  o.Set("driver", drv);

  Napi::Array list = Napi::Array::New(env, g.deviceDetails.size());
  for (size_t i = 0; i < g.deviceDetails.size(); i++) {
    const auto& x = g.deviceDetails[i];
    Napi::Object e = Napi::Object::New(env);
    e.Set("ordinal", x.ordinal);
    e.Set("name", x.name);
    e.Set("memoryMiB", Napi::Number::New(env, double(x.memoryMiB)));
    e.Set("computeCapability", x.computeCapability);
    list.Set(uint32_t(i), e);
  }
  o.Set("deviceList", list);

  const NvdecSupport n = QueryNvdec();
  Napi::Object nv = Napi::Object::New(env);
  const bool nvdecUsable = n.cudaHwaccel && !n.hwaccelCodecs.empty() && g.available;
  nv.Set("available", Napi::Boolean::New(env, nvdecUsable));
  nv.Set("hwaccel", Napi::Boolean::New(env, n.cudaHwaccel));
  nv.Set("codecs", Strings(env, n.hwaccelCodecs));
  nv.Set("cuvidDecoders", Strings(env, n.cuvidDecoders));
  nv.Set("reason", nvdecUsable ? std::string()
                   : !n.cudaHwaccel ? std::string("this FFmpeg build has no cuda hwaccel")
                   : n.hwaccelCodecs.empty() ? std::string("no FFmpeg decoder offers the cuda hwaccel")
                   : "FFmpeg has the cuda hwaccel, but " + (g.reason.empty() ? std::string("no GPU is usable") : g.reason));
  o.Set("nvdec", nv);

  // TensorRT: compiled in only when CMake found it (native/infer/tensorrt/).
  const infer::TensorRtStatus trtStatus = infer::QueryTensorRt();
  Napi::Object trt = Napi::Object::New(env);
  trt.Set("compiled", Napi::Boolean::New(env, trtStatus.compiled));
  if (trtStatus.compiled) trt.Set("version", trtStatus.version);
  trt.Set("reason", trtStatus.compiled ? std::string() : trtStatus.reason);
  o.Set("tensorrt", trt);

  std::vector<std::string> backends{"cpu"};
  for (const char* b : {"cuda", "cuda-emulated"})
    if (infer::ResolveBackend(b)) backends.push_back(b);
  if (trtStatus.compiled) backends.insert(backends.end(), {"tensorrt", "tensorrt-fp16"});
  o.Set("backends", Strings(env, backends));
  return o;
}

void InitGpu(Napi::Env env, Napi::Object exports) {
  exports.Set("gpuInfo", Napi::Function::New<GpuInfoJs>(env, "gpuInfo"));
  void InitGpuPrep(Napi::Env, Napi::Object); InitGpuPrep(env, exports);  // cuda/gpu_prep_bindings.cc
}

}  // namespace theval
