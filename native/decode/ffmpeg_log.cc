#include "decode/ffmpeg_log.h"

extern "C" {
#include <libavutil/log.h>
}

#include <cstdarg>
#include <cstdio>
#include <mutex>

namespace theval {

namespace {
thread_local LogErrors* t_sink = nullptr;

void Callback(void* avcl, int level, const char* fmt, va_list vl) {
  if (level > AV_LOG_ERROR || !t_sink) return;
  LogErrors* sink = t_sink;
  sink->count++;
  if (sink->first.empty()) {
    char buf[256];
    vsnprintf(buf, sizeof(buf), fmt, vl);
    std::string s(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    const char* name = avcl ? (*static_cast<AVClass**>(avcl))->item_name(avcl) : nullptr;
    sink->first = (name ? std::string(name) + ": " : std::string()) + s;
  }
}
}  // namespace

void InstallFfmpegLog() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(Callback); });
}

LogCapture::LogCapture(LogErrors* sink) : previous_(t_sink) { t_sink = sink; }
LogCapture::~LogCapture() { t_sink = previous_; }

}  // namespace theval
