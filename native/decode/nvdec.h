// NVDEC through FFmpeg's cuda hwaccel: a decoder context is given a CUDA device before it is
// opened; frames come back to the host (av_hwframe_transfer_data, NV12 or P010) for the rest
// of the pass in this version. When the hwaccel cannot be set up for a video (no driver, no
// NVDEC for the codec, profile or size), the video is decoded on the CPU and the decoder
// says why in a warning.
#pragma once

#include <string>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace theval {

// Attaches the cuda hwaccel (device `ordinal`) to `ctx` before avcodec_open2. Returns ""
// when attached, else why not (FFmpeg's own message where it logged one).
std::string AttachCudaHwaccel(AVCodecContext* ctx, const AVCodec* codec, int ordinal);

bool IsCudaFrame(const AVFrame* f);

// Copies a CUDA frame's pixels (and its properties) into `host` (reallocated). Returns an
// FFmpeg error code (< 0) on failure.
int TransferToHost(const AVFrame* cudaFrame, AVFrame* host);

// What this FFmpeg build offers for NVDEC, without touching the driver.
struct NvdecSupport {
  bool cudaHwaccel = false;                 // AV_HWDEVICE_TYPE_CUDA compiled in
  std::vector<std::string> hwaccelCodecs;   // decoders with a cuda hw config (h264, hevc, ...)
  std::vector<std::string> cuvidDecoders;   // the *_cuvid decoders
};
NvdecSupport QueryNvdec();

}  // namespace theval
