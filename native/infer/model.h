// The inference interface: load a network once, run a batch of float tensors through it.
// One backend today (cpu/: OpenCV dnn); a GPU backend would implement the same class.
// A Model is used by one thread at a time (each pipeline owns its models).
#pragma once

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
  // item by item (transparently; batchedNatively() tells which happened).
  virtual void Run(const float* input, int batch, std::vector<std::vector<float>>& outputs) = 0;
  virtual bool batchedNatively() const = 0;
  virtual std::string backend() const = 0;
};

// OpenCV dnn on the CPU (DNN_BACKEND_OPENCV, DNN_TARGET_CPU). Throws theval::Error
// MODEL_MISSING (no such file, naming it) or MODEL_LOAD (OpenCV rejected it).
std::unique_ptr<Model> LoadCpuModel(const std::string& path, const ModelDesc& desc);

// OpenCV's own thread pool size for every CPU model in the process (cv::setNumThreads).
// Returns the previous value.
int SetCpuThreads(int n);
int CpuThreads();

}  // namespace theval::infer
