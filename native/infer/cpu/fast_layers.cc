#include "infer/cpu/fast_layers.h"

#include <opencv2/dnn.hpp>
#include <opencv2/dnn/all_layers.hpp>
#include <opencv2/dnn/layer.details.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace theval::infer {

namespace {

using cv::Mat;
using cv::Ptr;
using cv::dnn::Layer;
using cv::dnn::LayerParams;
using cv::dnn::MatShape;

// The wrapper every replacement shares: shapes (static and dynamic), finalisation, backend
// support and anything outside the fast path go to OpenCV's own layer built from the same
// parameters. No fusion is offered (tryFuse stays Layer's "no"), except the activation of
// FastEltwise below, so whatever OpenCV would have fused runs as its own layer: same values.
template <class Base>
class DelegatingLayer : public Layer {
 public:
  explicit DelegatingLayer(const LayerParams& p, Ptr<Base> base) : Layer(p), base_(std::move(base)) { base_->name = name; }

  bool getMemoryShapes(const std::vector<MatShape>& in, const int required, std::vector<MatShape>& out,
                       std::vector<MatShape>& internals) const override {
    return base_->getMemoryShapes(in, required, out, internals);
  }
  // Dynamic input shapes (e.g. global pooling over a variable H x W) are set up through these.
  bool updateMemoryShapes(const std::vector<MatShape>& in) override { return base_->updateMemoryShapes(in); }
  void finalize(cv::InputArrayOfArrays in, cv::OutputArrayOfArrays out) override { base_->finalize(in, out); }
  bool supportBackend(int backendId) override { return base_->supportBackend(backendId); }
  int64 getFLOPS(const std::vector<MatShape>& in, const std::vector<MatShape>& out) const override {
    return base_->getFLOPS(in, out);
  }

  void forward(cv::InputArrayOfArrays inArr, cv::OutputArrayOfArrays outArr, cv::OutputArrayOfArrays internals) override {
    std::vector<Mat> in, out;
    inArr.getMatVector(in);
    outArr.getMatVector(out);
    if (!Fast(in, out)) base_->forward(inArr, outArr, internals);
  }

 protected:
  // Computes the outputs and returns true, or returns false (nothing written) to delegate.
  virtual bool Fast(const std::vector<Mat>& in, std::vector<Mat>& out) = 0;

  static bool Float4d(const Mat& m) { return m.dims == 4 && m.type() == CV_32F && m.isContinuous(); }

  Ptr<Base> base_;
};

class FastEltwise : public DelegatingLayer<cv::dnn::EltwiseLayer> {
 public:
  explicit FastEltwise(const LayerParams& p) : DelegatingLayer(p, cv::dnn::EltwiseLayer::create(p)) {
    std::string op = p.get<cv::String>("operation", "sum");
    std::transform(op.begin(), op.end(), op.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    sum_ = op == "sum" && !p.has("coeff") && p.get<cv::String>("output_channels_mode", "same") == "same";
  }
  static Ptr<Layer> Create(LayerParams& p) { return Ptr<Layer>(new FastEltwise(p)); }

  // OpenCV fuses a following activation into Eltwise; ours accepts exactly what OpenCV's
  // own layer accepts and applies it the same way (forwardSlice per channel range).
  bool setActivation(const Ptr<cv::dnn::ActivationLayer>& layer) override {
    if (!base_->setActivation(layer)) return false;
    activ_ = layer;
    return true;
  }

 private:
  bool Fast(const std::vector<Mat>& in, std::vector<Mat>& out) override {
    if (!sum_ || in.size() != 2 || out.size() != 1 || !Float4d(in[0]) || !Float4d(in[1]) || !Float4d(out[0]) ||
        in[0].size != in[1].size || in[0].size != out[0].size)
      return false;
    const int N = in[0].size[0], C = in[0].size[1];
    const size_t plane = size_t(in[0].size[2]) * in[0].size[3], total = size_t(N) * C * plane;
    const float* a = in[0].ptr<float>();
    const float* b = in[1].ptr<float>();
    float* d = out[0].ptr<float>();
    for (size_t i = 0; i < total; i++) d[i] = a[i] + b[i];
    if (activ_)
      for (int n = 0; n < N; n++) {
        float* item = d + size_t(n) * C * plane;
        activ_->forwardSlice(item, item, int(plane), plane, 0, C);
      }
    return true;
  }

  bool sum_ = false;
  Ptr<cv::dnn::ActivationLayer> activ_;
};

class FastMaxPool2x2 : public DelegatingLayer<cv::dnn::PoolingLayer> {
 public:
  explicit FastMaxPool2x2(const LayerParams& p) : DelegatingLayer(p, cv::dnn::PoolingLayer::create(p)) {
    const auto& b = *base_;
    auto zeros = [](const std::vector<size_t>& v) { return std::all_of(v.begin(), v.end(), [](size_t x) { return x == 0; }); };
    // type 0 is MAX in OpenCV 4.6's PoolingLayerImpl.
    simple_ = b.type == 0 && b.kernel_size == std::vector<size_t>{2, 2} && b.strides == std::vector<size_t>{2, 2} &&
              !b.globalPooling && b.padMode.empty() && !b.ceilMode && zeros(b.pads_begin) && zeros(b.pads_end);
  }
  static Ptr<Layer> Create(LayerParams& p) { return Ptr<Layer>(new FastMaxPool2x2(p)); }

