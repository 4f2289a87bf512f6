// The crop kernel: one thread per output pixel of a batch of ROIs (crop_hd.h, the host path's
// arithmetic with explicitly rounded operations).
#include <cuda_runtime.h>

#include "cuda/crop_hd.h"
#include "cuda/crop_tensor.h"
#include "cuda/device_util.h"

namespace theval::cuda {

namespace {

__global__ void CropKernel(const CropFrame* frames, int frameCount, const CropRoi* rois, int n, CropParams p, float* out) {
  const size_t per = size_t(p.size) * p.size;
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= per * size_t(n)) return;
  const int k = int(i / per), pix = int(i % per);
  const CropRoi& r = rois[k];
  if (r.frame < 0 || r.frame >= frameCount) return;
  const CropFrame& f = frames[r.frame];
  CropPixel(f.rgb, f.stride, f.width, f.height, r.map, pix % p.size, pix / p.size, p.zeroBorder, p.scale, p.offset,
            out + 3 * i);
}

}  // namespace

std::vector<float> CropTensorsCuda(const CropFrame* frames, int frameCount, const CropRoi* rois, int n,
                                   const CropParams& p, int ordinal, double* kernelMs, int repeats) {
  UseDevice(ordinal);
  DeviceBuffers b;
  std::vector<CropFrame> dev(frames, frames + frameCount);
  for (CropFrame& f : dev) {
    const size_t bytes = f.stride * size_t(f.height);
    uint8_t* d = b.Get<uint8_t>(bytes);
    CheckCuda(cudaMemcpy(d, f.rgb, bytes, cudaMemcpyHostToDevice), "upload frame");
    f.rgb = d;
  }
  CropFrame* dFrames = b.Get<CropFrame>(size_t(frameCount));
  CropRoi* dRois = b.Get<CropRoi>(size_t(n));
  CheckCuda(cudaMemcpy(dFrames, dev.data(), sizeof(CropFrame) * frameCount, cudaMemcpyHostToDevice), "upload frames");
  CheckCuda(cudaMemcpy(dRois, rois, sizeof(CropRoi) * n, cudaMemcpyHostToDevice), "upload rois");
  const size_t total = size_t(p.size) * p.size * size_t(n);
  float* dOut = b.Get<float>(total * 3);
  const unsigned blocks = unsigned((total + 255) / 256);
  auto launch = [&] { CropKernel<<<blocks, 256>>>(dFrames, frameCount, dRois, n, p, dOut); };
  launch();
  CheckCuda(cudaGetLastError(), "launch");
  CheckCuda(cudaDeviceSynchronize(), "crop kernel");
  if (kernelMs) *kernelMs = TimeKernel(repeats, launch);
  std::vector<float> out(total * 3);
  CheckCuda(cudaMemcpy(out.data(), dOut, out.size() * sizeof(float), cudaMemcpyDeviceToHost), "download");
  return out;
}

}  // namespace theval::cuda
