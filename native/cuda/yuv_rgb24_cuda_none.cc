// Built when the addon has no CUDA kernels.
#include <stdexcept>

#include "cuda/yuv_rgb24.h"

namespace theval::cuda {

std::vector<uint8_t> Yuv420ToRgb24Cuda(const Yuv420View&, const YuvRgbCoeffs&, int, double*, int) {
  throw std::runtime_error(
      "GPU_UNAVAILABLE: this theval build has no CUDA kernels (nvcc was not found when it was built)");
}

}  // namespace theval::cuda
