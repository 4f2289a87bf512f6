#include "decode/nvdec.h"

extern "C" {
#include <libavutil/hwcontext.h>
#include <libavutil/pixdesc.h>
}

#include <cstring>

#include "decode/ffmpeg_log.h"
#include "decode/ffmpeg_util.h"

namespace theval {

namespace {

bool HasCudaConfig(const AVCodec* codec) {
  for (int i = 0;; i++) {
    const AVCodecHWConfig* c = avcodec_get_hw_config(codec, i);
    if (!c) return false;
    if ((c->methods & AV_CODEC_HW_CONFIG_METHOD_HW_DEVICE_CTX) && c->device_type == AV_HWDEVICE_TYPE_CUDA) return true;
  }
}

// Prefers CUDA frames; anything else (FFmpeg calls this again without CUDA when the
// hwaccel fails to initialise for the stream) takes the first software format: the CPU
// fallback, noticed by the decoder when its first frame is not a CUDA frame.
AVPixelFormat PickCuda(AVCodecContext*, const AVPixelFormat* fmts) {
  for (const AVPixelFormat* p = fmts; *p != AV_PIX_FMT_NONE; p++)
    if (*p == AV_PIX_FMT_CUDA) return *p;
  for (const AVPixelFormat* p = fmts; *p != AV_PIX_FMT_NONE; p++) {
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(*p);
    if (d && !(d->flags & AV_PIX_FMT_FLAG_HWACCEL)) return *p;
  }
  return AV_PIX_FMT_NONE;
}

}  // namespace

std::string AttachCudaHwaccel(AVCodecContext* ctx, const AVCodec* codec, int ordinal) {
  if (!HasCudaConfig(codec)) return std::string("FFmpeg's ") + codec->name + " decoder has no cuda hwaccel";
  AVBufferRef* device = nullptr;
  LogErrors logged;  // FFmpeg says why (e.g. "Cannot load libcuda.so.1") only in its log
  int r;
  {
    LogCapture capture(&logged);
    r = av_hwdevice_ctx_create(&device, AV_HWDEVICE_TYPE_CUDA, std::to_string(ordinal).c_str(), nullptr, 0);
  }
  if (r < 0)
    return "no CUDA device " + std::to_string(ordinal) + " for NVDEC (" + AvErrorText(r) +
           (logged.first.empty() ? "" : ": " + logged.first) + ")";
  ctx->hw_device_ctx = device;  // the context owns the reference now
  ctx->get_format = PickCuda;
  return "";
}

bool IsCudaFrame(const AVFrame* f) { return f && f->format == AV_PIX_FMT_CUDA; }

int TransferToHost(const AVFrame* cudaFrame, AVFrame* host) {
  av_frame_unref(host);
  int r = av_hwframe_transfer_data(host, cudaFrame, 0);
  if (r < 0) return r;
  return av_frame_copy_props(host, cudaFrame);
}

NvdecSupport QueryNvdec() {
  NvdecSupport s;
  for (AVHWDeviceType t = av_hwdevice_iterate_types(AV_HWDEVICE_TYPE_NONE); t != AV_HWDEVICE_TYPE_NONE;
       t = av_hwdevice_iterate_types(t))
    if (t == AV_HWDEVICE_TYPE_CUDA) s.cudaHwaccel = true;
  void* it = nullptr;
  while (const AVCodec* c = av_codec_iterate(&it)) {
    if (!av_codec_is_decoder(c) || c->type != AVMEDIA_TYPE_VIDEO) continue;
    const std::string name = c->name;
    if (name.size() > 6 && name.compare(name.size() - 6, 6, "_cuvid") == 0) s.cuvidDecoders.push_back(name);
    else if (HasCudaConfig(c)) s.hwaccelCodecs.push_back(name);
  }
  return s;
}

}  // namespace theval
