// BRISQUE as a quality model (quality_model.h) on the CUDA path: the same input rule as the
// built-in one (RGB -> grey with cv::cvtColor, optional resize, on the host in this version),
// then the features by the per-element functions of brisque_hd.h, as kernels ("cuda:N") or
// on the host ("cuda-emulated", the test path), then the SVR (BrisqueScore, on the host).
#pragma once

#include <string>

#include "quality/quality_model.h"

namespace theval::quality {

// device: "cuda", "cuda:N" or "cuda-emulated". Throws theval::Error (MODEL_MISSING,
// MODEL_INVALID, GPU_UNAVAILABLE for a cuda device without a usable GPU, BAD_ARGUMENT).
ModelPtr LoadBrisqueOnDevice(const std::string& modelFile, const std::string& rangeFile, const std::string& device);

}  // namespace theval::quality
