// Where the graph's tensors live and how one OpCall runs: the host (a loop over EvalOne,
// built everywhere) or a CUDA device (graph_cuda.cu, one thread per element; only when nvcc
// built the addon). No Node headers here, so a native test harness can link it alone.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "infer/cuda/ops.h"

namespace theval::infer::cuda {

enum class Backend { kHostEmulation, kCuda };

class Device {
 public:
  virtual ~Device() = default;
  // n floats, owned by the device until it is destroyed.
  virtual float* Alloc(size_t n) = 0;
  virtual void Upload(float* dst, const float* hostSrc, size_t n) = 0;
  virtual void Download(float* hostDst, const float* src, size_t n) = 0;
  virtual void Launch(const OpCall& c) = 0;
  // `items` copies of the call at once (EvalBatched: one thread per element of every item).
  virtual void LaunchBatched(const OpCall& c, int items) = 0;
  // Releases a block from Alloc (the arena when it grows for a larger batch).
  virtual void Free(float* p) = 0;
  virtual void Sync() = 0;
  virtual std::string Name() const = 0;
  // Makes this device current for the calling thread: a shared model is run by whichever
  // scheduler thread formed the batch (CUDA's current device is per thread).
  virtual void Bind() {}
};

std::unique_ptr<Device> MakeHostDevice();
// Throws std::runtime_error (message starts "GPU_UNAVAILABLE: ") without a usable GPU or
// when the addon was built without nvcc.
std::unique_ptr<Device> MakeCudaDevice(int ordinal = 0);
std::unique_ptr<Device> MakeDevice(Backend b, int ordinal = 0);

}  // namespace theval::infer::cuda
