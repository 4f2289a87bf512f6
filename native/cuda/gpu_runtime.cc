// CUDA runtime side of the GPU interface (host code; kernels are in the .cu files).
#include <cuda_runtime.h>

#include "common/errors.h"
#include "cuda/gpu_runtime.h"

namespace theval::gpu {

cudaError_t LaunchYuv420ToRgbPlanar(const uint8_t* y, int yPitch, const uint8_t* u, const uint8_t* v,
                                    int uvPitch, bool nv12, int width, int height, bool bt709,
                                    bool fullRange, float* dst, cudaStream_t stream);

cudaError_t LaunchDenseFlow(const float* i0, const float* i1, int w, int h, const flow::FlowParams& p, float* u, float* v);

namespace {
void Check(cudaError_t e, const char* what) {
  if (e != cudaSuccess)
    throw Error("GPU_UNAVAILABLE", std::string(what) + ": " + cudaGetErrorString(e));
}
}  // namespace

std::string RuntimeVersion() {
  int v = 0;
  cudaRuntimeGetVersion(&v);
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

Info Query() {
  Info info;
  info.compiled = true;
  info.runtimeVersion = RuntimeVersion();
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    info.reason = std::string("CUDA reports: ") + cudaGetErrorString(e) +
                  (e == cudaErrorInsufficientDriver || e == cudaErrorNoDevice
                       ? " (no NVIDIA driver or GPU on this machine)"
                       : "");
    cudaGetLastError();  // clear the sticky error state
    return info;
  }
  if (n == 0) {
    info.reason = "no CUDA device found";
    return info;
  }
  for (int i = 0; i < n; i++) {
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, i) == cudaSuccess) {
      info.devices.push_back(std::string(p.name) + " (sm_" + std::to_string(p.major) +
                             std::to_string(p.minor) + ", " +
                             std::to_string(p.totalGlobalMem >> 20) + " MiB)");
      info.deviceDetails.push_back({i, p.name, int64_t(p.totalGlobalMem >> 20),
                                    std::to_string(p.major) + "." + std::to_string(p.minor)});
    }
  }
  info.available = true;
  return info;
}

void EnsureAvailable(const std::string& file) {
  Info i = Query();
  if (!i.available)
    throw Error("GPU_UNAVAILABLE", (file.empty() ? "" : file + ": ") + "GPU requested but " + i.reason, file);
}

struct YuvToRgbConverter::State {
  uint8_t* dY = nullptr;
  uint8_t* dU = nullptr;
  uint8_t* dV = nullptr;
  float* dRgb = nullptr;
  size_t ySize = 0, uSize = 0, vSize = 0, rgbSize = 0;
  cudaStream_t stream = nullptr;
  ~State() {
    cudaFree(dY);
    cudaFree(dU);
    cudaFree(dV);
    cudaFree(dRgb);
    if (stream) cudaStreamDestroy(stream);
  }
  static void Grow(void** p, size_t* have, size_t need) {
    if (*have >= need) return;
    cudaFree(*p);
    *p = nullptr;
    Check(cudaMalloc(p, need), "cudaMalloc");
    *have = need;
  }
};

YuvToRgbConverter::YuvToRgbConverter() : state_(std::make_unique<State>()) {
  EnsureAvailable("");
  Check(cudaStreamCreate(&state_->stream), "cudaStreamCreate");
}

YuvToRgbConverter::~YuvToRgbConverter() = default;

void YuvToRgbConverter::Convert(const uint8_t* y, int yPitch, const uint8_t* u, const uint8_t* v,
                                int uvPitch, int width, int height, bool bt709, bool fullRange,
                                float* dstHost) {
  State& s = *state_;
  const bool nv12 = v == nullptr;
  const int ch = (height + 1) / 2;
  const size_t ySize = size_t(yPitch) * height;
  const size_t uvSize = size_t(uvPitch) * ch;
  const size_t rgbSize = size_t(width) * height * 3 * sizeof(float);
  State::Grow(reinterpret_cast<void**>(&s.dY), &s.ySize, ySize);
  State::Grow(reinterpret_cast<void**>(&s.dU), &s.uSize, uvSize);
  if (!nv12) State::Grow(reinterpret_cast<void**>(&s.dV), &s.vSize, uvSize);
  State::Grow(reinterpret_cast<void**>(&s.dRgb), &s.rgbSize, rgbSize);
  Check(cudaMemcpyAsync(s.dY, y, ySize, cudaMemcpyHostToDevice, s.stream), "upload Y");
  Check(cudaMemcpyAsync(s.dU, u, uvSize, cudaMemcpyHostToDevice, s.stream), "upload U");
  if (!nv12) Check(cudaMemcpyAsync(s.dV, v, uvSize, cudaMemcpyHostToDevice, s.stream), "upload V");
  Check(LaunchYuv420ToRgbPlanar(s.dY, yPitch, s.dU, nv12 ? nullptr : s.dV, uvPitch, nv12, width, height,
                                bt709, fullRange, s.dRgb, s.stream),
        "yuv_to_rgb kernel");
  Check(cudaMemcpyAsync(dstHost, s.dRgb, rgbSize, cudaMemcpyDeviceToHost, s.stream), "download RGB");
  Check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize");
}

void DenseFlow(const float* i0, const float* i1, int w, int h, const flow::FlowParams& p, float* u, float* v) {
  EnsureAvailable("");
  Check(LaunchDenseFlow(i0, i1, w, h, p, u, v), "dense flow kernels");
}

}  // namespace theval::gpu
