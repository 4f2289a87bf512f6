// User-supplied ONNX quality models, run with OpenCV's dnn (cv::dnn::readNetFromONNX).
// OpenCV 4.6's importer has no `If` op and rejects a Conv without `kernel_shape`; a model
// it cannot import fails to load with MODEL_INVALID and OpenCV's message.
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "common/errors.h"
#include "infer/cpu/fast_layers.h"
#include "quality/quality_model.h"

namespace theval {
namespace quality {

// ---- a minimal protobuf reader (only what finding the graph input needs) ----------------

namespace {

class PbReader {
 public:
  PbReader(const uint8_t* p, size_t n, const std::string& file) : p_(p), end_(p + n), file_(file) {}
  bool done() const { return p_ >= end_; }

  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) Fail("truncated varint");
      uint8_t b = *p_++;
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    Fail("varint longer than 10 bytes");
    return 0;
  }

  // Reads a tag; returns the field number and sets wire type.
  uint32_t Tag(int& wire) {
    uint64_t t = Varint();
    wire = int(t & 7);
    uint64_t field = t >> 3;
    if (field == 0 || field > (1u << 29)) Fail("bad field number");
    return uint32_t(field);
  }

  PbReader Sub() {
    uint64_t n = Varint();
    if (n > uint64_t(end_ - p_)) Fail("length-delimited field runs past the end");
    PbReader r(p_, size_t(n), file_);
    p_ += n;
    return r;
  }
  std::string Bytes() {
    PbReader r = Sub();
    return std::string(reinterpret_cast<const char*>(r.p_), size_t(r.end_ - r.p_));
  }
  void Skip(int wire) {
    switch (wire) {
      case 0: Varint(); break;
      case 1: Advance(8); break;
      case 2: Sub(); break;
      case 5: Advance(4); break;
      default: Fail("unsupported wire type " + std::to_string(wire));
    }
  }

  [[noreturn]] void Fail(const std::string& what) const {
    throw Error("MODEL_INVALID", file_ + ": not a valid ONNX model (protobuf: " + what + ")", file_);
  }

 private:
  void Advance(size_t n) {
    if (n > size_t(end_ - p_)) Fail("fixed-size field runs past the end");
    p_ += n;
  }
  const uint8_t* p_;
  const uint8_t* end_;
  const std::string& file_;
};

// TypeProto -> tensor elem type and dims.
void ReadType(PbReader r, OnnxInputInfo& info, bool& hasShape) {
  while (!r.done()) {
    int w;
    uint32_t f = r.Tag(w);
    if (f == 1 && w == 2) {  // tensor_type
      PbReader t = r.Sub();
      while (!t.done()) {
        int w2;
        uint32_t f2 = t.Tag(w2);
        if (f2 == 1 && w2 == 0) {
          info.elemType = int(t.Varint());
        } else if (f2 == 2 && w2 == 2) {  // shape
          hasShape = true;
          PbReader s = t.Sub();
          while (!s.done()) {
            int w3;
            uint32_t f3 = s.Tag(w3);
            if (f3 == 1 && w3 == 2) {  // dim
              PbReader d = s.Sub();
              int64_t v = -1;
              while (!d.done()) {
                int w4;
                uint32_t f4 = d.Tag(w4);
                if (f4 == 1 && w4 == 0) {
                  int64_t x = int64_t(d.Varint());
                  v = x > 0 ? x : -1;
                } else {
                  d.Skip(w4);  // dim_param (dynamic), denotation
                }
              }
              info.dims.push_back(v);
            } else {
              s.Skip(w3);
            }
          }
        } else {
          t.Skip(w2);
        }
      }
    } else {
      r.Skip(w);
    }
  }
}

}  // namespace

