#pragma once
#include <napi.h>
namespace theval {
void InitFlow(Napi::Env env, Napi::Object exports);
}
