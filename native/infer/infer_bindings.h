#pragma once
#include <napi.h>
namespace theval {
void InitInfer(Napi::Env env, Napi::Object exports);
}
