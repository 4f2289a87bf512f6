// Built when the addon is compiled without nvcc (node-gyp, or no CUDA toolkit).
#include "common/errors.h"
#include "cuda/gpu_runtime.h"

namespace theval::gpu {

static const char* kReason = "this theval build has no CUDA kernels (nvcc was not found when it was built)";

std::string RuntimeVersion() { return "none"; }

Info Query() {
  Info i;
  i.reason = kReason;
  return i;
}

void EnsureAvailable(const std::string& file) {
  throw Error("GPU_UNAVAILABLE", std::string("GPU requested but ") + kReason, file);
}

struct YuvToRgbConverter::State {};
YuvToRgbConverter::YuvToRgbConverter() { EnsureAvailable(""); }
YuvToRgbConverter::~YuvToRgbConverter() = default;
void YuvToRgbConverter::Convert(const uint8_t*, int, const uint8_t*, const uint8_t*, int, int, int,
                                bool, bool, float*) {
  EnsureAvailable("");
}

void DenseFlow(const float*, const float*, int, int, const flow::FlowParams&, float*, float*) { EnsureAvailable(""); }

}  // namespace theval::gpu
