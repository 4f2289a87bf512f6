// Small pieces the pre-processing kernels' host sides share: device selection with the
// project's GPU_UNAVAILABLE message, CUDA errors as exceptions, device buffers freed on every
// exit path. CUDA runtime only: included by .cu files.
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace theval::cuda {

inline void CheckCuda(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("CUDA ") + what + ": " + cudaGetErrorString(e));
}

inline void UseDevice(int ordinal) {
  int devices = 0;
  const cudaError_t e = cudaGetDeviceCount(&devices);
  if (e != cudaSuccess || devices == 0)
    throw std::runtime_error(std::string("GPU_UNAVAILABLE: ") + (e != cudaSuccess ? cudaGetErrorString(e) : "no CUDA device"));
  if (ordinal < 0 || ordinal >= devices)
    throw std::runtime_error("GPU_UNAVAILABLE: CUDA device " + std::to_string(ordinal) + " does not exist");
  CheckCuda(cudaSetDevice(ordinal), "set device");
}

struct DeviceBuffers {
  std::vector<void*> all;
  template <class T>
  T* Get(size_t n) {
    void* p = nullptr;
    CheckCuda(cudaMalloc(&p, n * sizeof(T) + 1), "malloc");
    all.push_back(p);
    return static_cast<T*>(p);
  }
  ~DeviceBuffers() {
    for (void* p : all) cudaFree(p);
  }
};

// Mean ms of `repeats` calls of launch(), timed with events on the default stream.
template <class F>
double TimeKernel(int repeats, F launch) {
  cudaEvent_t a, b;
  CheckCuda(cudaEventCreate(&a), "event");
  CheckCuda(cudaEventCreate(&b), "event");
  cudaEventRecord(a);
  for (int i = 0; i < repeats; i++) launch();
  cudaEventRecord(b);
  const cudaError_t e = cudaEventSynchronize(b);
  float ms = 0;
  cudaEventElapsedTime(&ms, a, b);
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  CheckCuda(e, "kernel");
  return double(ms) / (repeats > 0 ? repeats : 1);
}

}  // namespace theval::cuda
