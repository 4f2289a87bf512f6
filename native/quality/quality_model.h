// No-reference image quality models behind one interface: BRISQUE (OpenCV quality module,
// the built-in default) and user-supplied ONNX files run with OpenCV's dnn.
//
// Images reach a model as views (cv::Mat headers, CV_8UC3, RGB order) into decoded RGB24
// frames: a crop is a ROI of the frame, never a copy made in JS. What each model does with
// the view (grey conversion, resize, NCHW float) is stated next to its class.
#pragma once

#include <opencv2/core.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace theval {
namespace quality {

// Size an image is resized to before scoring; 0 x 0 = as it is.
struct ResizeSpec {
  int width = 0;
  int height = 0;
  bool active() const { return width > 0 && height > 0; }
};

// The one interpolation rule of this module: cv::INTER_AREA when the target is no larger
// than the source on both axes (shrinking), else cv::INTER_LINEAR.
int InterpolationFor(cv::Size from, cv::Size to);

// Crops (or not) and resizes a view: returns `src` itself when no resize is needed.
cv::Mat ResizeTo(const cv::Mat& src, cv::Size to);

// A scoring session: one thread at a time. Add() may score at once or queue the image for
// a batch; every queued result is written by Flush() at the latest. `out` must stay valid
// until then. A result that cannot be computed is NaN.
class Session {
 public:
  virtual ~Session() = default;
  virtual void Add(const cv::Mat& rgb, const ResizeSpec& resize, double* out) = 0;
  virtual void Flush() = 0;
};

class Model : public std::enable_shared_from_this<Model> {
 public:
  virtual ~Model() = default;
  virtual std::string Kind() const = 0;    // "brisque" | "onnx"
  virtual std::string Source() const = 0;  // file path(s)
  // A session for one worker thread (sessions are pooled: a model is loaded once per
  // concurrent user, not once per call).
  virtual std::unique_ptr<Session> NewSession() = 0;
};

using ModelPtr = std::shared_ptr<Model>;

// ---- BRISQUE ----------------------------------------------------------------------------
// Exactly what BRISQUE sees: the RGB view is converted with cv::cvtColor(COLOR_RGB2GRAY)
// on 8-bit data (OpenCV's fixed-point Y = 0.299 R + 0.587 G + 0.114 B, rounded to uint8;
// bit-identical to the COLOR_BGR2GRAY that QualityBRISQUE::compute applies to a BGR image),
// then resized (only when a resize is requested; grey first, then resize, with the rule
// above), then scored as cv::quality::QualityBRISQUE::compute scores a 1-channel CV_8U
// image (scaled by 1/255 to float, 36 features, SVM), by brisque_features.cc: the same
// arithmetic, bit-identical results, a fraction of the time. The score is OpenCV's raw
// BRISQUE value, clamped to [0, 100] as OpenCV does; lower = better quality.
// Images with a side under kBrisqueMinSide pixels are not scored (NaN): the second BRISQUE
// scale would have fewer than 4 pixels per side.
constexpr int kBrisqueMinSide = 8;
ModelPtr LoadBrisque(const std::string& modelFile, const std::string& rangeFile);

// The grey (and resized) image BRISQUE is given for an RGB view; exposed for the bench.
cv::Mat BrisqueInput(const cv::Mat& rgb, const ResizeSpec& resize);

// ---- ONNX -------------------------------------------------------------------------------
// Input contract: one float32 input, NCHW, C = 3, RGB, values in [0, 1] (uint8 / 255).
// H, W fixed in the model: each image is resized to them (rule above). H, W dynamic: the
// image is fed at the requested resize, or as it is, batch 1. Batch dynamic (and H, W
// fixed): up to maxBatch images per forward pass. Output: one value per image (any shape
// whose element count equals the batch size).
struct OnnxInputInfo {
  std::string name;
  std::vector<int64_t> dims;  // -1 = dynamic (dim_param or missing dim_value)
  int elemType = 0;           // TensorProto.DataType (1 = float)
};

// Reads the first graph input that is not an initializer from ONNX bytes (a small
// protobuf reader: no protobuf library needed). Throws theval::Error MODEL_INVALID.
OnnxInputInfo ReadOnnxInput(const std::string& bytes, const std::string& file);

ModelPtr LoadOnnx(const std::string& file, int maxBatch);

// The ONNX model's declared input (after loading), for JS.
const OnnxInputInfo* OnnxInput(const Model& m);

}  // namespace quality
}  // namespace theval