 private:
  bool Fast(const std::vector<Mat>& in, std::vector<Mat>& out) override {
    // One output: nobody asked for the index mask (OpenCV would fill a second output).
    if (!simple_ || in.size() != 1 || out.size() != 1 || !Float4d(in[0]) || !Float4d(out[0])) return false;
    const int NC = in[0].size[0] * in[0].size[1], H = in[0].size[2], W = in[0].size[3];
    const int OH = out[0].size[2], OW = out[0].size[3];
    if (OH != H / 2 || OW != W / 2 || out[0].size[0] * out[0].size[1] != NC) return false;
    const float* s = in[0].ptr<float>();
    float* d = out[0].ptr<float>();
    for (int p = 0; p < NC; p++) {
      const float* plane = s + size_t(p) * H * W;
      float* o = d + size_t(p) * OH * OW;
      for (int y = 0; y < OH; y++, o += OW) {
        const float* r0 = plane + size_t(2 * y) * W;
        const float* r1 = r0 + W;
        for (int x = 0; x < OW; x++) o[x] = std::max(std::max(r0[2 * x], r0[2 * x + 1]), std::max(r1[2 * x], r1[2 * x + 1]));
      }
    }
    return true;
  }

  bool simple_ = false;
};

class FastPadding : public DelegatingLayer<cv::dnn::PaddingLayer> {
 public:
  explicit FastPadding(const LayerParams& p) : DelegatingLayer(p, cv::dnn::PaddingLayer::create(p)) {
    value_ = p.get<float>("value", 0.f);
    const int inputDims = p.get<int>("input_dims", -1);
    simple_ = p.get<cv::String>("type", "constant") == "constant" && p.has("paddings") && (inputDims == -1 || inputDims == 4);
    if (!simple_) return;
    // Pairs (begin, end) for the last n dimensions, as PaddingLayerImpl reads them.
    const cv::dnn::DictValue& d = p.get("paddings");
    const int n = d.size() / 2;
    simple_ = d.size() % 2 == 0 && n >= 1 && n <= 4;
    for (int i = 0; simple_ && i < n; i++) {
      begin_[4 - n + i] = d.get<int>(2 * i);
      simple_ = begin_[4 - n + i] >= 0 && d.get<int>(2 * i + 1) >= 0;
    }
  }
  static Ptr<Layer> Create(LayerParams& p) { return Ptr<Layer>(new FastPadding(p)); }

 private:
  bool Fast(const std::vector<Mat>& in, std::vector<Mat>& out) override {
    if (!simple_ || in.size() != 1 || out.size() != 1 || !Float4d(in[0]) || !Float4d(out[0])) return false;
    for (int i = 0; i < 4; i++)
      if (begin_[i] + in[0].size[i] > out[0].size[i]) return false;
    const int IN = in[0].size[0], IC = in[0].size[1], IH = in[0].size[2], IW = in[0].size[3];
    const int ON = out[0].size[0], OC = out[0].size[1], OH = out[0].size[2], OW = out[0].size[3];
    const float* s = in[0].ptr<float>();
    float* d = out[0].ptr<float>();
    for (int n = 0; n < ON; n++)
      for (int c = 0; c < OC; c++) {
        float* plane = d + (size_t(n) * OC + c) * OH * OW;
        const int sn = n - begin_[0], sc = c - begin_[1];
        if (sn < 0 || sn >= IN || sc < 0 || sc >= IC) {
          std::fill(plane, plane + size_t(OH) * OW, value_);
          continue;
        }
        const float* src = s + (size_t(sn) * IC + sc) * IH * IW;
        for (int y = 0; y < OH; y++) {
          float* row = plane + size_t(y) * OW;
          const int sy = y - begin_[2];
          if (sy < 0 || sy >= IH) {
            std::fill(row, row + OW, value_);
            continue;
          }
          std::fill(row, row + begin_[3], value_);
          std::memcpy(row + begin_[3], src + size_t(sy) * IW, sizeof(float) * IW);
          std::fill(row + begin_[3] + IW, row + OW, value_);
        }
      }
    return true;
  }

  bool simple_ = false;
  float value_ = 0.f;
  int begin_[4] = {0, 0, 0, 0};
};

}  // namespace

void RegisterFastCpuLayers() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* builtin = std::getenv("THEVAL_OPENCV_BUILTIN_LAYERS");
    if (builtin && std::strcmp(builtin, "1") == 0) return;
    cv::dnn::LayerFactory::registerLayer("Eltwise", FastEltwise::Create);
    cv::dnn::LayerFactory::registerLayer("Pooling", FastMaxPool2x2::Create);
    cv::dnn::LayerFactory::registerLayer("Padding", FastPadding::Create);
  });
}

}  // namespace theval::infer
