// The YUV 4:2:0 -> RGB24 kernel: one thread per pixel (yuv_rgb24_hd.h, integer arithmetic,
// so the device equals the host path exactly).
#include <cuda_runtime.h>

#include "cuda/device_util.h"
#include "cuda/yuv_rgb24.h"

namespace theval::cuda {

namespace {

__global__ void Yuv420Rgb24Kernel(Yuv420View f, YuvRgbCoeffs k, uint8_t* dst) {
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= size_t(f.width) * f.height) return;
  const int x = int(i % f.width), y = int(i / f.width);
  Yuv420PixelRgb24(f, x, y, k, dst + 3 * i);
}

}  // namespace

std::vector<uint8_t> Yuv420ToRgb24Cuda(const Yuv420View& f, const YuvRgbCoeffs& k, int ordinal, double* kernelMs,
                                       int repeats) {
  UseDevice(ordinal);
  DeviceBuffers b;
  const int ch = (f.height + 1) / 2;
  Yuv420View d = f;
  auto up = [&](const uint8_t* src, size_t bytes) {
    uint8_t* p = b.Get<uint8_t>(bytes);
    CheckCuda(cudaMemcpy(p, src, bytes, cudaMemcpyHostToDevice), "upload plane");
    return p;
  };
  d.y = up(f.y, size_t(f.yStride) * f.height);
  d.u = up(f.u, size_t(f.uStride) * ch);
  d.v = f.nv12 ? nullptr : up(f.v, size_t(f.vStride) * ch);
  const size_t n = size_t(f.width) * f.height;
  uint8_t* out = b.Get<uint8_t>(n * 3);
  const unsigned blocks = unsigned((n + 255) / 256);
  auto launch = [&] { Yuv420Rgb24Kernel<<<blocks, 256>>>(d, k, out); };
  launch();
  CheckCuda(cudaGetLastError(), "launch");
  CheckCuda(cudaDeviceSynchronize(), "yuv kernel");
  if (kernelMs) *kernelMs = TimeKernel(repeats, launch);
  std::vector<uint8_t> rgb(n * 3);
  CheckCuda(cudaMemcpy(rgb.data(), out, rgb.size(), cudaMemcpyDeviceToHost), "download");
  return rgb;
}

}  // namespace theval::cuda
