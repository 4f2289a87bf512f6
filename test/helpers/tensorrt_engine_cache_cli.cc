// A command-line face for native/infer/tensorrt/engine_cache.cc, so test/gpu-tensorrt-cache
// can drive it from TypeScript without TensorRT (the cache has no TensorRT dependency).
//   hash FILE                                   SHA-256 of the file's bytes
//   write DIR PLANFILE MODE ONNX TRT GPU PREC PROFILE   stores PLANFILE; prints the file name
//   read DIR ONNX TRT GPU PREC PROFILE          "hit MODE <sha256 of plan>" or "miss"
//   dir                                         EngineCacheDir()
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "infer/tensorrt/engine_cache.h"

using namespace theval::infer::tensorrt;

static std::vector<char> Slurp(const char* p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "hash" && argc == 3) {
    const auto b = Slurp(argv[2]);
    std::printf("%s\n", Sha256Hex(b.data(), b.size()).c_str());
    return 0;
  }
  if (cmd == "dir") {
    std::printf("%s\n", EngineCacheDir().c_str());
    return 0;
  }
  if (cmd == "write" && argc == 10) {
    EngineKey k{argv[5], argv[6], argv[7], argv[8], argv[9]};
    CachedEngine e{argv[4], Slurp(argv[3])};
    std::string why;
    if (!WriteEngine(argv[2], k, e, &why)) {
      std::printf("error %s\n", why.c_str());
      return 1;
    }
    std::printf("%s\n", k.FileName().c_str());
    return 0;
  }
  if (cmd == "read" && argc == 8) {
    EngineKey k{argv[3], argv[4], argv[5], argv[6], argv[7]};
    const auto e = ReadEngine(argv[2], k);
    if (!e) std::printf("miss\n");
    else std::printf("hit %s %s\n", e->batchMode.c_str(), Sha256Hex(e->plan.data(), e->plan.size()).c_str());
    return 0;
  }
  std::fprintf(stderr, "usage: see the comment at the top\n");
  return 2;
}
