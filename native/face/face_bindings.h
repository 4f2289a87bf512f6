#pragma once
#include <napi.h>
namespace theval {
void InitFace(Napi::Env env, Napi::Object exports);
}
