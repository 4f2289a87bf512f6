// The CUDA backend's graph executor: loads one of theval's face-network ONNX files, infers
// every tensor's shape, orders the nodes, packs the intermediate tensors into one arena
// (a tensor's space is reused once its last reader has run) and resolves each node into an
// OpCall whose pointers are fixed at load time. Running is then: upload the input, launch
// the calls in order, download the outputs, on the host emulation or on a CUDA device.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "infer/cuda/device.h"

namespace theval::infer::cuda {

struct GraphStats {
  size_t nodes = 0, calls = 0;
  size_t arenaFloats = 0;       // intermediate tensors after reuse
  size_t unpackedFloats = 0;    // the same without reuse
  size_t weightFloats = 0;
};

class Graph {
 public:
  // Throws std::runtime_error naming the node and what is unsupported.
  // ordinal: the CUDA device (kCuda only).
  static std::unique_ptr<Graph> Load(const std::string& path, Backend backend, int ordinal = 0);
  ~Graph();

  const std::vector<int64_t>& inputShape() const;  // the graph input's shape, batch dim included
  std::vector<int64_t> outputShape(const std::string& name) const;
  const GraphStats& stats() const;
  std::string deviceName() const;

  // input: batch items of prod(inputShape()) floats each (the graph's own batch dim is
  // normally 1). Every node runs once over all items (item k in its own copy of the arena,
  // which grows to the largest batch seen); each item gets the values of a run of one.
  // outputs[k] gets batch * elems of names[k].
  void Run(const float* input, int batch, const std::vector<std::string>& names,
           std::vector<std::vector<float>>& outputs);

 private:
  Graph();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace theval::infer::cuda
