// The host emulation of the CUDA backend: the same EvalOne the kernels run, in a loop.
#include <cstring>
#include <list>
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
  void Free(float* p) override {
    for (auto it = blocks_.begin(); it != blocks_.end(); ++it)
      if (it->data() == p) {
        blocks_.erase(it);
        return;
      }
  }
  void Upload(float* dst, const float* src, size_t n) override { std::memcpy(dst, src, n * sizeof(float)); }
  void Download(float* dst, const float* src, size_t n) override { std::memcpy(dst, src, n * sizeof(float)); }
  void Launch(const OpCall& c) override {
    for (size_t i = 0; i < c.n; i++) EvalOne(c, i);
  }
  void LaunchBatched(const OpCall& c, int items) override {
    const size_t total = c.n * size_t(items);
    for (size_t i = 0; i < total; i++) EvalBatched(c, i);
  }
  void Sync() override {}
  std::string Name() const override { return "host-emulation"; }

 private:
  std::list<std::vector<float>> blocks_;  // a list: freeing one block moves no other
};

}  // namespace

std::unique_ptr<Device> MakeHostDevice() { return std::make_unique<HostDevice>(); }

std::unique_ptr<Device> MakeDevice(Backend b, int ordinal) {
  return b == Backend::kCuda ? MakeCudaDevice(ordinal) : MakeHostDevice();
}

}  // namespace theval::infer::cuda
