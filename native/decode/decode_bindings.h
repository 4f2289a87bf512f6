// JS entry points of the decode module: probe, openVideo (a VideoReader), decodeAudio.
#pragma once

#include <napi.h>

namespace theval {

void InitDecode(Napi::Env env, Napi::Object exports);

}  // namespace theval
