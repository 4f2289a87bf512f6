// BRISQUE with OpenCV 4.6's quality-module arithmetic and its trained SVM (see
// quality_model.h for the exact input). The 36 features come from brisque_features.cc,
// which reproduces QualityBRISQUE's feature code at a fraction of its cost; the scaling,
// the SVM and the clamp are OpenCV's own code, called as QualityBRISQUE::compute calls it.
#include <opencv2/imgproc.hpp>
#include <opencv2/ml.hpp>
#include <opencv2/quality/quality_utils.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>

#include "common/errors.h"
#include "quality/brisque_features.h"
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

// What one scoring thread owns: OpenCV's trained SVM (cv::ml, as loaded by
// QualityBRISQUE), the 2 x 36 feature range, and the feature code's buffers.
struct BrisqueScorer {
  cv::Ptr<cv::ml::SVM> svm;
  cv::Mat range;  // CV_32F: row 0 = min, row 1 = max per feature
  BrisqueWorkspace work;
};

// OpenCV's computescore() after the features: scale each feature to [-1, 1] with the range
// (quality_utils::scale, the same header code OpenCV uses), SVM regression, clamp to
// [0, 100] in float.
double Score(BrisqueScorer& s, const cv::Mat& grey) {
  float features[kBrisqueFeatureCount];
  ComputeBrisqueFeatures(grey, features, s.work);
  cv::Mat feat(1, kBrisqueFeatureCount, CV_32FC1, features);
  cv::quality::quality_utils::scale(feat, s.range, -1.f, 1.f);
  cv::Mat result;
  s.svm->predict(feat, result);
  return std::min(std::max(result.at<float>(0), 0.f), 100.f);
}

class BrisqueModel;

class BrisqueSession : public Session {
 public:
  BrisqueSession(std::shared_ptr<BrisqueModel> model, std::unique_ptr<BrisqueScorer> impl)
      : model_(std::move(model)), impl_(std::move(impl)) {}
  ~BrisqueSession() override;

  void Add(const cv::Mat& rgb, const ResizeSpec& resize, double* out) override {
    cv::Mat grey = BrisqueInput(rgb, resize);
    if (grey.cols < kBrisqueMinSide || grey.rows < kBrisqueMinSide) {
      *out = std::numeric_limits<double>::quiet_NaN();
      return;
    }
    double s = Score(*impl_, grey);
    *out = std::isfinite(s) ? s : std::numeric_limits<double>::quiet_NaN();
  }
  void Flush() override {}

 private:
  std::shared_ptr<BrisqueModel> model_;
  std::unique_ptr<BrisqueScorer> impl_;
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
    std::unique_ptr<BrisqueScorer> impl;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        impl = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (!impl) impl = Load();
    return std::make_unique<BrisqueSession>(
        std::static_pointer_cast<BrisqueModel>(shared_from_this()), std::move(impl));
  }

  void Release(std::unique_ptr<BrisqueScorer> impl) {
    impl->work = BrisqueWorkspace();  // the buffers are held while a session scores, not while pooled
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(impl));
  }

 private:
  std::unique_ptr<BrisqueScorer> Load() {
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
      if (range.rows != 2 || range.cols != kBrisqueFeatureCount)
        throw Error("MODEL_INVALID", rangeFile_ + ": not a BRISQUE range file (no 2 x 36 'range' matrix)", rangeFile_);
      cv::Ptr<cv::ml::SVM> svm = cv::ml::SVM::load(modelFile_);
      if (!svm || !svm->isTrained() || svm->getVarCount() != kBrisqueFeatureCount)
        throw Error("MODEL_INVALID", modelFile_ + ": not a trained 36-feature BRISQUE SVM model", modelFile_);
      auto impl = std::make_unique<BrisqueScorer>();
      impl->svm = svm;
      range.convertTo(impl->range, CV_32F);  // OpenCV reads it with at<float>; the file's dt is f
      return impl;
    } catch (const cv::Exception& e) {
      throw Error("MODEL_INVALID", modelFile_ + ": OpenCV could not load the BRISQUE model: " + e.what(), modelFile_);
    }
  }

  std::string modelFile_, rangeFile_;
  std::mutex mu_;
  std::vector<std::unique_ptr<BrisqueScorer>> free_;
};

BrisqueSession::~BrisqueSession() { model_->Release(std::move(impl_)); }

}  // namespace

ModelPtr LoadBrisque(const std::string& modelFile, const std::string& rangeFile) {
  return std::make_shared<BrisqueModel>(modelFile, rangeFile);
}

}  // namespace quality
}  // namespace theval
