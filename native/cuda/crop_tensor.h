// Batches of landmark-model input crops (crop_hd.h per pixel): many ROIs over one or several
// RGB24 frames into one tensor [n, size, size, 3]. The host path (CI) and the CUDA kernel run
// the same per-pixel function. The 2x3 maps come from face::ImageToTensor (the CPU crop's
// dstToSrc map, computed on the host: 6 doubles per ROI).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace theval::cuda {

struct CropFrame {
  const uint8_t* rgb;  // host or device memory, as the call says
  int width, height;
  size_t stride;  // bytes per row
};

struct CropRoi {
  int frame;      // index into the frames
  double map[6];  // output pixel (x, y) -> source (m0 x + m1 y + m2, m3 x + m4 y + m5)
};

struct CropParams {
  int size = 192;  // output is size x size x 3 floats per ROI
  float scale = 1.f / 255.f, offset = 0.f;
  bool zeroBorder = false;
};

// Host path: out holds n * size * size * 3 floats.
void CropTensorsHost(const CropFrame* frames, int frameCount, const CropRoi* rois, int n, const CropParams& p, float* out);

// Device path, host memory in and out: uploads the frames and ROIs, runs the kernel on device
// `ordinal`, downloads. kernelMs (optional): the kernel alone, timed with CUDA events over
// `repeats` launches (the mean). Throws std::runtime_error "GPU_UNAVAILABLE: ..." without a
// usable device or in a build without CUDA kernels.
std::vector<float> CropTensorsCuda(const CropFrame* frames, int frameCount, const CropRoi* rois, int n,
                                   const CropParams& p, int ordinal = 0, double* kernelMs = nullptr, int repeats = 1);

}  // namespace theval::cuda
