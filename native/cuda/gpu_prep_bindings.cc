// Test hooks for the device pre-processing (crop_tensor.h, yuv_rgb24.h): the host paths CI
// compares with the CPU crop and the decoder's converter, and the CUDA paths a GPU machine
// compares with the host paths.
//   cropTensors(frames: [{rgb, width, height}], rois: [{frame, map}], {size, rangeMin,
//               rangeMax, border: 'replicate' | 'zero', backend: 'host' | 'cuda'}) -> Float32Array
//   yuv420ToRgb24({y, u, v?, width, height, yStride?, uStride?, vStride?, nv12?},
//                 {colorspace, fullRange, impl: 'host' | 'cuda' | 'cpu' | 'cpu-scalar'}) -> Uint8Array
// 'cpu' / 'cpu-scalar' are the decoder's converter (decode/yuv420_rgb24.cc), I420 only.
#include <napi.h>

extern "C" {
#include <libswscale/swscale.h>
}

#include <cmath>
#include <string>
#include <vector>

#include "common/errors.h"
#include "cuda/crop_tensor.h"
#include "cuda/yuv_rgb24.h"
#include "decode/yuv420_rgb24.h"

namespace theval {

namespace {

// Runs a device path; its failure becomes GPU_UNAVAILABLE (no driver or GPU: the message
// starts so) or INTERNAL, as a JS error.
template <class F>
auto OnDevice(Napi::Env env, F&& run) -> decltype(run()) {
  try {
    return run();
  } catch (const std::exception& e) {
    const std::string m = e.what();
    throw MakeJsError(env, m.rfind("GPU_UNAVAILABLE", 0) == 0 ? "GPU_UNAVAILABLE" : "INTERNAL", m, "");
  }
}

Napi::Error Bad(Napi::Env env, const std::string& m) { return MakeJsError(env, "BAD_ARGUMENT", m, ""); }

const uint8_t* Bytes(Napi::Env env, const Napi::Value& v, size_t need, const std::string& what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Bad(env, what + " must be a Uint8Array");
  Napi::Uint8Array a = v.As<Napi::Uint8Array>();
  if (a.ByteLength() < need) throw Bad(env, what + " is too short (" + std::to_string(a.ByteLength()) + " < " + std::to_string(need) + " bytes)");
  return a.Data();
}

int Dim(Napi::Env env, const Napi::Object& o, const char* key, int lo, int hi, int dflt) {
  const double v = GetNumber(o, key, dflt);
  if (!(v >= lo && v <= hi) || v != std::floor(v))
    throw Bad(env, std::string(key) + " must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
  return int(v);
}

Napi::Value CropTensorsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsArray()) throw Bad(env, "cropTensors(frames, rois, options?)");
  Napi::Array fa = info[0].As<Napi::Array>(), ra = info[1].As<Napi::Array>();
  std::vector<cuda::CropFrame> frames;
  for (uint32_t i = 0; i < fa.Length(); i++) {
    Napi::Object f = fa.Get(i).As<Napi::Object>();
    const int w = Dim(env, f, "width", 1, 16384, 0), h = Dim(env, f, "height", 1, 16384, 0);
    frames.push_back({Bytes(env, f.Get("rgb"), size_t(w) * h * 3, "frames[" + std::to_string(i) + "].rgb"), w, h, size_t(w) * 3});
  }
  std::vector<cuda::CropRoi> rois;
  for (uint32_t i = 0; i < ra.Length(); i++) {
    Napi::Object r = ra.Get(i).As<Napi::Object>();
    cuda::CropRoi roi{};
    roi.frame = Dim(env, r, "frame", 0, int(frames.size()) - 1, -1);
    Napi::Value m = r.Get("map");
    if (!m.IsTypedArray() || m.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array || m.As<Napi::Float64Array>().ElementLength() != 6)
      throw Bad(env, "rois[" + std::to_string(i) + "].map must be a Float64Array(6)");
    for (int k = 0; k < 6; k++) roi.map[k] = m.As<Napi::Float64Array>()[k];
    rois.push_back(roi);
  }
  Napi::Object o = info.Length() >= 3 && info[2].IsObject() ? info[2].As<Napi::Object>() : Napi::Object::New(env);
  cuda::CropParams p;
  p.size = Dim(env, o, "size", 1, 1024, 192);
  // As face::ImageToTensor: GetValueRangeTransformation(0, 255, min, max).
  const float lo = float(GetNumber(o, "rangeMin", 0)), hi = float(GetNumber(o, "rangeMax", 1));
  p.scale = (hi - lo) / (255.0f - 0.0f);
  p.offset = lo - 0.0f * p.scale;
  const std::string border = GetString(o, "border", "replicate");
  if (border != "replicate" && border != "zero") throw Bad(env, "border must be 'replicate' or 'zero'");
  p.zeroBorder = border == "zero";
  const std::string backend = GetString(o, "backend", "host");
  const size_t total = size_t(p.size) * p.size * 3 * rois.size();
  Napi::Float32Array out = Napi::Float32Array::New(env, total);
  if (backend == "host") {
    cuda::CropTensorsHost(frames.data(), int(frames.size()), rois.data(), int(rois.size()), p, out.Data());
  } else if (backend == "cuda") {
    const auto v = OnDevice(env, [&] { return cuda::CropTensorsCuda(frames.data(), int(frames.size()), rois.data(), int(rois.size()), p); });
    std::copy(v.begin(), v.end(), out.Data());
  } else {
    throw Bad(env, "backend must be 'host' or 'cuda'");
  }
  return out;
}

Napi::Value Yuv420ToRgb24Js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Bad(env, "yuv420ToRgb24(frame, options?)");
  Napi::Object f = info[0].As<Napi::Object>();
  Napi::Object o = info.Length() >= 2 && info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  cuda::Yuv420View v{};
  v.width = Dim(env, f, "width", 1, 16384, 0);
  v.height = Dim(env, f, "height", 1, 16384, 0);
  v.nv12 = GetBool(f, "nv12", false);
  const int cw = (v.width + 1) / 2, ch = (v.height + 1) / 2;
  v.yStride = Dim(env, f, "yStride", v.width, 65536, v.width);
  v.uStride = Dim(env, f, "uStride", v.nv12 ? 2 * cw : cw, 65536, v.nv12 ? 2 * cw : cw);
  v.vStride = v.nv12 ? 0 : Dim(env, f, "vStride", cw, 65536, cw);
  v.y = Bytes(env, f.Get("y"), size_t(v.yStride) * v.height, "y");
  v.u = Bytes(env, f.Get("u"), size_t(v.uStride) * ch, v.nv12 ? "u (the UV plane)" : "u");
  v.v = v.nv12 ? nullptr : Bytes(env, f.Get("v"), size_t(v.vStride) * ch, "v");
  const int colorspace = Dim(env, o, "colorspace", 0, 255, 5);
  const YuvRgbCoeffs k = SwsYuvRgbCoeffs(sws_getCoefficients(colorspace), GetBool(o, "fullRange", false), 0, 1 << 16, 1 << 16);
  const std::string impl = GetString(o, "impl", "host");
  Napi::Uint8Array out = Napi::Uint8Array::New(env, size_t(v.width) * v.height * 3);
  const int dstStride = v.width * 3;
  if (impl == "host") {
    cuda::Yuv420ToRgb24Host(v, k, out.Data(), dstStride);
  } else if (impl == "cpu" || impl == "cpu-scalar") {
    if (v.nv12) throw Bad(env, "impl 'cpu' converts I420 only (the decoder's converter)");
    const uint8_t* src[3] = {v.y, v.u, v.v};
    const int stride[3] = {v.yStride, v.uStride, v.vStride};
    if (impl == "cpu") Yuv420ToRgb24(src, stride, v.width, v.height, k, out.Data(), dstStride);
    else Yuv420ToRgb24Scalar(src, stride, v.width, v.height, k, out.Data(), dstStride);
  } else if (impl == "cuda") {
    const auto r = OnDevice(env, [&] { return cuda::Yuv420ToRgb24Cuda(v, k); });
    std::copy(r.begin(), r.end(), out.Data());
  } else {
    throw Bad(env, "impl must be 'host', 'cuda', 'cpu' or 'cpu-scalar'");
  }
  return out;
}

}  // namespace

void InitGpuPrep(Napi::Env env, Napi::Object exports) {
  exports.Set("cropTensors", Napi::Function::New<CropTensorsJs>(env, "cropTensors"));
  exports.Set("yuv420ToRgb24", Napi::Function::New<Yuv420ToRgb24Js>(env, "yuv420ToRgb24"));
}

}  // namespace theval
