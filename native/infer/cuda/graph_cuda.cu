// The CUDA side of the graph executor: one kernel for every operator, each thread computing
// one output element with the EvalOne the host emulation runs (ops.h). Kernels are written
// for clarity first; their speed is for a device session to measure (docs/gpu.md).
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "infer/cuda/device.h"

namespace theval::infer::cuda {

namespace {

__global__ void EvalKernel(const OpCall c) {
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < c.n) EvalOne(c, i);
}

__global__ void EvalBatchedKernel(const OpCall c, size_t total) {
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < total) EvalBatched(c, i);
}

void Check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("CUDA ") + what + ": " + cudaGetErrorString(e));
}

class CudaDevice : public Device {
 public:
  explicit CudaDevice(int ordinal) : ordinal_(ordinal) {
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n == 0)
      throw std::runtime_error(std::string("GPU_UNAVAILABLE: ") +
                               (e != cudaSuccess ? cudaGetErrorString(e) : "no CUDA device found"));
    if (ordinal < 0 || ordinal >= n)
      throw std::runtime_error("GPU_UNAVAILABLE: CUDA device " + std::to_string(ordinal) + " does not exist (" +
                               std::to_string(n) + " visible)");
    Bind();
    Check(cudaStreamCreate(&stream_), "stream");
  }
  ~CudaDevice() override {
    cudaSetDevice(ordinal_);
    for (float* p : blocks_) cudaFree(p);
    if (stream_) cudaStreamDestroy(stream_);
  }
  float* Alloc(size_t n) override {
    float* p = nullptr;
    Check(cudaMalloc(&p, n * sizeof(float)), "malloc");
    blocks_.push_back(p);
    return p;
  }
  void Upload(float* dst, const float* src, size_t n) override {
    Check(cudaMemcpyAsync(dst, src, n * sizeof(float), cudaMemcpyHostToDevice, stream_), "upload");
  }
  void Download(float* dst, const float* src, size_t n) override {
    Check(cudaMemcpyAsync(dst, src, n * sizeof(float), cudaMemcpyDeviceToHost, stream_), "download");
  }
  void Launch(const OpCall& c) override {
    if (c.n == 0) return;
    const unsigned threads = 256;
    const unsigned blocks = unsigned((c.n + threads - 1) / threads);
    EvalKernel<<<blocks, threads, 0, stream_>>>(c);
    Check(cudaGetLastError(), "launch");
  }
  void LaunchBatched(const OpCall& c, int items) override {
    const size_t total = c.n * size_t(items);
    if (total == 0) return;
    const unsigned threads = 256;
    EvalBatchedKernel<<<unsigned((total + threads - 1) / threads), threads, 0, stream_>>>(c, total);
    Check(cudaGetLastError(), "launch");
  }
  void Free(float* p) override {
    for (auto it = blocks_.begin(); it != blocks_.end(); ++it)
      if (*it == p) {
        Check(cudaStreamSynchronize(stream_), "sync");
        cudaFree(p);
        blocks_.erase(it);
        return;
      }
  }
  void Sync() override { Check(cudaStreamSynchronize(stream_), "sync"); }
  std::string Name() const override { return "cuda"; }
  void Bind() override { Check(cudaSetDevice(ordinal_), "set device"); }

 private:
  int ordinal_ = 0;
  cudaStream_t stream_ = nullptr;
  std::vector<float*> blocks_;
};

}  // namespace

std::unique_ptr<Device> MakeCudaDevice(int ordinal) { return std::make_unique<CudaDevice>(ordinal); }

}  // namespace theval::infer::cuda
