// Reads the ONNX files theval's converter writes (lib/models/tflite/onnx.ts) without a
// protobuf library: nodes, float/int64 initializers, graph inputs/outputs with static shapes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace theval::infer::cuda {

struct OnnxAttr {
  int64_t i = 0;
  float f = 0.f;
  std::string s;
  std::vector<int64_t> ints;
};

struct OnnxNodeDef {
  std::string opType, name;
  std::vector<std::string> inputs, outputs;
  std::map<std::string, OnnxAttr> attrs;
  int64_t Int(const std::string& k, int64_t dflt) const {
    auto it = attrs.find(k);
    return it == attrs.end() ? dflt : it->second.i;
  }
  std::vector<int64_t> Ints(const std::string& k) const {
    auto it = attrs.find(k);
    return it == attrs.end() ? std::vector<int64_t>{} : it->second.ints;
  }
};

struct OnnxTensorDef {
  std::vector<int64_t> dims;
  std::vector<float> f;      // FLOAT
  std::vector<int64_t> i64;  // INT64 / INT32
  bool isFloat = true;
};

struct OnnxValueDef {
  std::string name;
  std::vector<int64_t> shape;  // -1 where the dim is symbolic
};

struct OnnxGraphDef {
  std::vector<OnnxNodeDef> nodes;
  std::map<std::string, OnnxTensorDef> initializers;
  std::vector<OnnxValueDef> inputs, outputs;  // inputs exclude initializers
};

// Throws std::runtime_error naming what is malformed or unsupported.
OnnxGraphDef ReadOnnx(const std::vector<uint8_t>& bytes);
OnnxGraphDef ReadOnnxFile(const std::string& path);

}  // namespace theval::infer::cuda
