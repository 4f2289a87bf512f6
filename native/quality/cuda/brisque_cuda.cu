// The device passes of BRISQUE (see brisque_cuda.h). Written for clarity; a device session
// measures them (docs/gpu.md). The Gaussian taps come from OpenCV, via the host.
#include <cuda_runtime.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "cuda/device_util.h"
#include "quality/cuda/brisque_cuda.h"
#include "quality/cuda/brisque_hd.h"

namespace theval::quality::cuda {

namespace {

struct DeviceSums {
  double posSq, negSq, abs;
  unsigned long long pos, neg;
};

__constant__ float kTaps[kGaussTaps];

__global__ void UnitKernel(const uint8_t* g, size_t n, float* out) {
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = GreyUnit(g[i]);
}
__global__ void CubicRowKernel(const float* src, int sw, int sh, int dw, double sx, float* rows) {
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < size_t(dw) * sh) rows[i] = CubicRowAt(src, sw, int(i / dw), int(i % dw), sx);
}
__global__ void CubicColKernel(const float* rows, int dw, int sh, int dh, double sy, float* out) {
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < size_t(dw) * dh) out[i] = CubicColAt(rows, dw, sh, int(i / dw), int(i % dw), sy);
}
__global__ void GaussRowKernel(const float* src, int w, int h, bool squared, float* tmp) {
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < size_t(w) * h) tmp[i] = GaussRowAt(src, w, int(i / w), int(i % w), kTaps, squared);
}
__global__ void GaussColKernel(const float* tmp, int w, int h, float* out) {
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < size_t(w) * h) out[i] = GaussColAt(tmp, w, h, int(i / w), int(i % w), kTaps);
}
__global__ void MscnKernel(const float* img, const float* mu, const float* sq, size_t n, float* out) {
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = MscnAt(img[i], mu[i], sq[i]);
}
// Each thread adds one value (the MSCN itself, or its product with a neighbour) to the
// block's partial sums; thread 0 adds the block's sums to the global ones.
__global__ void SumsKernel(const float* m, int w, int h, int dy, int dx, bool pair, DeviceSums* out) {
  __shared__ DeviceSums part[256];
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  AggdSums s;
  if (i < size_t(w) * h) AggdAccumulate(s, pair ? PairProductAt(m, w, h, int(i / w), int(i % w), dy, dx) : m[i]);
  part[threadIdx.x] = DeviceSums{s.posSq, s.negSq, s.abs, (unsigned long long)s.pos, (unsigned long long)s.neg};
  __syncthreads();
  for (unsigned stride = blockDim.x / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) {
      DeviceSums& a = part[threadIdx.x];
      const DeviceSums& b = part[threadIdx.x + stride];
      a.posSq += b.posSq;
      a.negSq += b.negSq;
      a.abs += b.abs;
      a.pos += b.pos;
      a.neg += b.neg;
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    atomicAdd(&out->posSq, part[0].posSq);
    atomicAdd(&out->negSq, part[0].negSq);
    atomicAdd(&out->abs, part[0].abs);
    atomicAdd(&out->pos, (unsigned long long)part[0].pos);
    atomicAdd(&out->neg, (unsigned long long)part[0].neg);
  }
}

using theval::cuda::CheckCuda;

unsigned Blocks(size_t n) { return unsigned((n + 255) / 256); }

}  // namespace

std::vector<float> BrisqueFeaturesCuda(const unsigned char* grey, int width, int height, const float* taps, int ordinal) {
  theval::cuda::UseDevice(ordinal);
  CheckCuda(cudaMemcpyToSymbol(kTaps, taps, sizeof(float) * kGaussTaps), "taps");
  const size_t n0 = size_t(width) * height;
  theval::cuda::DeviceBuffers b;
  uint8_t* g = b.Get<uint8_t>(n0);
  float *unit = b.Get<float>(n0), *img = b.Get<float>(n0), *rows = b.Get<float>(n0), *tmp = b.Get<float>(n0),
        *mu = b.Get<float>(n0), *sq = b.Get<float>(n0), *mscn = b.Get<float>(n0);
  DeviceSums* sums = b.Get<DeviceSums>(1);
  CheckCuda(cudaMemcpy(g, grey, n0, cudaMemcpyHostToDevice), "upload");
  UnitKernel<<<Blocks(n0), 256>>>(g, n0, unit);
  std::vector<float> f;
  auto fit = [&](int dy, int dx, bool pair, int w, int h, double& l, double& r, double& gm) {
    CheckCuda(cudaMemset(sums, 0, sizeof(DeviceSums)), "memset");
    SumsKernel<<<Blocks(size_t(w) * h), 256>>>(mscn, w, h, dy, dx, pair, sums);
    DeviceSums d;
    CheckCuda(cudaMemcpy(&d, sums, sizeof d, cudaMemcpyDeviceToHost), "sums");
    AggdSums s;
    s.posSq = d.posSq, s.negSq = d.negSq, s.abs = d.abs, s.pos = (long long)d.pos, s.neg = (long long)d.neg;
    s.total = (long long)w * h;
    AggdFit(s, l, r, gm);
  };
  for (int scale = 1; scale <= 2; scale++) {
    const int w = int(width / std::pow(2.0, scale - 1)), h = int(height / std::pow(2.0, scale - 1));
    const size_t n = size_t(w) * h;
    if (w == width && h == height) {
      CheckCuda(cudaMemcpy(img, unit, n0 * sizeof(float), cudaMemcpyDeviceToDevice), "copy");
    } else {
      CubicRowKernel<<<Blocks(size_t(w) * height), 256>>>(unit, width, height, w, double(width) / w, rows);
      CubicColKernel<<<Blocks(n), 256>>>(rows, w, height, h, double(height) / h, img);
    }
    GaussRowKernel<<<Blocks(n), 256>>>(img, w, h, false, tmp);
    GaussColKernel<<<Blocks(n), 256>>>(tmp, w, h, mu);
    GaussRowKernel<<<Blocks(n), 256>>>(img, w, h, true, tmp);
    GaussColKernel<<<Blocks(n), 256>>>(tmp, w, h, sq);
    MscnKernel<<<Blocks(n), 256>>>(img, mu, sq, n, mscn);
    CheckCuda(cudaGetLastError(), "launch");
    double l, r, gm;
    fit(0, 0, false, w, h, l, r, gm);
    f.push_back(float(gm));
    f.push_back(float(l * l + r * r) / 2);
    const int shifts[4][2] = {{0, 1}, {1, 0}, {1, 1}, {-1, 1}};
    for (const auto& s : shifts) {
      fit(s[0], s[1], true, w, h, l, r, gm);
      f.push_back(float(gm));
      f.push_back(AggdMeanParam(l, r, gm));
      f.push_back(float(std::pow(l, 2)));
      f.push_back(float(std::pow(r, 2)));
    }
  }
  CheckCuda(cudaDeviceSynchronize(), "sync");
  return f;
}

}  // namespace theval::quality::cuda
