// JS entry points of the quality module (BRISQUE built-in, ONNX plug-ins, whole-video scoring).
#pragma once

#include <napi.h>

namespace theval {

void InitQuality(Napi::Env env, Napi::Object exports);

}  // namespace theval
