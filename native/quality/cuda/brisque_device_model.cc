#include "quality/cuda/brisque_device_model.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <stdexcept>

#include "common/errors.h"
#include "cuda/gpu_runtime.h"
#include "quality/cuda/brisque_cuda.h"
#include "quality/cuda/brisque_emulated.h"

namespace theval::quality {

namespace {

class DeviceBrisqueModel;

class DeviceBrisqueSession : public Session {
 public:
  explicit DeviceBrisqueSession(std::shared_ptr<const DeviceBrisqueModel> m) : model_(std::move(m)) {}
  void Add(const cv::Mat& rgb, const ResizeSpec& resize, double* out) override;
  void Flush() override {}

 private:
  std::shared_ptr<const DeviceBrisqueModel> model_;
  cv::Mat grey_;
};

class DeviceBrisqueModel : public Model {
 public:
  DeviceBrisqueModel(std::string modelFile, std::string rangeFile, bool emulated, int ordinal)
      : modelFile_(std::move(modelFile)), rangeFile_(std::move(rangeFile)), emulated_(emulated), ordinal_(ordinal) {
    for (const std::string* f : {&modelFile_, &rangeFile_})
      if (!std::ifstream(*f))
        throw Error("MODEL_MISSING", *f + ": BRISQUE model file not found (apt-get install opencv-data)", *f);
    try {
      svr_ = cuda::LoadBrisqueSvr(modelFile_, rangeFile_);
    } catch (const std::exception& e) {
      throw Error("MODEL_INVALID", e.what(), modelFile_);
    }
    taps_ = cuda::BrisqueGaussTaps();
  }
  std::string Kind() const override { return "brisque"; }
  std::string Source() const override { return modelFile_ + "," + rangeFile_; }
  std::unique_ptr<Session> NewSession() override {
    return std::make_unique<DeviceBrisqueSession>(std::static_pointer_cast<const DeviceBrisqueModel>(shared_from_this()));
  }

  double Score(const cv::Mat& grey) const {
    std::vector<float> f;
    if (emulated_) {
      f = cuda::BrisqueFeatures(grey.ptr<unsigned char>(), grey.cols, grey.rows, taps_.data());
    } else {
      try {
        f = cuda::BrisqueFeaturesCuda(grey.ptr<unsigned char>(), grey.cols, grey.rows, taps_.data(), ordinal_);
      } catch (const std::runtime_error& e) {
        const std::string msg = e.what();
        if (msg.rfind("GPU_UNAVAILABLE: ", 0) == 0) throw Error("GPU_UNAVAILABLE", msg.substr(17));
        throw Error("INTERNAL", "BRISQUE on the GPU: " + msg);
      }
    }
    return cuda::BrisqueScore(svr_, f);
  }

 private:
  std::string modelFile_, rangeFile_;
  bool emulated_;
  int ordinal_;
  cuda::BrisqueSvr svr_;
  std::vector<float> taps_;
};

void DeviceBrisqueSession::Add(const cv::Mat& rgb, const ResizeSpec& resize, double* out) {
  cv::Mat grey = BrisqueInput(rgb, resize);
  if (grey.cols < kBrisqueMinSide || grey.rows < kBrisqueMinSide) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  if (!grey.isContinuous()) grey = grey.clone();
  const double s = model_->Score(grey);
  *out = std::isfinite(s) ? s : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

ModelPtr LoadBrisqueOnDevice(const std::string& modelFile, const std::string& rangeFile, const std::string& device) {
  if (device == "cuda-emulated") return std::make_shared<DeviceBrisqueModel>(modelFile, rangeFile, true, 0);
  int ordinal = -1;
  if (device == "cuda") ordinal = 0;
  else if (device.rfind("cuda:", 0) == 0 && device.size() > 5 && device.size() <= 8 &&
           device.find_first_not_of("0123456789", 5) == std::string::npos)
    ordinal = std::stoi(device.substr(5));
  if (ordinal < 0) throw Error("BAD_ARGUMENT", "BRISQUE device must be cuda, cuda:N or cuda-emulated, not '" + device + "'");
  gpu::EnsureAvailable("");
  return std::make_shared<DeviceBrisqueModel>(modelFile, rangeFile, false, ordinal);
}

}  // namespace theval::quality
