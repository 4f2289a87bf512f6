#include "face/pose_bindings.h"

#include <string>

#include "common/errors.h"
#include "face/face_geometry.h"
#include "face/pose.h"

namespace theval {
namespace {

struct PoseCall {
  const float* landmarks = nullptr;
  size_t frames = 0;
  int points = 468;
  int width = 0, height = 0;
  FaceGeometry geometry;
  PoseOptions options;
};

const char* kUsage =
    "(landmarks: Float32Array (T x points x 3), width: number, height: number, geometryPath: string, "
    "options?: {weights?: 'procrustes' | 'uniform' | 'upper', verticalFovDegrees?: number, fitDepthScale?: boolean, points?: 468 | 478})";

PoseCall ParseArgs(const Napi::CallbackInfo& info, const char* name) {
  Napi::Env env = info.Env();
  auto bad = [&](const std::string& why) {
    return MakeJsError(env, "BAD_ARGUMENT", std::string(name) + kUsage + ": " + why, "");
  };
  if (info.Length() < 4 || !info[0].IsTypedArray() || !info[1].IsNumber() || !info[2].IsNumber() || !info[3].IsString())
    throw bad("wrong argument types");
  Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
  if (ta.TypedArrayType() != napi_float32_array) throw bad("landmarks must be a Float32Array");
  PoseCall call;
  if (info.Length() >= 5 && info[4].IsObject()) {
    Napi::Object o = info[4].As<Napi::Object>();
    std::string weights = GetString(o, "weights", "upper");
    if (weights == "procrustes") call.options.weights = PoseWeights::kProcrustes;
    else if (weights == "uniform") call.options.weights = PoseWeights::kUniform;
    else if (weights == "upper") call.options.weights = PoseWeights::kUpperFace;
    else throw bad("weights must be 'procrustes', 'uniform' or 'upper'");
    call.options.verticalFovDegrees = GetNumber(o, "verticalFovDegrees", 0.0);
    if (!(call.options.verticalFovDegrees >= 0 && call.options.verticalFovDegrees < 180))
      throw bad("verticalFovDegrees must be 0 (weak perspective) or in (0, 180)");
    call.options.fitDepthScale = GetBool(o, "fitDepthScale", false);
    const double points = GetNumber(o, "points", 468);  // compared as a double: int(1e30) is undefined
    if (points != 468 && points != 478) throw bad("points must be 468 or 478");
    call.points = static_cast<int>(points);
  }
  double w = info[1].As<Napi::Number>().DoubleValue(), h = info[2].As<Napi::Number>().DoubleValue();
  if (!(w >= 1 && h >= 1 && w <= 1e6 && h <= 1e6 && w == static_cast<int>(w) && h == static_cast<int>(h)))
    throw bad("width and height must be positive integers");
  call.width = static_cast<int>(w);
  call.height = static_cast<int>(h);
  Napi::Float32Array lm = info[0].As<Napi::Float32Array>();
  const size_t per = static_cast<size_t>(call.points) * 3;
  if (lm.ElementLength() % per != 0) throw bad("landmarks length is not a multiple of points x 3");
  call.frames = lm.ElementLength() / per;
  call.landmarks = lm.Data();
  try {
    call.geometry = LoadFaceGeometry(info[3].As<Napi::String>().Utf8Value());
  } catch (const Error& e) {
    throw MakeJsError(env, e.code(), e.what(), e.file());
  }
  return call;
}

Napi::Value EstimatePoseJs(const Napi::CallbackInfo& info) {
  PoseCall c = ParseArgs(info, "estimatePose");
  Napi::Float32Array out = Napi::Float32Array::New(info.Env(), c.frames * 3);
  float* o = out.Data();
  for (size_t t = 0; t < c.frames; t++) {
    HeadPose p = EstimatePose(c.landmarks + t * c.points * 3, c.width, c.height, c.geometry, c.options);
    o[3 * t] = p.pitch;
    o[3 * t + 1] = p.yaw;
    o[3 * t + 2] = p.roll;
  }
  return out;
}

Napi::Value EstimatePoseDetailsJs(const Napi::CallbackInfo& info) {
  PoseCall c = ParseArgs(info, "estimatePoseDetails");
  Napi::Env env = info.Env();
  const size_t T = c.frames;
  Napi::Float32Array pose = Napi::Float32Array::New(env, T * 3);
  Napi::Float32Array rotation = Napi::Float32Array::New(env, T * 9);
  Napi::Float32Array scale = Napi::Float32Array::New(env, T);
  Napi::Float32Array translation = Napi::Float32Array::New(env, T * 3);
  Napi::Float32Array residual = Napi::Float32Array::New(env, T);
  Napi::Float32Array depthScale = Napi::Float32Array::New(env, T);
  for (size_t t = 0; t < T; t++) {
    HeadPose p = EstimatePose(c.landmarks + t * c.points * 3, c.width, c.height, c.geometry, c.options);
    pose.Data()[3 * t] = p.pitch;
    pose.Data()[3 * t + 1] = p.yaw;
    pose.Data()[3 * t + 2] = p.roll;
    for (int k = 0; k < 9; k++) rotation.Data()[9 * t + k] = p.rotation[k];
    scale.Data()[t] = p.scale;
    for (int k = 0; k < 3; k++) translation.Data()[3 * t + k] = p.translation[k];
    residual.Data()[t] = p.residual;
    depthScale.Data()[t] = p.depthScale;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("pose", pose);
  o.Set("rotation", rotation);
  o.Set("scale", scale);
  o.Set("translation", translation);
  o.Set("residual", residual);
  o.Set("depthScale", depthScale);
  return o;
}

}  // namespace

void InitPose(Napi::Env env, Napi::Object exports) {
  exports.Set("estimatePose", Napi::Function::New(env, EstimatePoseJs, "estimatePose"));
  exports.Set("estimatePoseDetails", Napi::Function::New(env, EstimatePoseDetailsJs, "estimatePoseDetails"));
}

}  // namespace theval
