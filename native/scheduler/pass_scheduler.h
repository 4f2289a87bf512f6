// Many videos in flight, on theval's own threads (not libuv's pool): one thread per video
// in flight runs that video's pass (pipeline/video_pass.h) from decode to signals. The
// face networks are shared by all of them through one BatchingModel per network, so the
// model calls the videos make at the same step are gathered into one batch per network.
// This is the one place where concurrency is decided.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "face/face_pipeline.h"
#include "infer/batching_model.h"
#include "pipeline/video_pass.h"

namespace theval::scheduler {

struct SchedulerConfig {
  int threads = 1;   // videos in flight
  int engines = 1;   // copies of each network that may run at once (see batching_model.h)
  int maxBatch = 16; // items per forward pass at most
  std::string backend = "cpu";
};

struct PassJob {
  pipeline::PassRequest request;
  face::FaceModelPaths facePaths;
  face::FaceProfile profile = face::FaceProfile::kBoth;
  std::unique_ptr<pipeline::FrameSink> sink;  // optional
  // The inference backend of this video's networks ("cpu", "cuda:0", "cuda-emulated", ...);
  // empty = the configured one. Videos of different backends may be in flight together.
  std::string backend;
  // Called on a scheduler thread when the pass ends: a result, or the error it threw.
  std::function<void(std::unique_ptr<pipeline::PassResult>, std::exception_ptr)> done;
};

struct NetworkStats {
  std::string path;
  std::string backend;  // the name it was loaded under ("cpu", "cuda:0", "cuda-emulated")
  infer::BatchStats batches;
  int engines = 0;
};

class PassScheduler {
 public:
  static PassScheduler& Get();  // the process's one scheduler (never destroyed)

  // Threads grow at once; extra threads leave when idle. Networks loaded under another
  // engines / maxBatch / backend setting are reloaded on next use.
  void Configure(const SchedulerConfig& config);
  SchedulerConfig config() const;
  void Submit(std::unique_ptr<PassJob> job);
  std::vector<NetworkStats> Networks() const;
  int64_t running() const;

 private:
  PassScheduler() = default;
  void Worker(int index);
  std::shared_ptr<infer::Model> Network(const std::string& path, const infer::ModelDesc& desc, const std::string& backend);
  std::shared_ptr<const FaceGeometry> Geometry(const std::string& path);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<PassJob>> queue_;
  SchedulerConfig config_;
  int started_ = 0;  // worker threads alive
  int64_t running_ = 0;

  mutable std::mutex netMu_;
  std::map<std::string, std::shared_ptr<infer::BatchingModel>> networks_;  // key: path + config
  std::map<std::string, int> networkEngines_;
  std::map<std::string, std::string> networkBackend_;
  std::map<std::string, std::shared_ptr<const FaceGeometry>> geometry_;
};

}  // namespace theval::scheduler
