// The CUDA graph executor (graph.h) behind the inference interface (infer/model.h), so the
// one pass loads the detector and both meshes through it like through the CPU backend:
//   "cuda", "cuda:N"  the kernels on device N (GPU_UNAVAILABLE without a driver or device);
//   "cuda-emulated"   the same graphs and per-element functions run on the host: a TEST PATH
//                     (CI has no GPU), about 4x slower than the CPU backend, never a default.
// A batch is one Run(): one kernel launch per node for all its items (Graph::Run). The
// converted graphs fix their batch dimension at 1 (the detector and attention mesh reshape
// with it), so the executor does not batch through the graph's shapes: it gives each item its
// own copy of the activation arena and runs every node over all copies at once (ops.h,
// EvalBatched), each element with a run of one's arithmetic.
#include <sys/stat.h>

#include <map>
#include <mutex>
#include <stdexcept>

#include "common/errors.h"
#include "cuda/gpu_runtime.h"
#include "infer/cuda/graph.h"
#include "infer/model.h"

namespace theval::infer {

namespace {

constexpr const char* kExecutorVersion = "theval graph executor 1";

bool FileExists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

size_t Count(const std::vector<int64_t>& s) {
  size_t n = 1;
  for (int64_t d : s) n *= size_t(d);
  return n;
}

class CudaGraphModel : public Model {
 public:
  CudaGraphModel(std::string path, ModelDesc desc, std::unique_ptr<cuda::Graph> g, BackendInfo info)
      : path_(std::move(path)), desc_(std::move(desc)), graph_(std::move(g)), info_(std::move(info)) {}
  const std::string& path() const override { return path_; }
  const ModelDesc& desc() const override { return desc_; }
  bool batchedNatively() const override { return true; }  // one launch per node for the batch
  BackendInfo info() const override { return info_; }
  void Run(const float* input, int batch, std::vector<std::vector<float>>& outputs) override {
    try {
      graph_->Run(input, std::max(1, batch), desc_.outputNames, outputs);
    } catch (const std::runtime_error& e) {
      throw Error("INTERNAL", path_ + ": CUDA backend: " + e.what(), path_);
    }
  }

 private:
  std::string path_;
  ModelDesc desc_;
  std::unique_ptr<cuda::Graph> graph_;
  BackendInfo info_;
};

class CudaBackend : public Backend {
 public:
  CudaBackend(bool emulated, int ordinal) : emulated_(emulated), ordinal_(ordinal) {}
  BackendInfo info() const override {
    if (emulated_) return {"theval-cuda-emulated", "host-emulation", kExecutorVersion};
    return {"theval-cuda", "cuda:" + std::to_string(ordinal_), std::string(kExecutorVersion) + ", CUDA runtime " + gpu::RuntimeVersion()};
  }
  std::unique_ptr<Model> Load(const std::string& path, const ModelDesc& desc) override {
    if (!FileExists(path))
      throw Error("MODEL_MISSING", "model file not found: " + path + " (run `npm run models:prepare`)", path);
    if (!emulated_) gpu::EnsureAvailable(path);
    std::unique_ptr<cuda::Graph> g;
    try {
      g = cuda::Graph::Load(path, emulated_ ? cuda::Backend::kHostEmulation : cuda::Backend::kCuda, ordinal_);
    } catch (const std::runtime_error& e) {
      const std::string msg = e.what();
      if (msg.rfind("GPU_UNAVAILABLE: ", 0) == 0) throw Error("GPU_UNAVAILABLE", path + ": " + msg.substr(17), path);
      throw Error("MODEL_LOAD", "CUDA backend cannot load " + path + ": " + msg, path);
    }
    // The graph's input is NHWC with a batch of 1: the same floats per item as desc says.
    size_t want = 1;
    for (int d : desc.inputShape) want *= size_t(d);
    const size_t have = Count(g->inputShape());
    if (want != have)
      throw Error("MODEL_LOAD", path + ": the graph input holds " + std::to_string(have) + " floats per item, not " +
                                    std::to_string(want), path);
    for (size_t k = 0; k < desc.outputNames.size(); k++) {
      size_t n = 0;
      try {
        n = Count(g->outputShape(desc.outputNames[k]));
      } catch (const std::runtime_error&) {
        throw Error("MODEL_LOAD", path + ": the graph has no output '" + desc.outputNames[k] + "'", path);
      }
      if (n != desc.outputElems[k])
        throw Error("MODEL_LOAD", path + ": output '" + desc.outputNames[k] + "' holds " + std::to_string(n) +
                                      " floats, expected " + std::to_string(desc.outputElems[k]), path);
    }
    return std::make_unique<CudaGraphModel>(path, desc, std::move(g), info());
  }

 private:
  bool emulated_;
  int ordinal_;
};

}  // namespace

Backend* FindCudaBackend(const std::string& name) {
  int ordinal = -1;
  bool emulated = false;
  if (name == "cuda-emulated") {
    emulated = true;
    ordinal = 0;
  } else if (name == "cuda") {
    ordinal = 0;
  } else if (name.rfind("cuda:", 0) == 0 && name.size() > 5 && name.size() <= 8 &&
             name.find_first_not_of("0123456789", 5) == std::string::npos) {
    ordinal = std::stoi(name.substr(5));
  }
  if (ordinal < 0) return nullptr;
  // One backend object per device for the process (leaked, as the CPU backend).
  static std::mutex mu;
  static auto* backends = new std::map<std::string, Backend*>();
  const std::string key = emulated ? "cuda-emulated" : "cuda:" + std::to_string(ordinal);
  std::lock_guard<std::mutex> lock(mu);
  Backend*& b = (*backends)[key];
  if (!b) b = new CudaBackend(emulated, ordinal);
  return b;
}

}  // namespace theval::infer
