// JS entry points of the head-pose module: estimatePose, estimatePoseDetails (synchronous).
#pragma once

#include <napi.h>

namespace theval {

void InitPose(Napi::Env env, Napi::Object exports);

}  // namespace theval
