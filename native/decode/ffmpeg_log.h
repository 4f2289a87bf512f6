// FFmpeg reports much of what it conceals (missing references, damaged slices) only
// through its log. This routes error-level log lines to the decoder running on the same
// thread, so they are counted and one example is kept for the warning text.
#pragma once

#include <cstdint>
#include <string>

namespace theval {

struct LogErrors {
  int64_t count = 0;
  std::string first;  // first message, trimmed
};

// Installs the process-wide FFmpeg log callback (idempotent; nothing is printed).
void InstallFfmpegLog();

// While alive, error-level FFmpeg messages logged on this thread are added to `sink`.
class LogCapture {
 public:
  explicit LogCapture(LogErrors* sink);
  ~LogCapture();

 private:
  LogErrors* previous_;
};

}  // namespace theval
