// YUV 4:2:0 (I420 / NV12) frames to packed RGB24 (yuv_rgb24_hd.h per pixel), on the host
// (CI) or as a CUDA kernel (one thread per pixel): the step between NVDEC's NV12 surface
// and the crops, so the frame need not come back to the host.
#pragma once

#include <cstdint>
#include <vector>

#include "cuda/yuv_rgb24_hd.h"

namespace theval::cuda {

// Host path: dst rows are dstStride bytes apart.
void Yuv420ToRgb24Host(const Yuv420View& f, const YuvRgbCoeffs& k, uint8_t* dst, int dstStride);

// Device path, host memory in and out (planes uploaded as they are, output width * 3 bytes
// a row). kernelMs (optional): the kernel alone, mean of `repeats` launches (CUDA events).
// Throws std::runtime_error "GPU_UNAVAILABLE: ..." without a usable device or CUDA build.
std::vector<uint8_t> Yuv420ToRgb24Cuda(const Yuv420View& f, const YuvRgbCoeffs& k, int ordinal = 0,
                                       double* kernelMs = nullptr, int repeats = 1);

}  // namespace theval::cuda
