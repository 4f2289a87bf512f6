// CPU backend of the inference interface: OpenCV 4.6 dnn reading the converted ONNX files
// (docs/models.md: NHWC float input and TFLite-named outputs; OpenCV's importer handles
// every op the converter emits).
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>

#include <sys/stat.h>

#include <mutex>

#include "common/errors.h"
#include "infer/cpu/fast_layers.h"
#include "infer/cpu/transform_tensor_bilinear_layer.h"
#include "infer/model.h"
#include "infer/tensorrt/tensorrt_model.h"

namespace theval::infer {

namespace {

BackendInfo CpuInfo() { return {"opencv-dnn-cpu", "cpu", std::string("OpenCV ") + CV_VERSION}; }

bool FileExists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

class OpenCvModel : public Model {
 public:
  OpenCvModel(std::string path, ModelDesc desc) : path_(std::move(path)), desc_(std::move(desc)) {
    try {
      RegisterTheValLayers();
      RegisterFastCpuLayers();
      net_ = cv::dnn::readNetFromONNX(path_);
      net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
      net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
      // One forward pass at load: checks the outputs exist with the expected sizes, and
      // moves OpenCV's one-off graph set-up out of the first frame's timing.
      std::vector<float> zeros(InputElems(), 0.f);
      std::vector<std::vector<float>> out;
      Forward(zeros.data(), 1, out);
    } catch (const cv::Exception& e) {
      throw Error("MODEL_LOAD", path_ + ": OpenCV dnn could not load or run the model: " + e.what(), path_);
    }
  }

  const std::string& path() const override { return path_; }
  const ModelDesc& desc() const override { return desc_; }
  bool batchedNatively() const override { return nativeBatch_ == 1; }
  BackendInfo info() const override { return CpuInfo(); }

  void Run(const float* input, int batch, std::vector<std::vector<float>>& outputs) override {
    if (batch <= 1 || nativeBatch_ == 0) {
      if (batch <= 1) return Forward(input, 1, outputs);
      return RunItemByItem(input, batch, outputs);
    }
    // First batched run: try one forward pass. OpenCV logs the shape error it throws when the
    // graph fixes the batch at 1; that log is silenced for this probe only.
    const auto level = cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    try {
      Forward(input, batch, outputs);
      cv::utils::logging::setLogLevel(level);
      nativeBatch_ = 1;
    } catch (const cv::Exception&) {
      cv::utils::logging::setLogLevel(level);
      // The converted graphs of the detector and the attention model reshape with a fixed
      // batch of 1 (OpenCV then rejects N > 1); they run item by item instead.
      nativeBatch_ = 0;
      RunItemByItem(input, batch, outputs);
    }
  }

 private:
  void RunItemByItem(const float* input, int batch, std::vector<std::vector<float>>& outputs) {
    const size_t n = desc_.outputNames.size();
    outputs.resize(n);
    for (size_t k = 0; k < n; k++) outputs[k].resize(size_t(batch) * desc_.outputElems[k]);
    for (int b = 0; b < batch; b++) {
      Forward(input + size_t(b) * InputElems(), 1, item_);
      for (size_t k = 0; k < n; k++)
        std::copy(item_[k].begin(), item_[k].end(), outputs[k].begin() + size_t(b) * desc_.outputElems[k]);
    }
  }

  void Forward(const float* input, int batch, std::vector<std::vector<float>>& outputs) {
    std::vector<int> dims{batch};
    dims.insert(dims.end(), desc_.inputShape.begin(), desc_.inputShape.end());
    // Wraps the caller's memory: no copy on the way in.
    cv::Mat blob(int(dims.size()), dims.data(), CV_32F, const_cast<float*>(input));
    net_.setInput(blob);
    net_.forward(mats_, desc_.outputNames);
    outputs.resize(mats_.size());
    for (size_t k = 0; k < mats_.size(); k++) {
      const cv::Mat& m = mats_[k];
      const size_t want = size_t(batch) * desc_.outputElems[k];
      if (m.type() != CV_32F || m.total() != want || !m.isContinuous())
        throw Error("MODEL_LOAD", path_ + ": output '" + desc_.outputNames[k] + "' has " + std::to_string(m.total()) +
                                      " values, expected " + std::to_string(want), path_);
      const float* p = m.ptr<float>();
      outputs[k].assign(p, p + want);
    }
  }

  std::string path_;
  ModelDesc desc_;
  cv::dnn::Net net_;
  std::vector<cv::Mat> mats_;
  std::vector<std::vector<float>> item_;
  int nativeBatch_ = -1;  // -1 unknown, 0 item by item, 1 one forward per batch
};

}  // namespace

std::unique_ptr<Model> LoadCpuModel(const std::string& path, const ModelDesc& desc) {
  if (!FileExists(path))
    throw Error("MODEL_MISSING", "model file not found: " + path + " (run `npm run models:prepare`)", path);
  return std::make_unique<OpenCvModel>(path, desc);
}

namespace {

class CpuBackend : public Backend {
 public:
  BackendInfo info() const override { return CpuInfo(); }
  std::unique_ptr<Model> Load(const std::string& path, const ModelDesc& desc) override { return LoadCpuModel(path, desc); }
};

}  // namespace

Backend* FindBackend(const std::string& name) {
  // Intentionally leaked (process lifetime; see face_bindings.cc on OpenCV's teardown).
  static Backend* cpu = new CpuBackend();
  if (name == "cpu") return cpu;
  if (name.rfind("tensorrt", 0) == 0) return TensorRtBackend(name);  // tensorrt/ (a stub without TensorRT)
  return nullptr;
}

ModelLoader CpuLoader() {
  return [](const std::string& path, const ModelDesc& desc) -> std::shared_ptr<Model> { return LoadCpuModel(path, desc); };
}

int SetCpuThreads(int n) {
  int prev = cv::getNumThreads();
  cv::setNumThreads(n);
  return prev;
}

int CpuThreads() { return cv::getNumThreads(); }

}  // namespace theval::infer