OnnxInputInfo ReadOnnxInput(const std::string& bytes, const std::string& file) {
  PbReader model(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), file);
  bool haveGraph = false;
  std::vector<OnnxInputInfo> inputs;
  std::vector<bool> shaped;
  std::set<std::string> initializers;
  while (!model.done()) {
    int w;
    uint32_t f = model.Tag(w);
    if (f == 7 && w == 2) {  // ModelProto.graph
      haveGraph = true;
      PbReader g = model.Sub();
      while (!g.done()) {
        int w2;
        uint32_t f2 = g.Tag(w2);
        if (f2 == 5 && w2 == 2) {  // initializer (TensorProto; name = 8)
          PbReader t = g.Sub();
          while (!t.done()) {
            int w3;
            uint32_t f3 = t.Tag(w3);
            if (f3 == 8 && w3 == 2) initializers.insert(t.Bytes());
            else t.Skip(w3);
          }
        } else if (f2 == 11 && w2 == 2) {  // input (ValueInfoProto)
          PbReader v = g.Sub();
          OnnxInputInfo info;
          bool hasShape = false;
          while (!v.done()) {
            int w3;
            uint32_t f3 = v.Tag(w3);
            if (f3 == 1 && w3 == 2) info.name = v.Bytes();
            else if (f3 == 2 && w3 == 2) ReadType(v.Sub(), info, hasShape);
            else v.Skip(w3);
          }
          inputs.push_back(info);
          shaped.push_back(hasShape);
        } else {
          g.Skip(w2);
        }
      }
    } else {
      model.Skip(w);
    }
  }
  if (!haveGraph) throw Error("MODEL_INVALID", file + ": not a valid ONNX model (no graph)", file);
  std::vector<size_t> real;
  for (size_t i = 0; i < inputs.size(); i++)
    if (!initializers.count(inputs[i].name)) real.push_back(i);
  if (real.size() != 1)
    throw Error("MODEL_INVALID",
                file + ": a quality model must have exactly one input (an N x 3 x H x W float tensor); this one has " +
                    std::to_string(real.size()),
                file);
  OnnxInputInfo in = inputs[real[0]];
  if (!shaped[real[0]]) in.dims = {-1, 3, -1, -1};  // no shape declared: all dynamic
  if (in.elemType != 1)
    throw Error("MODEL_INVALID",
                file + ": input '" + in.name + "' must be float32 (ONNX elem_type 1), found elem_type " +
                    std::to_string(in.elemType),
                file);
  if (in.dims.size() != 4 || (in.dims[1] != 3 && in.dims[1] != -1))
    throw Error("MODEL_INVALID",
                file + ": input '" + in.name + "' must be N x 3 x H x W (NCHW RGB), found rank " +
                    std::to_string(in.dims.size()) + (in.dims.size() > 1 ? " with C = " + std::to_string(in.dims[1]) : ""),
                file);
  in.dims[1] = 3;
  return in;
}

// ---- the model -----------------------------------------------------------------------------

namespace {

class OnnxModel;

class OnnxSession : public Session {
 public:
  OnnxSession(std::shared_ptr<OnnxModel> model, std::unique_ptr<cv::dnn::Net> net);
  ~OnnxSession() override;
  void Add(const cv::Mat& rgb, const ResizeSpec& resize, double* out) override;
  void Flush() override;

 private:
  void Forward(int n);

