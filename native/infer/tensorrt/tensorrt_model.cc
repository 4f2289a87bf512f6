// The TensorRT backend: ONNX file -> nvonnxparser -> engine (cached on disk, engine_cache.h)
// -> one execution context per Model, run with enqueueV3 on the Model's own stream.
//
// Batching: the converted graphs take an NHWC input with a batch of 1. The builder is first
// asked for a dynamic batch (the input's dim 0 made -1, one optimisation profile 1..256) so
// a BatchingModel batch runs as one enqueue. Graphs whose Reshapes pin the batch at 1 (the
// detector, the attention mesh) fail that build, or give outputs whose dim 0 is not the
// batch, or mix items; those are caught here at load (build error, shape check, a two-item
// probe) and built with a static batch of 1 instead: one enqueue per item on the same
// stream, one upload and one download per batch (batchedNatively() says which).
//
// The attention mesh: the face pass hands over face_landmark_with_attention.native.onnx, whose
// sampler is one TransformTensorBilinear node, a custom op only theval's OpenCV layer and CUDA
// executor know. TensorRT's parser would need a plugin for it (a CUDA kernel behind
// IPluginV3 that no session could run yet), so this backend loads the portable sibling
// face_landmark_with_attention.onnx instead: the same sampler in standard ONNX ops (MatMul
// with bilinear tent weights), checked against onnxruntime and the native file within rel
// 1e-4 (docs/models.md). path() names the file actually loaded.
//
// Precision: FP32 with TF32 switched off (TensorRT enables TF32 by default, which rounds
// convolution inputs to 10 mantissa bits: ~1e-3 relative, far outside the CPU parity the
// project states). "tensorrt-fp16" sets BuilderFlag::kFP16 on TensorRT 10; TensorRT 11
// removed weakly typed networks (the precision follows the ONNX file's types), so there it is
// refused rather than silently run in FP32.
#include "infer/tensorrt/tensorrt_model.h"

#include <NvInfer.h>
#include <NvOnnxParser.h>
#include <cuda_runtime_api.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <vector>

#include "common/errors.h"
#include "infer/tensorrt/engine_cache.h"

namespace theval::infer {

namespace {

namespace nv = nvinfer1;
using tensorrt::CachedEngine;
using tensorrt::EngineKey;

constexpr int kMaxBatch = 256;
constexpr int kOptBatch = 32;
constexpr int kDevice = 0;  // the device the backend runs on (CUDA_VISIBLE_DEVICES selects it)

std::string HeaderVersion() {
  return std::to_string(NV_TENSORRT_MAJOR) + "." + std::to_string(NV_TENSORRT_MINOR) + "." +
         std::to_string(NV_TENSORRT_PATCH);
}

// Both: a plan is only valid for the library that built it, and the headers tell what API
// this file was compiled against.
std::string VersionText() {
  return "TensorRT " + HeaderVersion() + " (library " + std::to_string(getInferLibVersion()) + ", ONNX parser " +
         std::to_string(getNvOnnxParserVersion()) + ")";
}

// One logger for the process (TensorRT keeps the first one it is given). Errors are kept so
// a failed parse or build can say why; warnings go to stderr only when asked for.
class Logger : public nv::ILogger {
 public:
  void log(Severity s, const char* msg) noexcept override {
    if (s <= Severity::kERROR) {
      std::lock_guard<std::mutex> l(mu_);
      if (errors_.size() < 4000) errors_ += (errors_.empty() ? "" : "; ") + std::string(msg);
    } else if (s == Severity::kWARNING && std::getenv("THEVAL_TENSORRT_VERBOSE")) {
      std::fprintf(stderr, "theval: TensorRT: %s\n", msg);
    }
  }
  std::string Take() {
    std::lock_guard<std::mutex> l(mu_);
    std::string e;
    e.swap(errors_);
    return e.empty() ? "no message from TensorRT" : e;
  }

 private:
  std::mutex mu_;
  std::string errors_;
};

Logger& TheLogger() {
  static Logger* l = new Logger();  // leaked: TensorRT may log during process teardown
  return *l;
}

void CudaOk(cudaError_t e, const char* what, const std::string& path) {
  if (e != cudaSuccess) throw Error("INTERNAL", path + ": TensorRT backend: " + what + ": " + cudaGetErrorString(e), path);
}

std::string GpuName(const std::string& path) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess || n <= kDevice) {
    const std::string why = e != cudaSuccess ? std::string(cudaGetErrorString(e)) : "no CUDA device found";
    cudaGetLastError();
    throw Error("GPU_UNAVAILABLE", path + ": inference backend 'tensorrt' needs a GPU: " + why, path);
  }
  cudaDeviceProp p;
  CudaOk(cudaGetDeviceProperties(&p, kDevice), "cudaGetDeviceProperties", path);
  return std::string(p.name) + " sm_" + std::to_string(p.major) + std::to_string(p.minor);
}

