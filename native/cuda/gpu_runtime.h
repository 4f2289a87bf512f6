// The GPU side as the rest of the addon sees it. Built from gpu_runtime.cc (+ the .cu
// kernels) when nvcc was found at build time, else from gpu_runtime_none.cc. The addon
// links cudart statically, so it loads without a driver; Query() then says why no GPU.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "flow/dense_flow.h"

namespace theval::gpu {

struct DeviceInfo {
  int ordinal = 0;
  std::string name;
  int64_t memoryMiB = 0;
  std::string computeCapability;  // "9.0"
};

struct Info {
  bool compiled = false;   // CUDA kernels are built into this addon
  bool available = false;  // a usable device and driver were found
  std::string reason;      // why not, when !available
  std::vector<std::string> devices;  // "name (sm_XY, N MiB)"
  std::vector<DeviceInfo> deviceDetails;
  std::string runtimeVersion;  // the CUDA runtime linked in ("13.0"), "" when not compiled
};

Info Query();

// "13.0": the CUDA runtime this addon was built with; "none" without CUDA.
std::string RuntimeVersion();

// Throws theval::Error GPU_UNAVAILABLE (naming `file` when given) unless a GPU is usable.
void EnsureAvailable(const std::string& file);

// 8-bit YUV 4:2:0 (I420 planes, or NV12 when v == nullptr) to planar float RGB in [0, 1],
// BT.601 or BT.709, limited or full range, nearest chroma sample. Device buffers are kept
// between frames of the same size.
class YuvToRgbConverter {
 public:
  YuvToRgbConverter();
  ~YuvToRgbConverter();
  void Convert(const uint8_t* y, int yPitch, const uint8_t* u, const uint8_t* v, int uvPitch,
               int width, int height, bool bt709, bool fullRange, float* dstHost);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The motion diagnostics' optical flow on the GPU (cuda/dense_flow.cu): the same passes and
// per-pixel arithmetic as flow::DenseFlow, host buffers in and out. Throws GPU_UNAVAILABLE.
void DenseFlow(const float* i0, const float* i1, int w, int h, const flow::FlowParams& p, float* u, float* v);

}  // namespace theval::gpu
