// Built when the addon has no CUDA kernels.
#include <stdexcept>

#include "cuda/crop_tensor.h"

namespace theval::cuda {

std::vector<float> CropTensorsCuda(const CropFrame*, int, const CropRoi*, int, const CropParams&, int, double*, int) {
  throw std::runtime_error(
      "GPU_UNAVAILABLE: this theval build has no CUDA kernels (nvcc was not found when it was built)");
}

}  // namespace theval::cuda
