#include "scheduler/pass_scheduler.h"

#include <thread>

#include "common/errors.h"
#include "face/face_geometry.h"

namespace theval::scheduler {

PassScheduler& PassScheduler::Get() {
  // Leaked on purpose: detached workers may still wait on its condition variable at exit.
  static PassScheduler* s = new PassScheduler();
  return *s;
}

void PassScheduler::Configure(const SchedulerConfig& c) {
  std::lock_guard<std::mutex> lock(mu_);
  config_ = c;
  config_.threads = std::max(1, c.threads);
  config_.engines = std::max(1, c.engines);
  config_.maxBatch = std::max(1, c.maxBatch);
  while (started_ < config_.threads) {
    std::thread(&PassScheduler::Worker, this, started_).detach();
    started_++;
  }
  cv_.notify_all();  // surplus threads see the new count and leave
}

SchedulerConfig PassScheduler::config() const {
  std::lock_guard<std::mutex> lock(mu_);
  return config_;
}

int64_t PassScheduler::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_;
}

void PassScheduler::Submit(std::unique_ptr<PassJob> job) {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_ == 0) {  // never configured: one video at a time
    std::thread(&PassScheduler::Worker, this, 0).detach();
    started_ = 1;
  }
  queue_.push_back(std::move(job));
  cv_.notify_one();
}

std::shared_ptr<infer::Model> PassScheduler::Network(const std::string& path, const infer::ModelDesc& desc,
                                                     const std::string& backendName) {
  const SchedulerConfig c = config();
  const std::string key = backendName + "|" + std::to_string(c.engines) + "|" + std::to_string(c.maxBatch) + "|" + path;
  std::lock_guard<std::mutex> lock(netMu_);
  auto it = networks_.find(key);
  if (it != networks_.end()) return it->second;
  infer::Backend* backend = infer::ResolveBackend(backendName);
  if (!backend) throw Error("BAD_ARGUMENT", "inference backend '" + backendName + "' is not in this build", path);
  auto net = std::make_shared<infer::BatchingModel>([backend, path, desc] { return backend->Load(path, desc); },
                                                    c.engines, c.maxBatch);
  networks_[key] = net;
  networkEngines_[key] = c.engines;
  networkBackend_[key] = backendName;
  return net;
}

std::shared_ptr<const FaceGeometry> PassScheduler::Geometry(const std::string& path) {
  std::lock_guard<std::mutex> lock(netMu_);
  auto& g = geometry_[path];
  if (!g) g = std::make_shared<const FaceGeometry>(LoadFaceGeometry(path));
  return g;
}

std::vector<NetworkStats> PassScheduler::Networks() const {
  std::lock_guard<std::mutex> lock(netMu_);
  std::vector<NetworkStats> out;
  for (const auto& [key, net] : networks_)
    out.push_back({net->path(), networkBackend_.at(key), net->stats(), networkEngines_.at(key)});
  return out;
}

void PassScheduler::Worker(int index) {
  // This thread's per-video face stages (detector / landmarker buffers over the shared
  // networks), kept from one video to the next; keyed by model paths, profile and config.
  std::map<std::string, std::unique_ptr<face::FaceModels>> stages;
  infer::SetCpuThreads(1);  // per-thread in OpenCV: parallelism comes from videos side by side
  for (;;) {
    std::unique_ptr<PassJob> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || index >= config_.threads; });
      if (index >= config_.threads && (queue_.empty() || index >= config_.threads)) {
        started_--;
        return;
      }
      job = std::move(queue_.front());
      queue_.pop_front();
      running_++;
    }
    std::unique_ptr<pipeline::PassResult> result;
    std::exception_ptr error;
    try {
      face::FaceModels* models = nullptr;
      if (job->request.faceStages) {
        const auto& p = job->facePaths;
        const SchedulerConfig c = config();
        const std::string backend = job->backend.empty() ? c.backend : job->backend;
        const std::string key = p.landmark + "|" + p.landmarkAttention + "|" + p.detector + "|" + p.geometry + "|" +
                                std::to_string(int(job->profile)) + "|" + backend + "|" + std::to_string(c.engines) +
                                "|" + std::to_string(c.maxBatch);
        auto& m = stages[key];
        if (!m) {
          auto load = [this, backend](const std::string& path, const infer::ModelDesc& desc) {
            return Network(path, desc, backend);
          };
          m = face::FaceModels::Load(p, job->profile, load, p.geometry.empty() ? std::shared_ptr<const FaceGeometry>() : Geometry(p.geometry));
        }
        models = m.get();
      }
      result = std::make_unique<pipeline::PassResult>(pipeline::RunVideoPass(job->request, models, job->sink.get()));
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_--;
    }
    job->done(std::move(result), error);
  }
}

}  // namespace theval::scheduler
