#include "decode/video_decoder.h"

#include "decode/nvdec.h"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "common/errors.h"
#include "decode/rotate.h"
#include "decode/yuv420_rgb24.h"

namespace theval {

namespace {
constexpr int kMaxConsecutiveReadErrors = 64;

double Seconds(int64_t ts, AVRational tb) {
  if (ts == AV_NOPTS_VALUE) return std::numeric_limits<double>::quiet_NaN();
  return ts * av_q2d(tb);
}
}  // namespace

int StreamRotation(const AVStream* st) {
  const uint8_t* sd = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
  if (!sd) return 0;
  // As fftools' get_rotation(): the display matrix gives a counter-clockwise angle.
  double theta = -std::round(av_display_rotation_get(reinterpret_cast<const int32_t*>(sd)));
  if (std::isnan(theta)) return 0;
  theta -= 360 * std::floor(theta / 360 + 0.9 / 360);
  int deg = int(std::lround(theta / 90.0)) * 90 % 360;
  return deg;
}

std::vector<std::string> DecodeStats::Warnings(const VideoInfo& info, bool finished) const {
  std::vector<std::string> w;
  if (hwaccelRequested && !hwFallback.empty()) w.push_back("NVDEC not used, decoded on the CPU: " + hwFallback);
  if (decodeErrors > 0)
    w.push_back(std::to_string(decodeErrors) + " packet(s) could not be decoded (corrupt data)");
  if (corruptFrames > 0)
    w.push_back(std::to_string(corruptFrames) + " frame(s) were decoded with damage");
  if (readErrors > 0)
    w.push_back(std::to_string(readErrors) + " read error(s) in the container (truncated or corrupt file)");
  if (corruptPackets > 0)
    w.push_back(std::to_string(corruptPackets) + " packet(s) flagged corrupt by the demuxer");
  if (logged.count > 0)
    w.push_back(std::to_string(logged.count) + " decoding error(s) reported by FFmpeg, e.g. '" + logged.first + "'");
  if (resized > 0)
    w.push_back(std::to_string(resized) + " frame(s) changed size mid-stream and were scaled to " +
                std::to_string(info.codedWidth) + "x" + std::to_string(info.codedHeight));
  if (finished && info.containerFrames > 0 && framesRead < info.containerFrames) {
    w.push_back("decoded " + std::to_string(framesRead) + " of the " +
                std::to_string(info.containerFrames) +
                " frames the container lists (truncated or corrupt stream)");
  } else if (finished && framesRead > 0 && info.fps > 0 && std::isfinite(lastTime)) {
    // No frame count in the container (Matroska, MPEG-TS...): compare time spans instead.
    const double stated = std::isfinite(info.streamDuration) ? info.streamDuration : info.duration;
    const double covered = lastTime - (std::isfinite(firstTime) ? firstTime : 0) + 1.0 / info.fps;
    if (std::isfinite(stated) && covered < stated - std::max(0.5, 3.0 / info.fps)) {
      char buf[200];
      snprintf(buf, sizeof(buf),
               "decoded frames span %.2f s but the container states %.2f s (truncated file, or "
               "video shorter than the other streams)",
               covered, stated);
      w.push_back(buf);
    }
  }
  return w;
}

VideoDecoder::VideoDecoder(const std::string& path, const DecoderOptions& options) {
  LogCapture capture(&stats_.logged);
  info_.path = path;
  info_.autorotate = options.autorotate;
  fmt_ = OpenMedia(path);
  stream_ = FindStream(fmt_.get(), AVMEDIA_TYPE_VIDEO);
  if (stream_ < 0) ThrowNoStream(fmt_.get(), AVMEDIA_TYPE_VIDEO, path);
  AVStream* st = fmt_->streams[stream_];
  stats_.hwaccelRequested = options.hwaccelCuda;
  if (options.hwaccelCuda) {
    codec_ = OpenDecoder(fmt_.get(), stream_, options.threads, path, [&](AVCodecContext* ctx, const AVCodec* codec) {
      stats_.hwFallback = AttachCudaHwaccel(ctx, codec, options.hwDevice);
    });
  } else {
    codec_ = OpenDecoder(fmt_.get(), stream_, options.threads, path);
  }
  frame_ = NewFrame();
  hostFrame_ = NewFrame();
  packet_ = NewPacket();

  info_.codec = CodecName(st->codecpar->codec_id);
  AVRational rate = st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0 ? st->avg_frame_rate
                                                                              : st->r_frame_rate;
  info_.fps = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0;
  info_.containerFrames = st->nb_frames > 0 ? st->nb_frames : -1;
  info_.duration = fmt_->duration != AV_NOPTS_VALUE ? fmt_->duration / double(AV_TIME_BASE)
                                                    : Seconds(st->duration, st->time_base);
  info_.bitRate = fmt_->bit_rate;
  info_.streamDuration = Seconds(st->duration, st->time_base);
  info_.rotation = StreamRotation(st);

  // The output size is the first decoded frame's, as ffmpeg's CLI configures its filters
  // from the first frame; the container's stated size is not trusted (the fuzzer found a
  // 12 KB WebM stating 769x12033 for 48x32 VP9 frames: every frame was upscaled to 27 MB).
  // That frame is decoded now and handed out first.
  if (!NextFrame()) {
    const std::vector<std::string> w = stats_.Warnings(info_, true);
    throw Error("NO_FRAMES", path + ": the video stream has no decodable frame" + (w.empty() ? "" : " (" + w[0] + ")"), path);
  }
  peeked_ = true;
  // The hwaccel was attached but FFmpeg fell back to software for this stream (NVDEC lacks
  // the codec's profile, bit depth or size): say so, as when it could not be attached.
  if (options.hwaccelCuda && stats_.hwFallback.empty() && stats_.hwFrames == 0)
    stats_.hwFallback = "NVDEC could not decode this stream (FFmpeg fell back to its software decoder)";
  info_.codedWidth = frame_->width;
  info_.codedHeight = frame_->height;
  const char* pf = av_get_pix_fmt_name(AVPixelFormat(st->codecpar->format));
  info_.pixelFormat = pf ? pf : "unknown";
  bool swap = info_.autorotate && (info_.rotation == 90 || info_.rotation == 270);
  info_.width = swap ? info_.codedHeight : info_.codedWidth;
  info_.height = swap ? info_.codedWidth : info_.codedHeight;

  int a = FindStream(fmt_.get(), AVMEDIA_TYPE_AUDIO);
  if (a >= 0) {
    const AVStream* as = fmt_->streams[a];
    info_.audio.present = true;
    info_.audio.codec = CodecName(as->codecpar->codec_id);
    info_.audio.sampleRate = as->codecpar->sample_rate;
    info_.audio.channels = as->codecpar->ch_layout.nb_channels;
    info_.audio.duration = Seconds(as->duration, as->time_base);
  }
}

VideoDecoder::~VideoDecoder() { sws_freeContext(sws_); }

const AVFrame* VideoDecoder::NextFrame() {
  if (peeked_) {
    peeked_ = false;
    return frame_.get();
  }
  if (finished_) return nullptr;
  LogCapture capture(&stats_.logged);
  int consecutiveReadErrors = 0;
  for (;;) {
    int r = avcodec_receive_frame(codec_.get(), frame_.get());
    if (r == 0 && IsCudaFrame(frame_.get())) {
      // Frames come back to the host in this version: the rest of the pass reads host memory.
      const int t = TransferToHost(frame_.get(), hostFrame_.get());
      if (t < 0) throw Error("DECODE_FAILED", info_.path + ": NVDEC frame transfer to the host failed (" + AvErrorText(t) + ")", info_.path);
      av_frame_unref(frame_.get());
      av_frame_move_ref(frame_.get(), hostFrame_.get());
      stats_.hwFrames++;
    }
    if (r == 0) {
      stats_.framesRead++;
      if (frame_->decode_error_flags || (frame_->flags & AV_FRAME_FLAG_CORRUPT)) stats_.corruptFrames++;
      const double t = Seconds(frame_->best_effort_timestamp, fmt_->streams[stream_]->time_base);
      stats_.frameTimes.push_back(t);
      if (std::isfinite(t)) {
        if (!std::isfinite(stats_.firstTime)) stats_.firstTime = t;
        if (!std::isfinite(stats_.lastTime) || t > stats_.lastTime) stats_.lastTime = t;
      }
      return frame_.get();
    }
    if (r == AVERROR_EOF) {
      finished_ = true;
      return nullptr;
    }
    if (r != AVERROR(EAGAIN)) {
      stats_.decodeErrors++;
      if (draining_) {
        finished_ = true;
        return nullptr;
      }
    }
    if (draining_) continue;  // keep draining until EOF

    r = av_read_frame(fmt_.get(), packet_.get());
    if (r < 0) {
      if (r != AVERROR_EOF && !(fmt_->pb && avio_feof(fmt_->pb))) {
        stats_.readErrors++;
        if (++consecutiveReadErrors < kMaxConsecutiveReadErrors) continue;
      }
      avcodec_send_packet(codec_.get(), nullptr);
      draining_ = true;
      continue;
    }
    consecutiveReadErrors = 0;
    if (packet_->stream_index != stream_) {
      av_packet_unref(packet_.get());
      continue;
    }
    if (packet_->flags & AV_PKT_FLAG_CORRUPT) stats_.corruptPackets++;
    r = avcodec_send_packet(codec_.get(), packet_.get());
    av_packet_unref(packet_.get());
    if (r < 0 && r != AVERROR(EAGAIN) && r != AVERROR_EOF) stats_.decodeErrors++;
  }
}

void VideoDecoder::ConvertUnrotated(const AVFrame* frame, uint8_t* dst) {
  const int w = info_.codedWidth, h = info_.codedHeight;
  if (frame->width != w || frame->height != h) stats_.resized++;
  sws_ = sws_getCachedContext(sws_, frame->width, frame->height, AVPixelFormat(frame->format), w, h,
                              AV_PIX_FMT_RGB24, SWS_BICUBIC, nullptr, nullptr, nullptr);
  if (!sws_) {
    const char* pf = av_get_pix_fmt_name(AVPixelFormat(frame->format));
    throw Error("UNSUPPORTED_CODEC",
                info_.path + ": cannot convert pixel format " + (pf ? pf : "?") + " to RGB",
                info_.path);
  }
  // As FFmpeg 5.1's scale filter (in_color_matrix "auto"): the frame's own matrix for both
  // tables, the frame's range when it states one, the context's defaults otherwise.
  // Re-initialising the tables costs more than converting a small frame: only on change.
  const int colorKey = (frame->colorspace << 8) | (frame->color_range << 4) | 1;
  if (sws_ != swsConfigured_ || colorKey != colorKey_) {
    int *curInv, *curTable, inFull, outFull, brightness, contrast, saturation;
    fastUsable_ = false;
    if (sws_getColorspaceDetails(sws_, &curInv, &inFull, &curTable, &outFull, &brightness, &contrast,
                                 &saturation) >= 0) {
      int cs = frame->colorspace;
      if (cs < 1 || cs > 10 || cs == 8) cs = AVCOL_SPC_BT470BG;
      const int* table = sws_getCoefficients(cs);
      if (frame->color_range != AVCOL_RANGE_UNSPECIFIED) inFull = frame->color_range == AVCOL_RANGE_JPEG;
      sws_setColorspaceDetails(sws_, table, inFull, table, outFull, brightness, contrast, saturation);
      // The coefficients libswscale's SIMD yuv420p -> rgb24 routine now uses.
      fastCoeffs_ = SwsYuvRgbCoeffs(table, inFull != 0, brightness, contrast, saturation);
      fastUsable_ = true;
      if (fast_ == FastState::kVerified) fast_ = FastState::kUntested;  // new coefficients: prove again
    }
    swsConfigured_ = sws_;
    colorKey_ = colorKey;
  }
  // libswscale takes its SIMD routine for same-size yuv420p with an even height; so do we,
  // with the same arithmetic in twice the lanes (decode/yuv420_rgb24.h).
  const bool fastEligible = fastUsable_ && fast_ != FastState::kRejected &&
                            frame->format == AV_PIX_FMT_YUV420P && frame->width == w &&
                            frame->height == h && h % 2 == 0 && Yuv420ToRgb24Vectorized();
  if (fastEligible && fast_ == FastState::kVerified) {
    Yuv420ToRgb24(frame->data, frame->linesize, w, h, fastCoeffs_, dst, w * 3);
    stats_.simdFrames++;
    return;
  }
  // libswscale into padded rows, then copied: its SIMD routine converts whole 8/16-pixel
  // groups, so with tight rows it writes past the end of the buffer for some widths (526)
  // and leaves the last pixels of each row unwritten for others (514, 518). Measured on
  // FFmpeg 5.1; frames from FFmpeg's own allocators always have that padding.
  const int padded = ((w + 31) & ~31) * 3 + 64;
  swsOut_.resize(size_t(padded) * h + 64);
  uint8_t* planes[4] = {swsOut_.data(), nullptr, nullptr, nullptr};
  int strides[4] = {padded, 0, 0, 0};
  sws_scale(sws_, frame->data, frame->linesize, 0, frame->height, planes, strides);
  for (int y = 0; y < h; y++) std::memcpy(dst + size_t(y) * w * 3, swsOut_.data() + size_t(y) * padded, size_t(w) * 3);
  stats_.swscaleFrames++;
  if (fastEligible) {
    // First frame with these coefficients: use the vector routine from now on only if it
    // reproduces libswscale on this frame byte for byte (guards other FFmpeg versions).
    fastCheck_.resize(size_t(w) * h * 3);
    Yuv420ToRgb24(frame->data, frame->linesize, w, h, fastCoeffs_, fastCheck_.data(), w * 3);
    fast_ = std::memcmp(fastCheck_.data(), dst, fastCheck_.size()) == 0 ? FastState::kVerified
                                                                       : FastState::kRejected;
    std::vector<uint8_t>().swap(fastCheck_);  // needed again only if the colour details change
  }
}

void VideoDecoder::ToRgb24(const AVFrame* frame, uint8_t* dst) {
  int rot = info_.autorotate ? info_.rotation : 0;
  if (rot == 0) {
    ConvertUnrotated(frame, dst);
    return;
  }
  scratch_.resize(size_t(info_.codedWidth) * info_.codedHeight * 3);
  ConvertUnrotated(frame, scratch_.data());
  RotateRgb24(scratch_.data(), info_.codedWidth, info_.codedHeight, rot, dst);
}

void VideoDecoder::ToRgbF32Planar(const AVFrame* frame, float* dst) {
  const size_t n = size_t(info_.width) * info_.height;
  rgb_.resize(n * 3);
  ToRgb24(frame, rgb_.data());
  RgbToPlanarFloat(rgb_.data(), n, dst);
}

}  // namespace theval
