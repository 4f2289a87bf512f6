// The TensorRT backend of the inference interface (model.h): the same converted ONNX files as
// the CPU backend, parsed by TensorRT's ONNX parser and built into an engine per GPU. Built
// only when CMake finds TensorRT (tensorrt_model.cc); otherwise tensorrt_none.cc answers
// every load with GPU_UNAVAILABLE "built without TensorRT".
//
// Backend names: "tensorrt" (FP32, TF32 off: the numbers stay comparable with the CPU
// backend) and "tensorrt-fp16" (opt-in; TensorRT 10 only, see docs/gpu.md). The name is
// recorded with every result, so a precision change is visible in the configuration.
#pragma once

#include <string>

#include "infer/model.h"

namespace theval::infer {

// The backend for a "tensorrt" / "tensorrt-fp16" name; null for any other name. Without
// TensorRT in the build it still exists (so the name is known and the error is clear), and
// its Load throws GPU_UNAVAILABLE naming the cause.
Backend* TensorRtBackend(const std::string& name);

// What gpuInfo() reports about TensorRT.
struct TensorRtStatus {
  bool compiled = false;  // built with TensorRT's headers and libraries
  std::string version;    // "TensorRT 10.16.1 (library 101601)" when compiled
  std::string reason;     // why it is not compiled in
};
TensorRtStatus QueryTensorRt();

}  // namespace theval::infer
