// Decodes a video stream frame by frame, in decode order, into caller-supplied buffers.
// One decoder per video; it is not thread safe (one worker uses it at a time).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "decode/ffmpeg_log.h"
#include "decode/ffmpeg_util.h"
#include "decode/yuv420_rgb24.h"

struct SwsContext;

namespace theval {

struct AudioStreamInfo {
  bool present = false;
  std::string codec;
  int sampleRate = 0;
  int channels = 0;
  double duration = 0;  // seconds, NaN when unknown
};

struct VideoInfo {
  std::string path;
  int width = 0;  // displayed (after rotation when autorotate)
  int height = 0;
  int codedWidth = 0;
  int codedHeight = 0;
  int rotation = 0;  // clockwise degrees: 0, 90, 180, 270
  bool autorotate = true;
  double fps = 0;
  int64_t containerFrames = -1;
  double duration = 0;  // seconds, NaN when unknown
  double streamDuration = NAN;  // the video stream's own duration, when the container gives one
  std::string codec;
  std::string pixelFormat;
  int64_t bitRate = 0;
  AudioStreamInfo audio;
};

struct DecodeStats {
  int64_t framesRead = 0;
  int64_t decodeErrors = 0;   // packets the decoder rejected, receive errors
  int64_t corruptFrames = 0;  // frames the decoder flagged as damaged
  int64_t readErrors = 0;     // demuxer errors before the end of the file
  int64_t corruptPackets = 0; // packets the demuxer flagged as damaged
  LogErrors logged;           // errors FFmpeg only logged (concealed damage)
  int64_t resized = 0;        // frames whose size differed from the first frame's
  double firstTime = NAN;     // seconds: timestamps of the first and last decoded frames
  double lastTime = NAN;
  int64_t simdFrames = 0;     // converted to RGB by the vector routine (decode/yuv420_rgb24.h)
  int64_t swscaleFrames = 0;  // converted by libswscale
  // Timestamp (seconds, the frame's best-effort pts) of every frame handed out, in order;
  // NaN for a frame without one. Variable-frame-rate videos need these: i / fps drifts.
  std::vector<double> frameTimes;
  std::vector<std::string> Warnings(const VideoInfo& info, bool finished) const;
  // NVDEC: whether it was asked for, frames it decoded, and why it did not (CPU fallback).
  bool hwaccelRequested = false;
  int64_t hwFrames = 0;
  std::string hwFallback;
};

struct DecoderOptions {
  int threads = 1;  // 0 = FFmpeg decides
  bool autorotate = true;
  // Try NVDEC (FFmpeg's cuda hwaccel) on CUDA device hwDevice; on failure decode on the CPU
  // and say why in Warnings (decode/nvdec.h).
  bool hwaccelCuda = false;
  int hwDevice = 0;
};

class VideoDecoder {
 public:
  VideoDecoder(const std::string& path, const DecoderOptions& options);
  ~VideoDecoder();
  VideoDecoder(const VideoDecoder&) = delete;
  VideoDecoder& operator=(const VideoDecoder&) = delete;

  const VideoInfo& info() const { return info_; }
  const DecodeStats& stats() const { return stats_; }
  bool finished() const { return finished_; }
  size_t FrameBytesRgb24() const { return size_t(info_.width) * info_.height * 3; }

  // The next frame in decode order, owned by the decoder and valid until the next call,
  // or nullptr at the end of the stream.
  const AVFrame* NextFrame();

  // Converts the frame (from NextFrame) to packed RGB24 (width*height*3), rotated as
  // configured, with the colour conversion FFmpeg's scale filter would use.
  void ToRgb24(const AVFrame* frame, uint8_t* dst);
  // Planar float RGB in [0, 1]: three width*height planes.
  void ToRgbF32Planar(const AVFrame* frame, float* dst);

 private:
  void ConvertUnrotated(const AVFrame* frame, uint8_t* dst);

  VideoInfo info_;
  DecodeStats stats_;
  FormatPtr fmt_;
  CodecPtr codec_;
  FramePtr frame_;
  PacketPtr packet_;
  FramePtr hostFrame_;  // an NVDEC frame brought back to the host
  int stream_ = -1;
  bool draining_ = false;
  bool finished_ = false;
  bool peeked_ = false;
  SwsContext* sws_ = nullptr;
  SwsContext* swsConfigured_ = nullptr;  // context whose colour details were last set
  int colorKey_ = 0;
  enum class FastState { kUntested, kVerified, kRejected };
  FastState fast_ = FastState::kUntested;
  bool fastUsable_ = false;       // fastCoeffs_ hold the current colour details
  YuvRgbCoeffs fastCoeffs_{};
  std::vector<uint8_t> swsOut_;     // libswscale's output, padded rows
  std::vector<uint8_t> fastCheck_;  // the vector routine's output on the checked frame
  std::vector<uint8_t> scratch_;  // unrotated RGB when rotating
  std::vector<uint8_t> rgb_;      // RGB frame when converting to float
};

// Display rotation (clockwise degrees, multiple of 90) of a stream, as FFmpeg's CLI computes it.
int StreamRotation(const AVStream* st);

}  // namespace theval
