// Built when the addon has no CUDA kernels.
#include <stdexcept>

#include "quality/cuda/brisque_cuda.h"

namespace theval::quality::cuda {

std::vector<float> BrisqueFeaturesCuda(const unsigned char*, int, int, const float*, int) {
  throw std::runtime_error(
      "GPU_UNAVAILABLE: this theval build has no CUDA kernels (nvcc was not found when it was built)");
}

}  // namespace theval::quality::cuda
