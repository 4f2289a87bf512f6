// The TensorRT backend in a build without TensorRT: the names are known, loads fail with a
// clear GPU_UNAVAILABLE (one video's error, never a crash), gpuInfo() says why.
#include "common/errors.h"
#include "infer/tensorrt/tensorrt_model.h"

namespace theval::infer {

namespace {

const char* kReason =
    "this theval build was built without TensorRT (NvInfer.h, libnvinfer and libnvonnxparser were not found "
    "when it was compiled; rebuild with TensorRT installed, see docs/gpu.md)";

class NoTensorRtBackend : public Backend {
 public:
  explicit NoTensorRtBackend(std::string name) : name_(std::move(name)) {}
  BackendInfo info() const override { return {name_, "none", "built without TensorRT"}; }
  std::unique_ptr<Model> Load(const std::string& path, const ModelDesc&) override {
    throw Error("GPU_UNAVAILABLE", "inference backend '" + name_ + "' unavailable: " + kReason, path);
  }

 private:
  std::string name_;
};

}  // namespace

Backend* TensorRtBackend(const std::string& name) {
  // Intentionally leaked, like the CPU backend (process lifetime).
  static Backend* fp32 = new NoTensorRtBackend("tensorrt");
  static Backend* fp16 = new NoTensorRtBackend("tensorrt-fp16");
  if (name == "tensorrt") return fp32;
  if (name == "tensorrt-fp16") return fp16;
  return nullptr;
}

TensorRtStatus QueryTensorRt() {
  TensorRtStatus s;
  s.reason = kReason;
  return s;
}

}  // namespace theval::infer
