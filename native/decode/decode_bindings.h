// JS entry points of the decode module: probe, openVideo (a VideoReader), decodeAudio.
#pragma once

#include <napi.h>

namespace theval {

struct VideoInfo;

void InitDecode(Napi::Env env, Napi::Object exports);

// A VideoInfo as JS sees it (the `info` of probe() and openVideo()).
Napi::Object VideoInfoToJs(Napi::Env env, const VideoInfo& info);

}  // namespace theval
