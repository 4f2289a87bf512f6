// BRISQUE through OpenCV's quality module (see quality_model.h for the exact input).
#include <opencv2/imgproc.hpp>
#include <opencv2/quality/qualitybrisque.hpp>

#include <cmath>
#include <fstream>
#include <limits>

#include "common/errors.h"
#include "quality/quality_model.h"

namespace theval {
namespace quality {

int InterpolationFor(cv::Size from, cv::Size to) {
  return to.width <= from.width && to.height <= from.height ? cv::INTER_AREA : cv::INTER_LINEAR;
}

cv::Mat ResizeTo(const cv::Mat& src, cv::Size to) {
  if (src.size() == to) return src;
  cv::Mat dst;
  cv::resize(src, dst, to, 0, 0, InterpolationFor(src.size(), to));
  return dst;
}

cv::Mat BrisqueInput(const cv::Mat& rgb, const ResizeSpec& resize) {
  cv::Mat grey;
  cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
  if (resize.active()) grey = ResizeTo(grey, cv::Size(resize.width, resize.height));
  return grey;
}

namespace {

class BrisqueModel;

class BrisqueSession : public Session {
 public:
  BrisqueSession(std::shared_ptr<BrisqueModel> model, cv::Ptr<cv::quality::QualityBRISQUE> impl)
      : model_(std::move(model)), impl_(std::move(impl)) {}
  ~BrisqueSession() override;

  void Add(const cv::Mat& rgb, const ResizeSpec& resize, double* out) override {
    cv::Mat grey = BrisqueInput(rgb, resize);
    if (grey.cols < kBrisqueMinSide || grey.rows < kBrisqueMinSide) {
      *out = std::numeric_limits<double>::quiet_NaN();
      return;
    }
    double s = impl_->compute(grey)[0];
    *out = std::isfinite(s) ? s : std::numeric_limits<double>::quiet_NaN();
  }
  void Flush() override {}

 private:
  std::shared_ptr<BrisqueModel> model_;
  cv::Ptr<cv::quality::QualityBRISQUE> impl_;
};

class BrisqueModel : public Model {
 public:
  BrisqueModel(std::string modelFile, std::string rangeFile)
      : modelFile_(std::move(modelFile)), rangeFile_(std::move(rangeFile)) {
    free_.push_back(Load());  // fail now, on the loading worker, not at first use
  }
  std::string Kind() const override { return "brisque"; }
  std::string Source() const override { return modelFile_ + "," + rangeFile_; }

  std::unique_ptr<Session> NewSession() override {
    cv::Ptr<cv::quality::QualityBRISQUE> impl;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        impl = free_.back();
        free_.pop_back();
      }
    }
    if (!impl) impl = Load();
    return std::make_unique<BrisqueSession>(
        std::static_pointer_cast<BrisqueModel>(shared_from_this()), std::move(impl));
  }

  void Release(cv::Ptr<cv::quality::QualityBRISQUE> impl) {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(impl));
  }

 private:
  cv::Ptr<cv::quality::QualityBRISQUE> Load() {
    for (const std::string* f : {&modelFile_, &rangeFile_}) {
      std::ifstream in(*f);
      if (!in)
        throw Error("MODEL_MISSING",
                    *f + ": BRISQUE model file not found (it comes with Debian's opencv-data package: apt-get install opencv-data)",
                    *f);
    }
    try {
      // The range file's "range" node must be a 2 x 36 matrix (min and max per feature).
      cv::FileStorage fs(rangeFile_, cv::FileStorage::READ);
      cv::Mat range = fs["range"].mat();
      if (range.rows != 2 || range.cols != 36)
        throw Error("MODEL_INVALID", rangeFile_ + ": not a BRISQUE range file (no 2 x 36 'range' matrix)", rangeFile_);
      cv::Ptr<cv::ml::SVM> svm = cv::ml::SVM::load(modelFile_);
      if (!svm || !svm->isTrained() || svm->getVarCount() != 36)
        throw Error("MODEL_INVALID", modelFile_ + ": not a trained 36-feature BRISQUE SVM model", modelFile_);
      return cv::quality::QualityBRISQUE::create(svm, range);
    } catch (const cv::Exception& e) {
      throw Error("MODEL_INVALID", modelFile_ + ": OpenCV could not load the BRISQUE model: " + e.what(), modelFile_);
    }
  }

  std::string modelFile_, rangeFile_;
  std::mutex mu_;
  std::vector<cv::Ptr<cv::quality::QualityBRISQUE>> free_;
};

BrisqueSession::~BrisqueSession() { model_->Release(std::move(impl_)); }

}  // namespace

ModelPtr LoadBrisque(const std::string& modelFile, const std::string& rangeFile) {
  return std::make_shared<BrisqueModel>(modelFile, rangeFile);
}

}  // namespace quality
}  // namespace theval
