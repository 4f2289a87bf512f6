// denseFlow(i0, i1, width, height, options?): the optical flow of the motion diagnostics on two
// grey float images (synchronous: tests and benches call it on small images; the evaluator runs
// the flow inside the face pass). Returns { u, v } as Float32Arrays of width x height.
#include "flow/flow_bindings.h"

#include <cmath>
#include <limits>

#include "common/errors.h"
#include "cuda/gpu_runtime.h"
#include "flow/dense_flow.h"

namespace theval {

namespace {

Napi::Value DenseFlowImpl(const Napi::CallbackInfo& info, bool gpu) {
  Napi::Env env = info.Env();
  const char* usage = "denseFlow(i0: Float32Array, i1: Float32Array, width: int, height: int, options?: object)";
  if (info.Length() < 4 || !info[0].IsTypedArray() || !info[1].IsTypedArray() || !info[2].IsNumber() || !info[3].IsNumber())
    throw MakeJsError(env, "BAD_ARGUMENT", usage, "");
  auto a = info[0].As<Napi::TypedArray>(), b = info[1].As<Napi::TypedArray>();
  if (a.TypedArrayType() != napi_float32_array || b.TypedArrayType() != napi_float32_array)
    throw MakeJsError(env, "BAD_ARGUMENT", usage, "");
  const double w = info[2].As<Napi::Number>().DoubleValue(), h = info[3].As<Napi::Number>().DoubleValue();
  if (!(w >= 8 && w <= 8192 && h >= 8 && h <= 8192) || w != std::floor(w) || h != std::floor(h))
    throw MakeJsError(env, "BAD_ARGUMENT", "denseFlow: width and height must be integers in 8..8192", "");
  const size_t n = size_t(w) * size_t(h);
  if (a.ElementLength() != n || b.ElementLength() != n)
    throw MakeJsError(env, "BAD_ARGUMENT", "denseFlow: each image must hold width x height floats", "");
  flow::FlowParams p;
  if (info.Length() > 4 && info[4].IsObject()) {
    Napi::Object o = info[4].As<Napi::Object>();
    const double levels = GetNumber(o, "levels", p.maxLevels), iters = GetNumber(o, "iterations", p.iterations);
    if (!(levels >= 1 && levels <= 8) || !(iters >= 1 && iters <= 50))
      throw MakeJsError(env, "BAD_ARGUMENT", "denseFlow: levels in 1..8, iterations in 1..50", "");
    p.maxLevels = int(levels);
    p.iterations = int(iters);
  }
  Napi::Float32Array u = Napi::Float32Array::New(env, n), v = Napi::Float32Array::New(env, n);
  const float* i0 = a.As<Napi::Float32Array>().Data();
  const float* i1 = b.As<Napi::Float32Array>().Data();
  if (gpu) {
    try {
      gpu::DenseFlow(i0, i1, int(w), int(h), p, u.Data(), v.Data());
    } catch (const Error& e) {
      throw MakeJsError(env, e.code(), e.what(), "");
    }
  } else {
    flow::DenseFlow f;
    f.Compute(i0, i1, int(w), int(h), p, u.Data(), v.Data());
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("u", u);
  out.Set("v", v);
  return out;
}

Napi::Value DenseFlowJs(const Napi::CallbackInfo& info) { return DenseFlowImpl(info, false); }
Napi::Value DenseFlowGpuJs(const Napi::CallbackInfo& info) { return DenseFlowImpl(info, true); }

}  // namespace

void InitFlow(Napi::Env env, Napi::Object exports) {
  exports.Set("denseFlow", Napi::Function::New<DenseFlowJs>(env, "denseFlow"));
  exports.Set("denseFlowGpu", Napi::Function::New<DenseFlowGpuJs>(env, "denseFlowGpu"));
}

}  // namespace theval
