#include "infer/cpu/transform_tensor_bilinear_layer.h"

#include <opencv2/dnn.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>

namespace theval::infer {

namespace {

// features [1, H, W, C] (NHWC, as the TFLite graph holds it), matrix [1, 4, 4] row-major
// -> [1, oh, ow, C]. Output pixel (x, y) samples the features bilinearly at
// T * (x + 0.5, y + 0.5) - 0.5 and is 0 when that point lies outside [0, W-1] x [0, H-1]
// (mediapipe/util/tflite/operations/transform_tensor_bilinear.cc, "v2").
class TransformTensorBilinearLayer : public cv::dnn::Layer {
 public:
  explicit TransformTensorBilinearLayer(const cv::dnn::LayerParams& params) : Layer(params) {
    oh_ = params.get<int>("output_height");
    ow_ = params.get<int>("output_width");
  }

  static cv::Ptr<cv::dnn::Layer> create(cv::dnn::LayerParams& params) {
    return cv::Ptr<cv::dnn::Layer>(new TransformTensorBilinearLayer(params));
  }

  bool getMemoryShapes(const std::vector<cv::dnn::MatShape>& inputs, int, std::vector<cv::dnn::MatShape>& outputs,
                       std::vector<cv::dnn::MatShape>&) const override {
    CV_Assert(inputs.size() == 2 && inputs[0].size() == 4);
    size_t matrixElems = 1;
    for (int d : inputs[1]) matrixElems *= size_t(d);
    CV_Assert(matrixElems == 16 || matrixElems == 16 * size_t(inputs[0][0]));
    outputs.assign(1, cv::dnn::MatShape{inputs[0][0], oh_, ow_, inputs[0][3]});
    return false;
  }

  void forward(cv::InputArrayOfArrays inArr, cv::OutputArrayOfArrays outArr, cv::OutputArrayOfArrays) override {
    std::vector<cv::Mat> in, out;
    inArr.getMatVector(in);
    outArr.getMatVector(out);
    CV_Assert(in[0].type() == CV_32F && in[1].type() == CV_32F && in[0].isContinuous());
    const int N = in[0].size[0], H = in[0].size[1], W = in[0].size[2], C = in[0].size[3];
    // One matrix per item when the matrix input carries N of them, else one for all.
    const bool perItem = in[1].total() == size_t(N) * 16;
    for (int n = 0; n < N; n++)
      TransformTensorBilinear(in[0].ptr<float>() + size_t(n) * H * W * C, H, W, C,
                              in[1].ptr<float>() + (perItem ? size_t(n) * 16 : 0), oh_, ow_,
                              out[0].ptr<float>() + size_t(n) * oh_ * ow_ * C);
  }

 private:
  int oh_ = 0, ow_ = 0;
};

}  // namespace

void TransformTensorBilinear(const float* f, int H, int W, int C, const float* m, int oh, int ow,
                             float* o) {
  for (int y = 0; y < oh; y++) {
    for (int x = 0; x < ow; x++, o += C) {
      const float gx = float(x) + 0.5f, gy = float(y) + 0.5f;
      const float sx = m[0] * gx + m[1] * gy + m[3] - 0.5f;
      const float sy = m[4] * gx + m[5] * gy + m[7] - 0.5f;
      if (!(sx >= 0.f && sx <= float(W - 1) && sy >= 0.f && sy <= float(H - 1))) {
        std::memset(o, 0, sizeof(float) * size_t(C));
        continue;
      }
      const int x0 = std::min(int(std::floor(sx)), W - 1), y0 = std::min(int(std::floor(sy)), H - 1);
      const int x1 = std::min(x0 + 1, W - 1), y1 = std::min(y0 + 1, H - 1);
      const float ax = sx - float(x0), ay = sy - float(y0);
      const float w00 = (1 - ax) * (1 - ay), w01 = ax * (1 - ay), w10 = (1 - ax) * ay, w11 = ax * ay;
      const float* p00 = f + (size_t(y0) * W + x0) * C;
      const float* p01 = f + (size_t(y0) * W + x1) * C;
      const float* p10 = f + (size_t(y1) * W + x0) * C;
      const float* p11 = f + (size_t(y1) * W + x1) * C;
      for (int c = 0; c < C; c++) o[c] = w00 * p00[c] + w01 * p01[c] + w10 * p10[c] + w11 * p11[c];
    }
  }
}

void RegisterTheValLayers() {
  static std::once_flag once;
  std::call_once(once, [] {
    cv::dnn::LayerFactory::registerLayer("TransformTensorBilinear", TransformTensorBilinearLayer::create);
  });
}

}  // namespace theval::infer
