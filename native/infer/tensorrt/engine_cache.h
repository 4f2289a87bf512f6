// The TensorRT backend's engine cache, kept free of TensorRT and Node headers so that CI can
// compile and test it without either. Building an engine takes seconds to minutes, so a
// serialized engine is kept on disk, keyed by everything that makes it valid: the ONNX bytes,
// the TensorRT version, the GPU and the precision (a plan only runs on the version and GPU
// that built it; a stale one must never be reused as if it matched).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace theval::infer::tensorrt {

// SHA-256 of a byte range, as 64 lower-case hex digits.
std::string Sha256Hex(const void* data, size_t n);

struct EngineKey {
  std::string onnxSha256;  // of the ONNX file's bytes
  std::string tensorrt;    // TensorRT version (headers and library: a plan is tied to both)
  std::string gpu;         // device name and compute capability
  std::string precision;   // "fp32" | "fp16"
  std::string profile;     // the batch profile asked for, e.g. "batch 1..256 opt 32"
  // One line naming every field; stored in the file and compared on read.
  std::string Text() const;
  // The file name: SHA-256 of Text(), so any changed field is another file.
  std::string FileName() const;
};

// $THEVAL_TENSORRT_CACHE; else $XDG_CACHE_HOME/theval/tensorrt (absolute XDG only); else
// ~/.cache/theval/tensorrt. Not created here.
std::string EngineCacheDir();

// What a cache file holds besides the plan: how the plan takes its batch ("dynamic": one
// enqueue per batch; "static": the graph fixes the batch at 1, one enqueue per item).
struct CachedEngine {
  std::string batchMode;
  std::vector<char> plan;
};

// The cached plan for `key` in `dir`, or nothing when absent, unreadable, truncated, or
// written for another key (the file's own key line must match exactly).
std::optional<CachedEngine> ReadEngine(const std::string& dir, const EngineKey& key);

// Writes atomically (temporary file + rename), creating `dir` as needed, so concurrent
// processes never read half a file. Returns false (and says why in *why) when the cache
// cannot be written; the caller still has its engine.
bool WriteEngine(const std::string& dir, const EngineKey& key, const CachedEngine& e, std::string* why);

}  // namespace theval::infer::tensorrt
