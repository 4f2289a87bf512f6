// JS entry points of the quality module (BRISQUE built-in, ONNX plug-ins, whole-video scoring).
#pragma once

#include <napi.h>

#include "quality/quality_model.h"

namespace theval {

void InitQuality(Napi::Env env, Napi::Object exports);

// The model behind a JS QualityModel (from loadBrisque / loadOnnxModel); null when `v` is not one.
quality::ModelPtr QualityModelFromJs(Napi::Env env, Napi::Value v);

}  // namespace theval
