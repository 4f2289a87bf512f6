#pragma once
#include <napi.h>

#include <string>
#include <vector>

namespace theval {
void InitInfer(Napi::Env env, Napi::Object exports);

// {outputs: {name: Float32Array}, ms: [per repeat]}: the result both inference test bindings
// (inferModel, inferModelEmulated) start from.
Napi::Object InferResultObject(Napi::Env env, const std::vector<std::string>& names,
                               const std::vector<std::vector<float>>& outputs, const std::vector<double>& seconds);
}