  std::shared_ptr<OnnxModel> model_;
  std::unique_ptr<cv::dnn::Net> net_;
  int batch_;               // images per forward pass
  bool fixedBatch_;         // the model's batch dim is fixed (pad with zeros)
  cv::Mat blob_;            // batch_ x 3 x H x W when H, W fixed
  std::vector<double*> pending_;
};

class OnnxModel : public Model {
 public:
  OnnxModel(std::string file, int maxBatch) : file_(std::move(file)) {
    std::ifstream in(file_, std::ios::binary);
    if (!in)
      throw Error("MODEL_MISSING", file_ + ": ONNX quality model not found or not readable", file_);
    std::ostringstream ss;
    ss << in.rdbuf();
    bytes_ = ss.str();
    if (bytes_.empty()) throw Error("MODEL_INVALID", file_ + ": the ONNX file is empty", file_);
    input_ = ReadOnnxInput(bytes_, file_);
    const bool fixedHW = input_.dims[2] > 0 && input_.dims[3] > 0;
    if (input_.dims[0] > 0) batch_ = int(input_.dims[0]);
    else batch_ = fixedHW ? std::max(1, maxBatch) : 1;
    fixedBatch_ = input_.dims[0] > 0;
    auto net = Load();
    // Validate the output contract once on a zero image of the declared (or a 64 x 64) size.
    // A dynamic batch is probed with 2 images, so an output that ignores the batch is caught.
    const int probeN = fixedBatch_ ? batch_ : 2;
    cv::Mat probe = Blob(probeN, fixedHW ? int(input_.dims[2]) : 64, fixedHW ? int(input_.dims[3]) : 64);
    probe.setTo(0);
    cv::Mat out = Run(*net, probe);
    if (out.total() != size_t(probeN))
      throw Error("MODEL_INVALID",
                  file_ + ": the model must output one score per image; for a batch of " + std::to_string(probeN) +
                      " it gave " + std::to_string(out.total()) + " values",
                  file_);
    free_.push_back(std::move(net));
  }

  std::string Kind() const override { return "onnx"; }
  std::string Source() const override { return file_; }
  const OnnxInputInfo& input() const { return input_; }
  int batch() const { return batch_; }
  bool fixedBatch() const { return fixedBatch_; }
  bool fixedHW() const { return input_.dims[2] > 0 && input_.dims[3] > 0; }

  std::unique_ptr<Session> NewSession() override {
    std::unique_ptr<cv::dnn::Net> net;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        net = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (!net) net = Load();
    return std::make_unique<OnnxSession>(std::static_pointer_cast<OnnxModel>(shared_from_this()), std::move(net));
  }
  void Release(std::unique_ptr<cv::dnn::Net> net) {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(net));
  }

  static cv::Mat Blob(int n, int h, int w) {
    int sz[4] = {n, 3, h, w};
    return cv::Mat(4, sz, CV_32F);
  }

  // One forward pass; the output as a flat float Mat. cv::Exception -> MODEL_INVALID.
  cv::Mat Run(cv::dnn::Net& net, const cv::Mat& blob) const {
    try {
      net.setInput(blob, input_.name);
      cv::Mat out = net.forward();
      if (out.depth() != CV_32F) out.convertTo(out, CV_32F);
      return out.isContinuous() ? out : out.clone();
    } catch (const cv::Exception& e) {
      throw Error("MODEL_INVALID", file_ + ": OpenCV dnn could not run the model: " + e.what(), file_);
    }
  }

 private:
  std::unique_ptr<cv::dnn::Net> Load() const {
    try {
      infer::RegisterFastCpuLayers();  // the same layers whichever model loads first
      auto net = std::make_unique<cv::dnn::Net>(cv::dnn::readNetFromONNX(bytes_.data(), bytes_.size()));
      if (net->empty()) throw Error("MODEL_INVALID", file_ + ": OpenCV dnn read an empty network", file_);
      net->setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
      net->setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
      return net;
    } catch (const cv::Exception& e) {
      throw Error("MODEL_INVALID",
                  file_ + ": OpenCV " CV_VERSION " dnn cannot import this ONNX model (" + e.what() +
                      "). Its importer has no `If` op and needs Conv nodes with kernel_shape.",
                  file_);
    }
  }

  std::string file_;
  std::string bytes_;
  OnnxInputInfo input_;
  int batch_ = 1;
  bool fixedBatch_ = false;
  std::mutex mu_;
  std::vector<std::unique_ptr<cv::dnn::Net>> free_;
};

OnnxSession::OnnxSession(std::shared_ptr<OnnxModel> model, std::unique_ptr<cv::dnn::Net> net)
    : model_(std::move(model)), net_(std::move(net)), batch_(model_->batch()), fixedBatch_(model_->fixedBatch()) {
  if (model_->fixedHW())
    blob_ = OnnxModel::Blob(batch_, int(model_->input().dims[2]), int(model_->input().dims[3]));
}

