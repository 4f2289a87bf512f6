// One network shared by every video in flight. Tracking makes a video's frames sequential
// (a frame's ROI comes from the previous frame's landmarks), so throughput comes from many
// videos at once: each video's thread calls Run() for its one crop, and the calls that
// arrive while the network is busy are gathered into the next batch. Nobody waits for a
// batch to fill: a free engine runs at once with whatever is pending (no latency added when
// there is no contention; batches grow exactly when the network is the bottleneck).
//
// `engines` copies of the network may run side by side (an engine is not thread safe): the
// CPU backend wants about one per core, a GPU backend one (or two, to overlap copies).
// Each item's outputs are those of a batch of one (Model's contract), so the results do not
// depend on which videos share a batch.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>

#include "infer/model.h"

namespace theval::infer {

struct BatchStats {
  int64_t calls = 0;    // Run() calls (one per crop per video)
  int64_t batches = 0;  // forward passes of the inner network
  int64_t items = 0;    // items in those passes
  int64_t maxBatch = 0;
};

class BatchingModel : public Model {
 public:
  // load(): makes one engine (called up to `engines` times, lazily).
  BatchingModel(std::function<std::unique_ptr<Model>()> load, int engines, int maxBatch);
  const std::string& path() const override { return first_->path(); }
  const ModelDesc& desc() const override { return first_->desc(); }
  bool batchedNatively() const override { return first_->batchedNatively(); }
  BackendInfo info() const override { return first_->info(); }
  // Thread safe; blocks until this call's items are done.
  void Run(const float* input, int batch, std::vector<std::vector<float>>& outputs) override;
  BatchStats stats() const;

 private:
  struct Request {
    const float* input;
    int batch;
    std::vector<std::vector<float>>* outputs;
    bool done = false;
    std::exception_ptr error;
  };
  void RunBatch(Model& engine, const std::vector<Request*>& reqs, std::vector<float>& packed,
                std::vector<std::vector<float>>& out);

  std::function<std::unique_ptr<Model>()> load_;
  const int maxEngines_, maxBatch_;
  std::unique_ptr<Model> first_;  // also engine 0 (its desc/path answer for all)
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request*> pending_;
  std::vector<Model*> idle_;                   // engines ready to run
  std::vector<std::unique_ptr<Model>> owned_;  // engines 1.. (engine 0 is first_)
  int engines_ = 1;
  BatchStats stats_;
};

}  // namespace theval::infer
