// libFuzzer entry point over theval's decode layer: the same sources the addon compiles
// (native/decode/*), fed one fuzzed file per input. Each input goes through what the addon
// does with a user's file: probe (open, decode every frame, the warning text), video decode
// to RGB24 and planar float, and audio decode to 16 kHz mono. A theval::Error is the
// expected outcome for bad input; anything else (a crash, a sanitizer report, another
// exception, a hang) is a finding.
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "decode/audio_decoder.h"
#include "decode/ffmpeg_log.h"
#include "decode/video_decoder.h"
#include "common/errors.h"


namespace {

// FFmpeg reads a path, so each input becomes a file (in memory when /dev/shm exists).
std::string TempPath() {
  const char* dir = std::getenv("THEVAL_FUZZ_DIR");
  std::string d = dir ? dir : (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  return d + "/theval-fuzz-" + std::to_string(getpid()) + ".bin";
}

bool WriteFile(const std::string& path, const uint8_t* data, size_t size) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return false;
  size_t at = 0;
  while (at < size) {
    ssize_t n = write(fd, data + at, size - at);
    if (n <= 0) break;
    at += size_t(n);
  }
  close(fd);
  return at == size;
}

// Frames decoded per input: enough to pass the first-frame checks and the fast-path switch,
// few enough to keep thousands of executions a minute.
constexpr int kMaxFrames = 48;
// The addon hands frames to a JS buffer the caller allocates; a claimed size beyond this is
// checked for its error path only (no RGB conversion), so the fuzzer is not stopped by the
// allocation a 16k x 16k frame legitimately needs.
constexpr size_t kMaxFrameBytes = size_t(64) << 20;

void DecodeVideo(const std::string& path, bool autorotate) {
  theval::DecoderOptions opt;
  opt.autorotate = autorotate;
  theval::VideoDecoder dec(path, opt);
  const theval::VideoInfo& info = dec.info();
  const size_t bytes = dec.FrameBytesRgb24();
  std::vector<uint8_t> rgb(bytes <= kMaxFrameBytes ? bytes : 0);
  std::vector<float> planar;
  for (int i = 0; i < kMaxFrames; i++) {
    const AVFrame* f = dec.NextFrame();
    if (!f) break;
    if (rgb.empty()) continue;
    if (i == 1) {
      planar.resize(size_t(info.width) * info.height * 3);
      dec.ToRgbF32Planar(f, planar.data());
    } else {
      dec.ToRgb24(f, rgb.data());
    }
  }
  (void)dec.stats().Warnings(info, dec.finished());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  theval::InstallFfmpegLog();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = TempPath();
  if (!WriteFile(path, data, size)) return 0;
  // One byte of the input picks the rotation handling, so both paths get mutated inputs.
  const bool autorotate = size == 0 || (data[size / 2] & 1) == 0;
  try {
    DecodeVideo(path, autorotate);
  } catch (const theval::Error&) {
  }
  try {
    theval::DecodedAudio a = theval::DecodeAudio(path, 16000);
    (void)a;
  } catch (const theval::Error&) {
  }
  return 0;
}
