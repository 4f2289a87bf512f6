// The device check without Node or OpenCV: runs each face network through the graph
// executor on the host emulation and on the CUDA device, and BRISQUE's features both ways,
// and prints the differences, per-batch-size timings, GPU memory and a videos/hour estimate;
// the last line is one JSON object. The host paths are the ones CI checks against OpenCV
// (test/gpu-inference, test/gpu-brisque), so device == host here closes the chain to OpenCV.
//
//   gpu_check MODEL_DIR [IMAGE.gray|FRAME.yuv|FRAME.rgb WIDTH HEIGHT]...
//
// .gray: BRISQUE's grey images; .yuv: a yuv420p frame for the YUV -> RGB24 kernel; .rgb: an
// RGB24 frame for the crop kernel (without them, deterministic synthetic frames).
//
// THEVAL_GPU_CHECK_DEVICE=host runs the "device" side on the host emulation too: no parity
// information (both sides are the same code), but every line of the timing, budget and
// report arithmetic runs on a machine without a GPU (test/gpu-harness.test.ts).
//
// Bounded by construction: every timing (network or BRISQUE x batch size) stops after
// kMinSeconds or kMaxLaunches launch sequences, and none but batch 1 starts once the budget
// ($THEVAL_GPU_CHECK_BUDGET_S, default 240 s from the start) is spent; skipped ones are null.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cuda/crop_tensor.h"
#include "cuda/yuv_rgb24.h"
#include "infer/cuda/graph.h"
#include "quality/cuda/brisque_cuda.h"
#include "quality/cuda/brisque_emulated.h"

using namespace theval;
using Clock = std::chrono::steady_clock;