size_t Volume(const nv::Dims& d, int from = 0) {
  size_t v = 1;
  for (int i = from; i < d.nbDims; i++) v *= size_t(d.d[i] < 0 ? 0 : d.d[i]);
  return v;
}

// "x.native.onnx" -> "x.onnx" when that file exists (see the top of this file).
std::string PortableOnnx(const std::string& path) {
  const std::string tail = ".native.onnx";
  if (path.size() <= tail.size() || path.compare(path.size() - tail.size(), tail.size(), tail) != 0) return path;
  const std::string portable = path.substr(0, path.size() - tail.size()) + ".onnx";
  struct stat st;
  return ::stat(portable.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? portable : path;
}

std::vector<char> ReadBytes(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    throw Error("MODEL_MISSING", "model file not found: " + path + " (run `npm run models:prepare`)", path);
  std::ifstream in(path, std::ios::binary);
  std::vector<char> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw Error("MODEL_LOAD", path + ": cannot read the model file", path);
  return b;
}

uint32_t NetworkFlags() {
#if NV_TENSORRT_MAJOR < 10
  return 1U << static_cast<uint32_t>(nv::NetworkDefinitionCreationFlag::kEXPLICIT_BATCH);
#else
  return 0;  // explicit batch is the only mode since TensorRT 10
#endif
}

// Parses and builds; an empty plan (and *why) when the builder refused. Errors in the file
// itself (parse, input shape) throw MODEL_LOAD: no other build would help.
std::vector<char> BuildPlan(const std::vector<char>& onnx, const std::string& path, const ModelDesc& desc, bool fp16,
                            bool dynamic, std::string* why) {
  Logger& log = TheLogger();
  log.Take();
  std::unique_ptr<nv::IBuilder> builder(nv::createInferBuilder(log));
  if (!builder) throw Error("MODEL_LOAD", path + ": TensorRT could not create a builder: " + log.Take(), path);
  std::unique_ptr<nv::INetworkDefinition> net(builder->createNetworkV2(NetworkFlags()));
  std::unique_ptr<nvonnxparser::IParser> parser(nvonnxparser::createParser(*net, log));
  if (!net || !parser) throw Error("MODEL_LOAD", path + ": TensorRT could not create a network: " + log.Take(), path);
  if (!parser->parse(onnx.data(), onnx.size(), path.c_str())) {
    std::string errs;
    for (int i = 0; i < parser->getNbErrors(); i++) errs += (i ? "; " : "") + std::string(parser->getError(i)->desc());
    throw Error("MODEL_LOAD", path + ": TensorRT's ONNX parser rejected the model: " + errs, path);
  }
  if (net->getNbInputs() != 1)
    throw Error("MODEL_LOAD", path + ": expected one input, the graph has " + std::to_string(net->getNbInputs()), path);
  nv::ITensor* in = net->getInput(0);
  nv::Dims d = in->getDimensions();
  bool ok = d.nbDims == int(desc.inputShape.size()) + 1 && (d.d[0] == 1 || d.d[0] == -1);
  for (size_t i = 0; ok && i < desc.inputShape.size(); i++) ok = d.d[i + 1] == desc.inputShape[i];
  if (!ok) throw Error("MODEL_LOAD", path + ": the graph's input does not have the expected per-item shape", path);

  std::unique_ptr<nv::IBuilderConfig> cfg(builder->createBuilderConfig());
  cfg->setMemoryPoolLimit(nv::MemoryPoolType::kWORKSPACE, size_t(1) << 30);
  cfg->clearFlag(nv::BuilderFlag::kTF32);
  if (fp16) {
#if NV_TENSORRT_MAJOR < 11
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    cfg->setFlag(nv::BuilderFlag::kFP16);
#pragma GCC diagnostic pop
#else
    throw Error("MODEL_LOAD", path + ": 'tensorrt-fp16' needs TensorRT 10: TensorRT " + HeaderVersion() +
                                  " builds strongly typed networks, which take their precision from the ONNX file "
                                  "(theval's files are FP32); use 'tensorrt'", path);
#endif
  }
  d.d[0] = dynamic ? -1 : 1;
  in->setDimensions(d);
  nv::IOptimizationProfile* profile = builder->createOptimizationProfile();
  nv::Dims lo = d, opt = d, hi = d;
  lo.d[0] = 1;
  opt.d[0] = dynamic ? kOptBatch : 1;
  hi.d[0] = dynamic ? kMaxBatch : 1;
  profile->setDimensions(in->getName(), nv::OptProfileSelector::kMIN, lo);
  profile->setDimensions(in->getName(), nv::OptProfileSelector::kOPT, opt);
  profile->setDimensions(in->getName(), nv::OptProfileSelector::kMAX, hi);
  cfg->addOptimizationProfile(profile);

  std::unique_ptr<nv::IHostMemory> plan(builder->buildSerializedNetwork(*net, *cfg));
  if (!plan || plan->size() == 0) {
    *why = log.Take();
    return {};
  }
  const char* p = static_cast<const char*>(plan->data());
  return std::vector<char>(p, p + plan->size());
}

struct IoTensor {
  std::string name;
  size_t perItem = 0;   // floats per batch item
  int requested = -1;   // index in ModelDesc::outputNames, -1 when only given scratch space
  float* dev = nullptr;
  size_t cap = 0;       // floats allocated at dev
};

class TensorRtModel : public Model {
 public:
  TensorRtModel(std::string path, ModelDesc desc, std::string backendName, bool fp16)
      : path_(PortableOnnx(path)), desc_(std::move(desc)), name_(std::move(backendName)) {
    try {
      Init(fp16);
    } catch (...) {
      Release();  // the destructor does not run when a constructor throws
      throw;
    }
  }

  ~TensorRtModel() override { Release(); }

  const std::string& path() const override { return path_; }
  const ModelDesc& desc() const override { return desc_; }
  bool batchedNatively() const override { return dynamic_; }
  BackendInfo info() const override { return {name_, "cuda:" + std::to_string(kDevice), VersionText()}; }

  void Run(const float* input, int batch, std::vector<std::vector<float>>& outputs) override {
    if (batch < 1) batch = 1;
    CudaOk(cudaSetDevice(kDevice), "cudaSetDevice", path_);
    Grow(in_, size_t(batch) * in_.perItem);
    for (IoTensor& t : io_) Grow(t, t.requested >= 0 ? size_t(batch) * t.perItem : size_t(Chunk(batch)) * t.perItem);
    CudaOk(cudaMemcpyAsync(in_.dev, input, size_t(batch) * in_.perItem * sizeof(float), cudaMemcpyHostToDevice, stream_),
           "upload", path_);
    for (int first = 0; first < batch;) {
      const int n = std::min(Chunk(batch), batch - first);
      Enqueue(first, n);
      first += n;
    }
    outputs.resize(desc_.outputNames.size());
    for (const IoTensor& t : io_) {
      if (t.requested < 0) continue;
      auto& o = outputs[size_t(t.requested)];
      o.resize(size_t(batch) * t.perItem);
      CudaOk(cudaMemcpyAsync(o.data(), t.dev, o.size() * sizeof(float), cudaMemcpyDeviceToHost, stream_), "download", path_);
    }
    CudaOk(cudaStreamSynchronize(stream_), "cudaStreamSynchronize", path_);
  }

 private:
  void Init(bool fp16) {
    const std::string gpu = GpuName(path_);
    CudaOk(cudaSetDevice(kDevice), "cudaSetDevice", path_);
    const std::vector<char> onnx = ReadBytes(path_);
    EngineKey key{tensorrt::Sha256Hex(onnx.data(), onnx.size()), VersionText(), gpu, fp16 ? "fp16" : "fp32",
                  "batch 1.." + std::to_string(kMaxBatch) + " opt " + std::to_string(kOptBatch) + ", TF32 off"};
    const std::string dir = tensorrt::EngineCacheDir();
    // One build at a time in the process: the engines of one BatchingModel load together, and
    // all but the first then find the cached plan.
    static std::mutex buildMu;
    std::lock_guard<std::mutex> lock(buildMu);
    std::optional<CachedEngine> cached = tensorrt::ReadEngine(dir, key);
    if (cached && Deserialize(cached->plan, cached->batchMode == "dynamic")) {
      Warm();
      return;
    }
    CachedEngine fresh;
    std::string whyDynamic, whyStatic;
    fresh.plan = BuildPlan(onnx, path_, desc_, fp16, true, &whyDynamic);
    fresh.batchMode = "dynamic";
    if (fresh.plan.empty() || !Deserialize(fresh.plan, true) || !ProbeBatch()) {
      fresh.plan = BuildPlan(onnx, path_, desc_, fp16, false, &whyStatic);
      fresh.batchMode = "static";
      if (fresh.plan.empty())
        throw Error("MODEL_LOAD", path_ + ": TensorRT could not build an engine: " + whyStatic, path_);
      if (!Deserialize(fresh.plan, false))
        throw Error("MODEL_LOAD", path_ + ": TensorRT built an engine it cannot run: " + shapeError_, path_);
      if (std::getenv("THEVAL_TENSORRT_VERBOSE"))
        std::fprintf(stderr, "theval: TensorRT: %s runs item by item (no batch dimension: %s)\n", path_.c_str(),
                     whyDynamic.empty() ? shapeError_.c_str() : whyDynamic.c_str());
    }
    std::string why;
    if (!tensorrt::WriteEngine(dir, key, fresh, &why))
      std::fprintf(stderr, "theval: TensorRT engine not cached (%s); it will be rebuilt next time\n", why.c_str());
    Warm();
  }

  void Release() {
    cudaSetDevice(kDevice);
    context_.reset();
    engine_.reset();
    for (IoTensor& t : io_) cudaFree(t.dev);
    io_.clear();
    cudaFree(in_.dev);
    in_.dev = nullptr;
    in_.cap = 0;
    if (stream_) cudaStreamDestroy(stream_);
    stream_ = nullptr;
  }

  int Chunk(int batch) const { return dynamic_ ? std::min(batch, kMaxBatch) : 1; }

  void Grow(IoTensor& t, size_t floats) {
    if (t.cap >= floats) return;
    cudaFree(t.dev);
    t.dev = nullptr;
    t.cap = 0;
    CudaOk(cudaMalloc(reinterpret_cast<void**>(&t.dev), floats * sizeof(float)), "cudaMalloc", path_);
    t.cap = floats;
  }

  nv::Dims InputDims(int n) const {
    nv::Dims d = inDims_;
    d.d[0] = n;
    return d;
  }

  // Items [first, first + n) of the uploaded batch: addresses are captured at enqueue, so
  // the next chunk may move them while this one is still queued on the stream.
  void Enqueue(int first, int n) {
    bool ok = context_->setInputShape(in_.name.c_str(), InputDims(n));
    ok = ok && context_->setTensorAddress(in_.name.c_str(), in_.dev + size_t(first) * in_.perItem);
    for (IoTensor& t : io_)
      ok = ok && context_->setTensorAddress(t.name.c_str(), t.dev + (t.requested >= 0 ? size_t(first) * t.perItem : 0));
    if (!ok || !context_->enqueueV3(stream_))
      throw Error("INTERNAL", path_ + ": TensorRT could not run the engine: " + TheLogger().Take(), path_);
  }

  // Loads a plan and checks it against the ModelDesc; false (with shapeError_) when the plan
  // cannot serve it, e.g. a "dynamic" build whose outputs do not follow the batch.
  bool Deserialize(const std::vector<char>& plan, bool dynamic) {
    context_.reset();
    engine_.reset();
    if (!runtime_) runtime_.reset(nv::createInferRuntime(TheLogger()));
    if (!runtime_) throw Error("MODEL_LOAD", path_ + ": TensorRT could not create a runtime: " + TheLogger().Take(), path_);
    engine_.reset(runtime_->deserializeCudaEngine(plan.data(), plan.size()));
    if (!engine_) {
      shapeError_ = TheLogger().Take();
      return false;
    }
    context_.reset(engine_->createExecutionContext());
    if (!context_) throw Error("MODEL_LOAD", path_ + ": TensorRT could not create a context: " + TheLogger().Take(), path_);
    if (!stream_) CudaOk(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate", path_);
    dynamic_ = dynamic;
    for (IoTensor& t : io_) cudaFree(t.dev);
    io_.clear();
    in_.name.clear();
    std::vector<bool> found(desc_.outputNames.size(), false);
    for (int i = 0; i < engine_->getNbIOTensors(); i++) {
      const char* name = engine_->getIOTensorName(i);
      if (engine_->getTensorDataType(name) != nv::DataType::kFLOAT) return Reject(std::string("tensor '") + name + "' is not float");
      if (engine_->getTensorIOMode(name) == nv::TensorIOMode::kINPUT) {
        in_.name = name;
        inDims_ = engine_->getTensorShape(name);
        continue;
      }
      IoTensor t;
      t.name = name;
      for (size_t k = 0; k < desc_.outputNames.size(); k++)
        if (desc_.outputNames[k] == name) t.requested = int(k), found[k] = true;
      io_.push_back(t);
    }
    if (in_.name.empty()) return Reject("no input tensor");
    for (size_t k = 0; k < found.size(); k++)
      if (!found[k]) throw Error("MODEL_LOAD", path_ + ": the graph has no output '" + desc_.outputNames[k] + "'", path_);
    in_.perItem = Volume(inDims_, 1);
    // Per-item sizes at batch 1, and (dynamic) that dim 0 of every output is the batch at 2.
    for (int n : dynamic ? std::vector<int>{1, 2} : std::vector<int>{1}) {
      if (!context_->setInputShape(in_.name.c_str(), InputDims(n))) return Reject("input shape refused");
      for (IoTensor& t : io_) {
        const nv::Dims o = context_->getTensorShape(t.name.c_str());
        const size_t vol = Volume(o);
        if (n == 1) {
          t.perItem = vol;
          if (t.requested >= 0 && vol != desc_.outputElems[size_t(t.requested)])
            throw Error("MODEL_LOAD", path_ + ": output '" + t.name + "' has " + std::to_string(vol) + " values, expected " +
                                          std::to_string(desc_.outputElems[size_t(t.requested)]), path_);
        } else if (o.nbDims < 1 || o.d[0] != n || vol != size_t(n) * t.perItem) {
          return Reject("output '" + t.name + "' does not follow the batch");
        }
      }
    }
    return true;
  }

  bool Reject(const std::string& why) {
    shapeError_ = why;
    context_.reset();
    engine_.reset();
    return false;
  }

  // Two different items as a batch of 2 against the second alone: a graph that mixes items
  // (a Reshape with -1 folding the batch in) gives different values and is built static.
  bool ProbeBatch() {
    std::vector<float> two(2 * in_.perItem);
    uint32_t s = 12345;
    for (float& v : two) v = float((s = s * 1664525u + 1013904223u) >> 8) / float(1u << 24);
    std::vector<std::vector<float>> both, alone;
    try {
      Run(two.data(), 2, both);
      Run(two.data() + in_.perItem, 1, alone);
    } catch (const std::exception& e) {
      return Reject(std::string("a batched run failed: ") + e.what());
    }
    for (const IoTensor& t : io_) {
      if (t.requested < 0) continue;
      const auto& a = both[size_t(t.requested)];
      const auto& b = alone[size_t(t.requested)];
      double scale = 0, diff = 0;
      for (size_t i = 0; i < b.size(); i++) {
        scale = std::max(scale, double(std::fabs(b[i])));
        diff = std::max(diff, double(std::fabs(a[t.perItem + i] - b[i])));
        if (!std::isfinite(a[t.perItem + i])) diff = INFINITY;
      }
      if (!(diff <= 1e-4 * std::max(scale, 1.0))) return Reject("batched items differ from single items");
    }
    return true;
  }

  // One pass at load, as the CPU backend does: TensorRT's lazy set-up leaves the first frame.
  void Warm() {
    std::vector<float> zeros(in_.perItem, 0.f);
    std::vector<std::vector<float>> out;
    Run(zeros.data(), 1, out);
  }

  std::string path_;
  ModelDesc desc_;
  std::string name_;
  bool dynamic_ = false;
  std::string shapeError_;
  std::unique_ptr<nv::IRuntime> runtime_;
  std::unique_ptr<nv::ICudaEngine> engine_;
  std::unique_ptr<nv::IExecutionContext> context_;
  cudaStream_t stream_ = nullptr;
  IoTensor in_;
  nv::Dims inDims_{};
  std::vector<IoTensor> io_;
};

class TensorRtBackendImpl : public Backend {
 public:
  TensorRtBackendImpl(std::string name, bool fp16) : name_(std::move(name)), fp16_(fp16) {}
  BackendInfo info() const override { return {name_, "cuda:" + std::to_string(kDevice), VersionText()}; }
  std::unique_ptr<Model> Load(const std::string& path, const ModelDesc& desc) override {
    return std::make_unique<TensorRtModel>(path, desc, name_, fp16_);
  }

 private:
  std::string name_;
  bool fp16_;
};

}  // namespace

Backend* TensorRtBackend(const std::string& name) {
  // Intentionally leaked, like the CPU backend (process lifetime).
  static Backend* fp32 = new TensorRtBackendImpl("tensorrt", false);
  static Backend* fp16 = new TensorRtBackendImpl("tensorrt-fp16", true);
  if (name == "tensorrt") return fp32;
  if (name == "tensorrt-fp16") return fp16;
  return nullptr;
}

TensorRtStatus QueryTensorRt() {
  TensorRtStatus s;
  s.compiled = true;
  s.version = VersionText();
  return s;
}

}  // namespace theval::infer
