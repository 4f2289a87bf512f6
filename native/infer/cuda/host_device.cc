// The host emulation of the CUDA backend: the same EvalOne the kernels run, in a loop.
#include <cstring>
#include <vector>

#include "infer/cuda/device.h"

namespace theval::infer::cuda {

namespace {

class HostDevice : public Device {
 public:
  float* Alloc(size_t n) override {
    blocks_.emplace_back(n);
    return blocks_.back().data();
  }
  void Upload(float* dst, const float* src, size_t n) override { std::memcpy(dst, src, n * sizeof(float)); }
  void Download(float* dst, const float* src, size_t n) override { std::memcpy(dst, src, n * sizeof(float)); }
  void Launch(const OpCall& c) override {
    for (size_t i = 0; i < c.n; i++) EvalOne(c, i);
  }
  void Sync() override {}
  std::string Name() const override { return "host-emulation"; }

 private:
  std::vector<std::vector<float>> blocks_;
};

}  // namespace

std::unique_ptr<Device> MakeHostDevice() { return std::make_unique<HostDevice>(); }

std::unique_ptr<Device> MakeDevice(Backend b, int ordinal) {
  return b == Backend::kCuda ? MakeCudaDevice(ordinal) : MakeHostDevice();
}

}  // namespace theval::infer::cuda
