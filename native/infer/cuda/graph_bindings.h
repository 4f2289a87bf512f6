#pragma once

#include <napi.h>

namespace theval {

// inferModelEmulated(path, spec, input): one face network through the CUDA backend's graph
// executor (spec.backend 'host' = the host emulation, 'cuda' = the kernels on a GPU).
void InitInferCuda(Napi::Env env, Napi::Object exports);

}  // namespace theval
