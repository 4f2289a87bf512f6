// The device check without Node or OpenCV: runs each face network through the graph
// executor on the host emulation and on the CUDA device, and BRISQUE's features both ways,
// and prints one JSON line with the differences and timings. The host paths are the ones CI
// checks against OpenCV (test/gpu-inference, test/gpu-brisque), so device == host here
// closes the chain to OpenCV.
//
//   gpu_check MODEL_DIR [IMAGE.gray WIDTH HEIGHT]...
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "infer/cuda/graph.h"
#include "quality/cuda/brisque_cuda.h"
#include "quality/cuda/brisque_emulated.h"

using namespace theval;
using Clock = std::chrono::steady_clock;

namespace {

// cv::getGaussianKernel(7, 7/6, CV_32F) on the build machine (OpenCV 4.6), bit for bit.
const float kTaps[7] = {0x1.9b929ap-7f, 0x1.42e11cp-4f, 0x1.e5fb7cp-3f, 0x1.5edaccp-2f,
                        0x1.e5fb7cp-3f, 0x1.42e11cp-4f, 0x1.9b929ap-7f};

double Ms(Clock::time_point a) { return std::chrono::duration<double, std::milli>(Clock::now() - a).count(); }

double RelDiff(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0, m = 0;
  for (size_t i = 0; i < b.size(); i++) {
    d = std::max(d, double(std::fabs(a[i] - b[i])));
    m = std::max(m, double(std::fabs(b[i])));
  }
  return m > 0 ? d / m : d;
}

struct Net {
  const char* file;
  std::vector<std::string> outputs;
  float lo, hi;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: gpu_check MODEL_DIR [IMAGE.gray WIDTH HEIGHT]...\n");
    return 2;
  }
  const std::string dir = argv[1];
  const Net nets[] = {
      {"face_detection_short_range.onnx", {"regressors", "classificators"}, -1.f, 1.f},
      {"face_landmark.onnx", {"conv2d_21", "conv2d_31"}, 0.f, 1.f},
      {"face_landmark_with_attention.native.onnx", {"output_mesh_identity", "conv_faceflag", "output_left_iris"}, 0.f, 1.f},
  };
  std::string json = "{";
  std::string cudaError;
  bool first = true;
  for (const Net& net : nets) {
    const std::string path = dir + "/" + net.file;
    std::string entry;
    try {
      auto host = infer::cuda::Graph::Load(path, infer::cuda::Backend::kHostEmulation);
      size_t per = 1;
      for (int64_t d : host->inputShape()) per *= size_t(d);
      const int batch = 8;
      std::vector<float> input(per * batch);
      std::mt19937 rng(7);
      std::uniform_real_distribution<float> u(net.lo, net.hi);
      for (float& v : input) v = u(rng);
      std::vector<std::vector<float>> ho, go;
      auto t0 = Clock::now();
      host->Run(input.data(), 1, net.outputs, ho);
      const double hostMs = Ms(t0);
      entry = "\"" + std::string(net.file) + "\":{\"host_ms\":" + std::to_string(hostMs);
      try {
        auto dev = infer::cuda::Graph::Load(path, infer::cuda::Backend::kCuda);
        dev->Run(input.data(), 1, net.outputs, go);  // warm-up and parity
        double rel = 0;
        for (size_t k = 0; k < ho.size(); k++) rel = std::max(rel, RelDiff(go[k], ho[k]));
        dev->Run(input.data(), batch, net.outputs, go);  // the arena grows to the batch outside the timing
        t0 = Clock::now();
        dev->Run(input.data(), batch, net.outputs, go);
        const double devMs = Ms(t0) / batch;
        entry += ",\"cuda_max_rel_diff\":" + std::to_string(rel) + ",\"cuda_ms_per_item\":" + std::to_string(devMs) +
                 ",\"cuda_items_per_second\":" + std::to_string(1000.0 / devMs);
      } catch (const std::exception& e) {
        cudaError = e.what();
      }
      entry += "}";
    } catch (const std::exception& e) {
      entry = "\"" + std::string(net.file) + "\":{\"error\":\"" + e.what() + "\"}";
    }
    json += (first ? "" : ",") + entry;
    first = false;
  }
  // BRISQUE: the given grey images, else a deterministic textured one.
  std::vector<std::vector<unsigned char>> images;
  std::vector<std::pair<int, int>> sizes;
  for (int a = 2; a + 2 < argc; a += 3) {
    std::ifstream in(argv[a], std::ios::binary);
    images.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    sizes.emplace_back(std::atoi(argv[a + 1]), std::atoi(argv[a + 2]));
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
  for (size_t i = 0; i < images.size(); i++) {
    const auto [w, h] = sizes[i];
    if (images[i].size() != size_t(w) * h) continue;
    auto t0 = Clock::now();
    const auto hf = quality::cuda::BrisqueFeatures(images[i].data(), w, h, kTaps);
    hostMs += Ms(t0);
    try {
      quality::cuda::BrisqueFeaturesCuda(images[i].data(), w, h, kTaps);  // warm-up
      t0 = Clock::now();
      const auto df = quality::cuda::BrisqueFeaturesCuda(images[i].data(), w, h, kTaps);
      devMs += Ms(t0);
      for (size_t k = 0; k < hf.size(); k++)
        featRel = std::max(featRel, double(std::fabs(df[k] - hf[k]) / std::max(std::fabs(hf[k]), 1e-12f)));
    } catch (const std::exception& e) {
      devOk = false;
      cudaError = e.what();
    }
  }
  json += ",\"brisque\":{\"images\":" + std::to_string(images.size()) + ",\"host_ms\":" + std::to_string(hostMs);
  if (devOk) json += ",\"cuda_features_max_rel_diff\":" + std::to_string(featRel) + ",\"cuda_ms\":" + std::to_string(devMs);
  json += "}";
  if (!cudaError.empty()) json += ",\"cuda_error\":\"" + cudaError + "\"";
  json += "}";
  std::printf("%s\n", json.c_str());
  return cudaError.empty() ? 0 : 3;
}
