// The inference interface: a backend loads a network once; a Model runs a batch of float
// tensors through it. One backend today (cpu/: OpenCV dnn); cuda/ and tensorrt/ backends
// implement the same two classes and register under their own name (FindBackend).
// A Model is used by one thread at a time, except BatchingModel (batching_model.h), which
// exists to be shared: it gathers the calls of many threads (videos in flight) into batches.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace theval::infer {

// What the caller expects of a network: its single input's per-item shape (NHWC without the
// batch dimension, as in TFLite) and the outputs to fetch, by name, with their per-item
// element counts. Load fails (MODEL_LOAD) when the file does not match this description.
struct ModelDesc {
  std::vector<int> inputShape;  // e.g. {192, 192, 3}
  std::vector<std::string> outputNames;
  std::vector<size_t> outputElems;  // per batch item, same order as outputNames
};

// Which software ran a network: recorded with every result (and hashed into the
// configuration), because a number only means something for the engine that produced it.
struct BackendInfo {
  std::string name;     // "opencv-dnn-cpu"
  std::string device;   // "cpu", "cuda:0", ...
  std::string version;  // engine version, e.g. OpenCV's CV_VERSION
};

class Model {
 public:
  virtual ~Model() = default;
  virtual const std::string& path() const = 0;
  virtual const ModelDesc& desc() const = 0;
  size_t InputElems() const {
    size_t n = 1;
    for (int d : desc().inputShape) n *= size_t(d);
    return n;
  }
  // input: batch * InputElems() floats, item after item. outputs[k] is resized to
  // batch * desc().outputElems[k]. Networks whose graph fixes the batch size at 1 are run
  // item by item (transparently; batchedNatively() tells which happened). Every backend
  // must give each item the same values whatever else is in its batch (results must not
  // depend on which videos happen to be in flight together).
  virtual void Run(const float* input, int batch, std::vector<std::vector<float>>& outputs) = 0;
  virtual bool batchedNatively() const = 0;
  virtual BackendInfo info() const = 0;
  std::string backend() const { return info().name; }
};

// A backend: loads networks for one device. Throws theval::Error MODEL_MISSING (no such
// file, naming it) or MODEL_LOAD (the engine rejected it).
class Backend {
 public:
  virtual ~Backend() = default;
  virtual BackendInfo info() const = 0;
  virtual std::unique_ptr<Model> Load(const std::string& path, const ModelDesc& desc) = 0;
};

// The backends this build has, by name ("cpu"; "cuda", "tensorrt" where built); null when
// absent.
Backend* FindBackend(const std::string& name);

// The CUDA graph executor (cuda/cuda_backend.cc), in every build: "cuda" / "cuda:N" (the
// kernels; Load throws GPU_UNAVAILABLE without a driver or device, or in a build without
// nvcc) and "cuda-emulated" (the same graphs on the host: a test path). Null for other names.
Backend* FindCudaBackend(const std::string& name);

// What the scheduler and the bindings look a backend up with: FindCudaBackend, then
// FindBackend (the CPU backend and whatever else registers there, e.g. "tensorrt").
Backend* ResolveBackend(const std::string& name);

// How a stage gets its network: the stage describes what it expects, the caller decides
// where the network comes from (its own copy, or one shared through a BatchingModel).
using ModelLoader = std::function<std::shared_ptr<Model>(const std::string& path, const ModelDesc& desc)>;

// OpenCV dnn on the CPU (DNN_BACKEND_OPENCV, DNN_TARGET_CPU).
std::unique_ptr<Model> LoadCpuModel(const std::string& path, const ModelDesc& desc);
// A loader giving each caller its own CPU model.
ModelLoader CpuLoader();

// OpenCV's own thread pool size for every CPU model in the process (cv::setNumThreads).
// Returns the previous value.
int SetCpuThreads(int n);
int CpuThreads();

}  // namespace theval::infer
