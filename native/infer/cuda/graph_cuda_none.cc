// Built when the addon has no CUDA kernels (node-gyp, or nvcc missing at build time).
#include <stdexcept>

#include "infer/cuda/device.h"

namespace theval::infer::cuda {

std::unique_ptr<Device> MakeCudaDevice(int) {
  throw std::runtime_error(
      "GPU_UNAVAILABLE: this theval build has no CUDA kernels (nvcc was not found when it was built)");
}

}  // namespace theval::infer::cuda
