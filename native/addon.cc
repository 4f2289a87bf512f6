// Registration only: one entry per pipeline, nothing else.
#include <napi.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/log.h>
}

#include "decode/decode_bindings.h"
#include "decode/ffmpeg_log.h"
#include "quality/quality_bindings.h"
#include "face/pose_bindings.h"
#include "face/face_bindings.h"
#include "infer/infer_bindings.h"
#include "flow/flow_bindings.h"
#include "infer/cuda/graph_bindings.h"

namespace theval {
void InitGpu(Napi::Env env, Napi::Object exports);
void InitQualityCuda(Napi::Env env, Napi::Object exports);
void InitPass(Napi::Env env, Napi::Object exports);  // pipeline/pass_bindings.cc
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // FFmpeg's own log lines would interleave with progress output: they are counted per
  // decoder and reported in each call's warnings instead of printed.
  theval::InstallFfmpegLog();
  exports.Set("ffmpegVersion", Napi::String::New(env, av_version_info()));
  theval::InitDecode(env, exports);
  theval::InitGpu(env, exports);
  theval::InitQuality(env, exports);
  theval::InitPose(env, exports);
  theval::InitInfer(env, exports);
  theval::InitInferCuda(env, exports);
  theval::InitQualityCuda(env, exports);
  theval::InitFace(env, exports);
  theval::InitFlow(env, exports);
  theval::InitPass(env, exports);
  return exports;
}

NODE_API_MODULE(theval, Init)