OnnxSession::~OnnxSession() { model_->Release(std::move(net_)); }

// RGB uint8 (any stride) -> planes c of a float NCHW blob slot, scaled by 1/255.
void ToPlanes(const cv::Mat& rgb, float* dst) {
  const int h = rgb.rows, w = rgb.cols;
  float* r = dst;
  float* g = dst + size_t(h) * w;
  float* b = g + size_t(h) * w;
  const float k = 1.0f / 255.0f;
  for (int y = 0; y < h; y++) {
    const uint8_t* p = rgb.ptr<uint8_t>(y);
    for (int x = 0; x < w; x++, p += 3) {
      *r++ = p[0] * k;
      *g++ = p[1] * k;
      *b++ = p[2] * k;
    }
  }
}

void OnnxSession::Add(const cv::Mat& rgb, const ResizeSpec& resize, double* out) {
  const OnnxInputInfo& in = model_->input();
  if (model_->fixedHW()) {
    cv::Mat img = ResizeTo(rgb, cv::Size(int(in.dims[3]), int(in.dims[2])));
    const size_t per = size_t(3) * img.rows * img.cols;
    ToPlanes(img, blob_.ptr<float>() + pending_.size() * per);
    pending_.push_back(out);
    if (int(pending_.size()) == batch_) Forward(batch_);
    return;
  }
  // Dynamic H, W: one image per pass, at the requested size or as it is.
  cv::Mat img = resize.active() ? ResizeTo(rgb, cv::Size(resize.width, resize.height)) : rgb;
  cv::Mat blob = OnnxModel::Blob(batch_, img.rows, img.cols);
  blob.setTo(0);
  ToPlanes(img, blob.ptr<float>());
  cv::Mat o = model_->Run(*net_, blob);
  if (o.total() != size_t(batch_))
    throw Error("MODEL_INVALID",
                model_->Source() + ": the model must output one score per image; it gave " + std::to_string(o.total()) +
                    " values for a batch of " + std::to_string(batch_),
                model_->Source());
  double s = o.ptr<float>()[0];
  *out = std::isfinite(s) ? s : std::numeric_limits<double>::quiet_NaN();
}

void OnnxSession::Forward(int n) {
  const size_t per = blob_.total() / size_t(batch_);
  cv::Mat input = blob_;
  if (n < batch_) {
    if (fixedBatch_) {
      std::memset(blob_.ptr<float>() + n * per, 0, (batch_ - n) * per * sizeof(float));
    } else {
      int sz[4] = {n, 3, blob_.size[2], blob_.size[3]};
      input = cv::Mat(4, sz, CV_32F, blob_.ptr<float>());
    }
  }
  cv::Mat o = model_->Run(*net_, input);
  const size_t expect = size_t(input.size[0]);
  if (o.total() != expect)
    throw Error("MODEL_INVALID",
                model_->Source() + ": the model must output one score per image; it gave " + std::to_string(o.total()) +
                    " values for a batch of " + std::to_string(expect),
                model_->Source());
  const float* v = o.ptr<float>();
  for (int i = 0; i < n; i++)
    *pending_[i] = std::isfinite(v[i]) ? double(v[i]) : std::numeric_limits<double>::quiet_NaN();
  pending_.clear();
}

void OnnxSession::Flush() {
  if (!pending_.empty()) Forward(int(pending_.size()));
}

}  // namespace

ModelPtr LoadOnnx(const std::string& file, int maxBatch) { return std::make_shared<OnnxModel>(file, maxBatch); }

const OnnxInputInfo* OnnxInput(const Model& m) {
  auto* o = dynamic_cast<const OnnxModel*>(&m);
  return o ? &o->input() : nullptr;
}

}  // namespace quality
}  // namespace theval
