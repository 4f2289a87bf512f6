#include "infer/batching_model.h"

#include <algorithm>
#include <cstring>

namespace theval::infer {

BatchingModel::BatchingModel(std::function<std::unique_ptr<Model>()> load, int engines, int maxBatch)
    : load_(std::move(load)), maxEngines_(std::max(1, engines)), maxBatch_(std::max(1, maxBatch)) {
  first_ = load_();
  idle_.push_back(first_.get());
}

BatchStats BatchingModel::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void BatchingModel::Run(const float* input, int batch, std::vector<std::vector<float>>& outputs) {
  Request req{input, batch, &outputs, false, nullptr};
  std::unique_lock<std::mutex> lock(mu_);
  stats_.calls++;
  pending_.push_back(&req);
  while (!req.done) {
    Model* engine = nullptr;
    if (!idle_.empty()) {
      engine = idle_.back();
      idle_.pop_back();
    } else if (engines_ < maxEngines_) {
      // Another engine, loaded outside the lock (a load is a forward pass or more).
      engines_++;
      lock.unlock();
      std::unique_ptr<Model> m;
      try {
        m = load_();
      } catch (...) {
        lock.lock();
        engines_--;
        pending_.erase(std::find(pending_.begin(), pending_.end(), &req));
        cv_.notify_all();
        throw;
      }
      lock.lock();
      engine = m.get();
      owned_.push_back(std::move(m));
    }
    if (!engine || pending_.empty()) {
      if (engine) {
        idle_.push_back(engine);
        cv_.notify_all();  // a caller that found no engine free may use this one
      }
      if (!req.done) cv_.wait(lock);
      continue;
    }
    // Lead one batch: the oldest pending calls, up to maxBatch items (a call is never split).
    std::vector<Request*> take;
    int items = 0;
    while (!pending_.empty() && (take.empty() || items + pending_.front()->batch <= maxBatch_)) {
      items += pending_.front()->batch;
      take.push_back(pending_.front());
      pending_.pop_front();
    }
    stats_.batches++;
    stats_.items += items;
    stats_.maxBatch = std::max<int64_t>(stats_.maxBatch, items);
    lock.unlock();
    std::vector<float> packed;
    std::vector<std::vector<float>> out;
    std::exception_ptr error;
    try {
      RunBatch(*engine, take, packed, out);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    for (Request* r : take) {
      r->error = error;
      r->done = true;
    }
    idle_.push_back(engine);
    cv_.notify_all();
  }
  if (req.error) std::rethrow_exception(req.error);
}

void BatchingModel::RunBatch(Model& engine, const std::vector<Request*>& reqs, std::vector<float>& packed,
                             std::vector<std::vector<float>>& out) {
  if (reqs.size() == 1) {  // nothing to gather: the caller's own buffers
    engine.Run(reqs[0]->input, reqs[0]->batch, *reqs[0]->outputs);
    return;
  }
  const size_t per = engine.InputElems();
  int items = 0;
  for (Request* r : reqs) items += r->batch;
  packed.resize(size_t(items) * per);
  size_t at = 0;
  for (Request* r : reqs) {
    std::memcpy(packed.data() + at, r->input, sizeof(float) * per * size_t(r->batch));
    at += per * size_t(r->batch);
  }
  engine.Run(packed.data(), items, out);
  const ModelDesc& d = engine.desc();
  size_t item = 0;
  for (Request* r : reqs) {
    r->outputs->resize(out.size());
    for (size_t k = 0; k < out.size(); k++) {
      const size_t n = d.outputElems[k];
      (*r->outputs)[k].assign(out[k].begin() + item * n, out[k].begin() + (item + size_t(r->batch)) * n);
    }
    item += size_t(r->batch);
  }
}

}  // namespace theval::infer