namespace {

// cv::getGaussianKernel(7, 7/6, CV_32F) on the build machine (OpenCV 4.6), bit for bit.
const float kTaps[7] = {0x1.9b929ap-7f, 0x1.42e11cp-4f, 0x1.e5fb7cp-3f, 0x1.5edaccp-2f,
                        0x1.e5fb7cp-3f, 0x1.42e11cp-4f, 0x1.9b929ap-7f};

const int kBatches[] = {1, 4, 16, 64, 256};
constexpr double kMinSeconds = 0.5;  // per timing: at least this long, unless...
constexpr int kMaxLaunches = 20;     // ...this many launch sequences came first
// Videos/hour for 10-second clips at 25 frames/s (the test clips' rate), 512x512.
constexpr double kFramesPerVideo = 10 * 25;

double Ms(Clock::time_point a) { return std::chrono::duration<double, std::milli>(Clock::now() - a).count(); }

double RelDiff(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0, m = 0;
  for (size_t i = 0; i < b.size(); i++) {
    d = std::max(d, double(std::fabs(a[i] - b[i])));
    m = std::max(m, double(std::fabs(b[i])));
  }
  return m > 0 ? d / m : d;
}

std::string Num(double v) {
  if (!std::isfinite(v)) return "null";
  char b[64];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

std::string Escape(const std::string& s) {
  std::string o;
  for (char c : s) o += (c == '"' || c == '\\') ? std::string("\\") + c : (c == '\n' ? std::string(" ") : std::string(1, c));
  return o;
}

struct Net {
  const char* file;
  std::vector<std::string> outputs;
  float lo, hi;
  const char* landmarks;  // the 468x3 landmark output, or null
};

// Per batch size: ms per item, or NaN when skipped (budget) or failed.
struct BatchTimes {
  double msPerItem[5] = {NAN, NAN, NAN, NAN, NAN};
};

struct Budget {
  Clock::time_point start = Clock::now();
  double seconds = 240;
  int skipped = 0;
  bool Left() const { return Ms(start) < seconds * 1000; }
  double LeftMs() const { return seconds * 1000 - Ms(start); }
};

// Times `launch(batch)` (one launch sequence of `batch` items) at every batch size.
template <class F>
BatchTimes TimeBatches(Budget& budget, F launch) {
  BatchTimes t;
  double lastMs = 0;  // ms per item of the last batch size measured
  for (int i = 0; i < 5; i++) {
    const int b = kBatches[i];
    // Not started when the budget is spent, or when one launch sequence at the last measured
    // speed would overrun it; batch 1 (one item) always runs, so every part gets a figure.
    if (i > 0 && (!budget.Left() || lastMs * b > budget.LeftMs())) {
      budget.skipped++;
      continue;
    }
    launch(b);  // warm-up: the first run at a batch size grows the executor's arena
    int launches = 0;
    const auto t0 = Clock::now();
    do {
      launch(b);
      launches++;
    } while (launches < kMaxLaunches && Ms(t0) < kMinSeconds * 1000 && budget.Left());
    t.msPerItem[i] = lastMs = Ms(t0) / (double(launches) * b);
  }
  return t;
}

std::string BatchJson(const BatchTimes& t) {
  std::string s = "{";
  for (int i = 0; i < 5; i++) s += (i ? ",\"" : "\"") + std::to_string(kBatches[i]) + "\":" + Num(t.msPerItem[i]);
  return s + "}";
}

struct MemInfo {
  bool ok = false;
  double freeMiB = NAN, totalMiB = NAN;
};
MemInfo Mem() {
  MemInfo m;
  size_t f = 0, t = 0;
  if (cudaMemGetInfo(&f, &t) == cudaSuccess) {
    m.ok = true;
    m.freeMiB = double(f) / (1 << 20);
    m.totalMiB = double(t) / (1 << 20);
  } else {
    cudaGetLastError();
  }
  return m;
}


// A ROI's crop map as face::ImageToTensor builds it (pixel centres), from the rotated
// rectangle; here without OpenCV: host and device get the same map, so exactness is moot.
theval::cuda::CropRoi RoiMap(int frame, double cx, double cy, double w, double h, double rot, int size) {
  theval::cuda::CropRoi r{};
  r.frame = frame;
  const double c = std::cos(rot), s = std::sin(rot), e = 0.5 / size - 0.5;
  r.map[0] = c * w / size, r.map[1] = -s * h / size, r.map[2] = cx - 0.5 + c * w * e - s * h * e;
  r.map[3] = s * w / size, r.map[4] = c * h / size, r.map[5] = cy - 0.5 + s * w * e + c * h * e;
  return r;
}

template <class T>
void Diff(const std::vector<T>& a, const std::vector<T>& b, double& maxAbs, size_t& differing) {
  for (size_t i = 0; i < std::min(a.size(), b.size()); i++) {
    const double d = std::fabs(double(a[i]) - double(b[i]));
    maxAbs = std::max(maxAbs, d);
    differing += a[i] != b[i];
  }
  differing += a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
}

// The pre-processing pieces (crop_tensor.h, yuv_rgb24.h): device vs host path on one 512x512
// frame, and the device kernels' time per frame (CUDA events, mean of kRepeats launches; the
// host path's time in host mode). Per frame: YUV -> RGB24 once; crops = the two meshes' 192x192
// ROIs (rotated, replicate, [0, 1]) + the detector's 128x128 whole frame (zero, [-1, 1]).
std::string PrepJson(bool hostMode, const std::vector<unsigned char>& yuv, const std::vector<unsigned char>& rgb, int w, int h,
                     std::string& cudaError) {
  constexpr int kRepeats = 50;
  theval::YuvRgbCoeffs k{};  // BT.601 limited range, as libswscale sets it for untagged video
  {
    const int bt601[4] = {104597, 132201, 25675, 53279};
    k = theval::SwsYuvRgbCoeffs(bt601, false, 0, 1 << 16, 1 << 16);
  }
  const int cw = (w + 1) / 2, ch = (h + 1) / 2;
  theval::cuda::Yuv420View i420{yuv.data(), yuv.data() + size_t(w) * h, yuv.data() + size_t(w) * h + size_t(cw) * ch, w, cw, cw, false, w, h};
  std::vector<unsigned char> uv(size_t(2) * cw * ch);
  for (size_t i = 0; i < size_t(cw) * ch; i++) uv[2 * i] = i420.u[i], uv[2 * i + 1] = i420.v[i];
  theval::cuda::Yuv420View nv12{yuv.data(), uv.data(), nullptr, w, 2 * cw, 0, true, w, h};
  std::string json = ",\"yuv_to_rgb\":{\"frame\":\"" + std::to_string(w) + "x" + std::to_string(h) + "\"";
  std::vector<unsigned char> hostI420(size_t(w) * h * 3), hostNv12(hostI420.size());
  auto t0 = Clock::now();
  theval::cuda::Yuv420ToRgb24Host(i420, k, hostI420.data(), w * 3);
  const double yuvHostMs = Ms(t0);
  theval::cuda::Yuv420ToRgb24Host(nv12, k, hostNv12.data(), w * 3);
  json += ",\"host_ms\":" + Num(yuvHostMs) + ",\"host_nv12_equals_i420\":" + (hostNv12 == hostI420 ? "true" : "false");
  try {
    double msI420 = NAN, msNv12 = NAN, maxAbs = 0;
    size_t differing = 0;
    for (const auto* view : {&i420, &nv12}) {
      double& ms = view == &i420 ? msI420 : msNv12;
      std::vector<unsigned char> dev;
      if (hostMode) {
        dev.resize(hostI420.size());
        t0 = Clock::now();
        for (int r = 0; r < kRepeats; r++) theval::cuda::Yuv420ToRgb24Host(*view, k, dev.data(), w * 3);
        ms = Ms(t0) / kRepeats;
      } else {
        dev = theval::cuda::Yuv420ToRgb24Cuda(*view, k, 0, &ms, kRepeats);
      }
      Diff(dev, hostI420, maxAbs, differing);
    }
    json += ",\"cuda_max_abs_diff\":" + Num(maxAbs) + ",\"cuda_differing_bytes\":" + std::to_string(differing) +
            ",\"cuda_ms_per_frame_i420\":" + Num(msI420) + ",\"cuda_ms_per_frame_nv12\":" + Num(msNv12);
  } catch (const std::exception& e) {
    cudaError = e.what();
  }
  json += "},\"crop\":{\"frame\":\"" + std::to_string(w) + "x" + std::to_string(h) + "\"";
  const theval::cuda::CropFrame frame{rgb.data(), w, h, size_t(w) * 3};
  const theval::cuda::CropRoi meshes[2] = {RoiMap(0, w * 0.5, h * 0.47, w * 0.55, w * 0.55, 0.3, 192),
                                           RoiMap(0, w * 0.9, h * 0.95, w * 0.5, w * 0.5, -0.5, 192)};  // leaves the frame
  const theval::cuda::CropRoi whole = RoiMap(0, w * 0.5, h * 0.5, w, h, 0, 128);
  theval::cuda::CropParams meshP, detP;
  meshP.size = 192, meshP.scale = 1.f / 255.f, meshP.offset = 0.f, meshP.zeroBorder = false;
  detP.size = 128, detP.scale = 2.f / 255.f, detP.offset = -1.f, detP.zeroBorder = true;
  std::vector<float> hostMesh(size_t(2) * 192 * 192 * 3), hostDet(size_t(128) * 128 * 3);
  t0 = Clock::now();
  theval::cuda::CropTensorsHost(&frame, 1, meshes, 2, meshP, hostMesh.data());
  theval::cuda::CropTensorsHost(&frame, 1, &whole, 1, detP, hostDet.data());
  json += ",\"host_ms\":" + Num(Ms(t0));
  try {
    double msMesh = NAN, msDet = NAN, maxAbs = 0;
    size_t differing = 0;
    std::vector<float> devMesh, devDet;
    if (hostMode) {
      devMesh.resize(hostMesh.size()), devDet.resize(hostDet.size());
      t0 = Clock::now();
      for (int r = 0; r < kRepeats; r++) theval::cuda::CropTensorsHost(&frame, 1, meshes, 2, meshP, devMesh.data());
      msMesh = Ms(t0) / kRepeats;
      t0 = Clock::now();
      for (int r = 0; r < kRepeats; r++) theval::cuda::CropTensorsHost(&frame, 1, &whole, 1, detP, devDet.data());
      msDet = Ms(t0) / kRepeats;
    } else {
      devMesh = theval::cuda::CropTensorsCuda(&frame, 1, meshes, 2, meshP, 0, &msMesh, kRepeats);
      devDet = theval::cuda::CropTensorsCuda(&frame, 1, &whole, 1, detP, 0, &msDet, kRepeats);
    }
    Diff(devMesh, hostMesh, maxAbs, differing);
    Diff(devDet, hostDet, maxAbs, differing);
    // 256 mesh ROIs in one launch (a batch across videos): the kernel's throughput per ROI.
    std::vector<theval::cuda::CropRoi> many;
    for (int i = 0; i < 256; i++) many.push_back(RoiMap(0, w * (0.3 + 0.4 * (i % 16) / 15), h * (0.3 + 0.4 * (i / 16) / 15), w * 0.5, w * 0.5, 0.02 * i, 192));
    double msMany = NAN;
    if (!hostMode) theval::cuda::CropTensorsCuda(&frame, 1, many.data(), 256, meshP, 0, &msMany, 10);
    json += ",\"cuda_max_abs_diff\":" + Num(maxAbs) + ",\"cuda_differing_values\":" + std::to_string(differing) +
            ",\"cuda_ms_per_frame\":" + Num(msMesh + msDet) + ",\"cuda_ms_meshes_2x192\":" + Num(msMesh) +
            ",\"cuda_ms_detector_128\":" + Num(msDet) + ",\"cuda_ms_per_roi_batch256\":" + Num(msMany / 256);
  } catch (const std::exception& e) {
    cudaError = e.what();
  }
  return json + "}";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: gpu_check MODEL_DIR [IMAGE.gray WIDTH HEIGHT]...\n");
    return 2;
  }
  Budget budget;
  if (const char* b = std::getenv("THEVAL_GPU_CHECK_BUDGET_S"); b && std::atof(b) > 0) budget.seconds = std::atof(b);
  const char* devEnv = std::getenv("THEVAL_GPU_CHECK_DEVICE");
  const bool hostMode = devEnv && std::string(devEnv) == "host";
  const auto devBackend = hostMode ? infer::cuda::Backend::kHostEmulation : infer::cuda::Backend::kCuda;
  auto features = [&](const unsigned char* g, int w, int h) {
    return hostMode ? quality::cuda::BrisqueFeatures(g, w, h, kTaps) : quality::cuda::BrisqueFeaturesCuda(g, w, h, kTaps);
  };
  const std::string dir = argv[1];
  const Net nets[] = {
      {"face_detection_short_range.onnx", {"regressors", "classificators"}, -1.f, 1.f, nullptr},
      {"face_landmark.onnx", {"conv2d_21", "conv2d_31"}, 0.f, 1.f, "conv2d_21"},
      {"face_landmark_with_attention.native.onnx", {"output_mesh_identity", "conv_faceflag", "output_left_iris"}, 0.f, 1.f,
       "output_mesh_identity"},
  };
  const MemInfo memStart = Mem();
  std::string json = std::string("{\"device\":\"") + (hostMode ? "host-emulation" : "cuda") + "\",";
  std::string cudaError;
  double relMax = 0, lmSum = 0;
  size_t lmCount = 0;
  bool allDevice = true;
  std::vector<BatchTimes> netTimes;
  std::vector<std::unique_ptr<infer::cuda::Graph>> keep;  // alive until the memory reading
  bool first = true;
  for (const Net& net : nets) {
    const std::string path = dir + "/" + net.file;
    std::string entry;
    try {
      auto host = infer::cuda::Graph::Load(path, infer::cuda::Backend::kHostEmulation);
      size_t per = 1;
      for (int64_t d : host->inputShape()) per *= size_t(d);
      const int side = int(host->inputShape().size() >= 3 ? host->inputShape()[1] : 1);
      std::vector<float> input(per * kBatches[4]);
      std::mt19937 rng(7);
      std::uniform_real_distribution<float> u(net.lo, net.hi);
      for (float& v : input) v = u(rng);
      std::vector<std::vector<float>> ho, go;
      auto t0 = Clock::now();
      host->Run(input.data(), 1, net.outputs, ho);
      const double hostMs = Ms(t0);
      entry = "\"" + std::string(net.file) + "\":{\"host_ms\":" + Num(hostMs);
      try {
        auto dev = infer::cuda::Graph::Load(path, devBackend);
        dev->Run(input.data(), 1, net.outputs, go);  // warm-up and parity
        double rel = 0;
        for (size_t k = 0; k < ho.size(); k++) rel = std::max(rel, RelDiff(go[k], ho[k]));
        relMax = std::max(relMax, rel);
        entry += ",\"cuda_max_rel_diff\":" + Num(rel);
        if (net.landmarks) {
          // Landmarks in a face crop as large as a 512x512 frame (crop px x 512/side).
          const size_t k = size_t(std::find(net.outputs.begin(), net.outputs.end(), net.landmarks) - net.outputs.begin());
          double s = 0;
          for (size_t i = 0; i + 2 < ho[k].size(); i += 3)
            s += std::hypot(go[k][i] - ho[k][i], go[k][i + 1] - ho[k][i + 1]) * 512.0 / side;
          lmSum += s;
          lmCount += ho[k].size() / 3;
          entry += ",\"landmarks_px_mean_diff\":" + Num(s / double(ho[k].size() / 3));
        }
        // A batch is one launch per node over all its items (the executor's arena grows to
        // the batch on its first run at that size, in TimeBatches' warm-up launch).
        const BatchTimes t = TimeBatches(budget, [&](int b) { dev->Run(input.data(), b, net.outputs, go); });
        netTimes.push_back(t);
        entry += ",\"cuda_ms_per_item\":" + Num(t.msPerItem[0]) + ",\"cuda_items_per_second\":" + Num(1000.0 / t.msPerItem[0]) +
                 ",\"cuda_ms_per_item_by_batch\":" + BatchJson(t);
        keep.push_back(std::move(dev));
      } catch (const std::exception& e) {
        cudaError = e.what();
        allDevice = false;
      }
      entry += "}";
    } catch (const std::exception& e) {
      entry = "\"" + std::string(net.file) + "\":{\"error\":\"" + Escape(e.what()) + "\"}";
      allDevice = false;
    }
    json += (first ? "" : ",") + entry;
    first = false;
  }
  // BRISQUE: the given grey images, else a deterministic textured one.
  std::vector<std::vector<unsigned char>> images;
  std::vector<std::pair<int, int>> sizes;
  std::vector<unsigned char> yuvFrame, rgbFrame;
  int frameW = 512, frameH = 512;
  for (int a = 2; a + 2 < argc; a += 3) {
    std::ifstream in(argv[a], std::ios::binary);
    std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string name = argv[a];
    const int w = std::atoi(argv[a + 1]), h = std::atoi(argv[a + 2]);
    const bool yuv = name.size() > 4 && name.compare(name.size() - 4, 4, ".yuv") == 0;
    const bool rgb = name.size() > 4 && name.compare(name.size() - 4, 4, ".rgb") == 0;
    if (yuv || rgb) {
      // One frame size for both pieces: the first given.
      if (yuvFrame.empty() && rgbFrame.empty()) frameW = w, frameH = h;
      if (w == frameW && h == frameH) (yuv ? yuvFrame : rgbFrame) = std::move(bytes);
      continue;
    }
    images.push_back(std::move(bytes));
    sizes.emplace_back(w, h);
  }
  if (images.empty()) {
    const int w = 512, h = 512;
    std::vector<unsigned char> g(size_t(w) * h);
    std::mt19937 rng(3);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        g[size_t(y) * w + x] = (unsigned char)std::min(255.0, 128 + 60 * std::sin(x * 0.05) * std::cos(y * 0.07) + double(rng() % 40));
    images.push_back(g);
    sizes.emplace_back(w, h);
  }
  double featRel = 0, hostMs = 0, devMs = 0;
  bool devOk = true;
  int timed = -1;  // the image BRISQUE's timing uses: the first 512x512 one, else the first
  for (size_t i = 0; i < images.size(); i++) {
    const auto [w, h] = sizes[i];
    if (images[i].size() != size_t(w) * h) continue;
    if (timed < 0 || (w == 512 && h == 512 && sizes[size_t(timed)] != std::make_pair(512, 512))) timed = int(i);
    auto t0 = Clock::now();
    const auto hf = quality::cuda::BrisqueFeatures(images[i].data(), w, h, kTaps);
    hostMs += Ms(t0);
    try {
      features(images[i].data(), w, h);  // warm-up
      t0 = Clock::now();
      const auto df = features(images[i].data(), w, h);
      devMs += Ms(t0);
      for (size_t k = 0; k < hf.size(); k++)
        featRel = std::max(featRel, double(std::fabs(df[k] - hf[k]) / std::max(std::fabs(hf[k]), 1e-12f)));
    } catch (const std::exception& e) {
      devOk = false;
      cudaError = e.what();
    }
  }
  BatchTimes brisqueTimes;
  json += ",\"brisque\":{\"images\":" + std::to_string(images.size()) + ",\"host_ms\":" + Num(hostMs);
  if (devOk && timed >= 0) {
    const int w = sizes[size_t(timed)].first, h = sizes[size_t(timed)].second;
    // One image per call: a "batch" is that many calls back to back.
    brisqueTimes = TimeBatches(budget, [&](int b) {
      for (int i = 0; i < b; i++) features(images[size_t(timed)].data(), w, h);
    });
    relMax = std::max(relMax, featRel);
    json += ",\"cuda_features_max_rel_diff\":" + Num(featRel) + ",\"cuda_ms\":" + Num(devMs) + ",\"timed_image\":\"" +
            std::to_string(w) + "x" + std::to_string(h) + "\",\"cuda_ms_per_item_by_batch\":" + BatchJson(brisqueTimes);
  }
  json += "}";
  {
    // Pre-processing frames: the given ones, else deterministic synthetic ones.
    const int w = frameW, h = frameH, cw = (w + 1) / 2, ch = (h + 1) / 2;
    std::mt19937 rng(5);
    if (yuvFrame.size() != size_t(w) * h + size_t(2) * cw * ch) {
      yuvFrame.resize(size_t(w) * h + size_t(2) * cw * ch);
      for (auto& v : yuvFrame) v = (unsigned char)(rng() & 255);
    }
    if (rgbFrame.size() != size_t(w) * h * 3) {
      rgbFrame.resize(size_t(w) * h * 3);
      for (size_t i = 0; i < rgbFrame.size(); i++)
        rgbFrame[i] = (unsigned char)std::min(255.0, 128 + 80 * std::sin(double(i % (size_t(w) * 3)) * 0.013) + double(rng() % 30));
    }
    json += PrepJson(hostMode, yuvFrame, rgbFrame, w, h, cudaError);
  }
  const MemInfo memEnd = Mem();

  // The per-frame work as the sum of its parts at each batch size: detector + plain mesh +
  // attention mesh + BRISQUE on the frame, every frame (the tracker runs the detector only
  // when it loses the face, so this is a lower bound on speed). Not included: decoding
  // (NVDEC), colour conversion, crops/warps, BRISQUE's SVR and the metrics.
  const bool haveAll = devOk && allDevice && netTimes.size() == 3 && cudaError.empty();
  double best = NAN;
  std::string byBatch = "{";
  if (haveAll) {
    for (int i = 0; i < 5; i++) {
      double ms = brisqueTimes.msPerItem[i];
      for (const BatchTimes& t : netTimes) ms += t.msPerItem[i];
      const double fps = 1000.0 / ms;
      byBatch += (i ? ",\"" : "\"") + std::to_string(kBatches[i]) + "\":" + Num(fps);
      if (std::isfinite(fps) && !(fps <= best)) best = fps;
      std::printf("batch %3d: detector %.3f + mesh %.3f + attention %.3f + brisque %.3f ms per frame = %.1f frames/s\n",
                  kBatches[i], netTimes[0].msPerItem[i], netTimes[1].msPerItem[i], netTimes[2].msPerItem[i],
                  brisqueTimes.msPerItem[i], fps);
    }
  }
  byBatch += "}";
  const double lmMean = lmCount ? lmSum / double(lmCount) : NAN;
  json += ",\"landmarks_px_mean_diff\":" + (haveAll ? Num(lmMean) : "null");
  json += ",\"metrics_max_rel_diff\":" + (haveAll ? Num(relMax) : "null");
  json += ",\"metrics_scope\":\"device vs host path: every network output (seeded inputs) and BRISQUE's 36 features; the 8 metrics are not run here\"";
  json += ",\"frames_per_second\":" + (haveAll ? Num(best) : "null");
  json += ",\"frames_per_second_by_batch\":" + byBatch;
  json += ",\"videos_per_hour\":" + (haveAll ? Num(best * 3600 / kFramesPerVideo) : "null");
  json += ",\"timing_scope\":\"per-frame sum of detector + plain mesh + attention mesh + BRISQUE features at each batch size; "
          "the executor runs batch items one by one (a batch = that many launch sequences); no decode, warps, SVR or metrics; "
          "videos/hour for 10 s clips at 25 frames/s\"";
  if (memStart.ok && memEnd.ok)
    json += ",\"gpu_memory_mib\":{\"total\":" + Num(memStart.totalMiB) + ",\"used_before\":" + Num(memStart.totalMiB - memStart.freeMiB) +
            ",\"used_after\":" + Num(memEnd.totalMiB - memEnd.freeMiB) + ",\"used_by_check\":" + Num(memStart.freeMiB - memEnd.freeMiB) + "}";
  else
    json += ",\"gpu_memory_mib\":null";
  json += ",\"budget_s\":" + Num(budget.seconds) + ",\"skipped_timings\":" + std::to_string(budget.skipped) +
          ",\"elapsed_s\":" + Num(Ms(budget.start) / 1000);
  if (haveAll)
    std::printf("best %.1f frames/s = %.0f ten-second videos/hour; landmarks mean |diff| %.3g px; max rel diff %.3g\n", best,
                best * 3600 / kFramesPerVideo, lmMean, relMax);
  if (memStart.ok && memEnd.ok)
    std::printf("GPU memory: %.0f MiB total, %.0f MiB used before, %.0f MiB after (the check's graphs still loaded)\n",
                memStart.totalMiB, memStart.totalMiB - memStart.freeMiB, memEnd.totalMiB - memEnd.freeMiB);
  if (!cudaError.empty()) json += ",\"cuda_error\":\"" + Escape(cudaError) + "\"";
  json += "}";
  std::printf("%s\n", json.c_str());
  return cudaError.empty() ? 0 : 3;
}
