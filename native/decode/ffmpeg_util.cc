#include "decode/ffmpeg_util.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "common/errors.h"

namespace theval {

std::string AvErrorText(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(err, buf, sizeof(buf));
  return buf;
}

FramePtr NewFrame() {
  FramePtr f(av_frame_alloc());
  if (!f) throw std::bad_alloc();
  return f;
}

PacketPtr NewPacket() {
  PacketPtr p(av_packet_alloc());
  if (!p) throw std::bad_alloc();
  return p;
}

FormatPtr OpenMedia(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      throw Error("FILE_NOT_FOUND", path + ": no such file", path);
    throw Error("NOT_MEDIA", path + ": cannot read (" + std::strerror(errno) + ")", path);
  }
  if (S_ISDIR(st.st_mode)) throw Error("NOT_MEDIA", path + ": is a directory, not a media file", path);
  // Unreadable (permissions): the same code and wording as a symlink loop above and as the
  // evaluate pipeline's fingerprint step (lib/io/fingerprint.ts).
  if (access(path.c_str(), R_OK) != 0)
    throw Error("NOT_MEDIA", path + ": cannot read (" + std::strerror(errno) + ")", path);
  if (st.st_size == 0) throw Error("NOT_MEDIA", path + ": empty file (0 bytes)", path);

  AVFormatContext* raw = nullptr;
  int r = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
  if (r < 0) {
    throw Error("NOT_MEDIA", path + ": not a media file FFmpeg can read (" + AvErrorText(r) + ")",
                path);
  }
  FormatPtr fmt(raw);
  r = avformat_find_stream_info(fmt.get(), nullptr);
  if (r < 0) {
    throw Error("NOT_MEDIA", path + ": cannot read stream information (" + AvErrorText(r) + ")",
                path);
  }
  return fmt;
}

int FindStream(AVFormatContext* fmt, AVMediaType type) {
  int best = -1;
  int64_t bestScore = -1;
  for (unsigned i = 0; i < fmt->nb_streams; i++) {
    const AVStream* st = fmt->streams[i];
    if (st->codecpar->codec_type != type) continue;
    if (st->disposition & AV_DISPOSITION_ATTACHED_PIC) continue;
    // Prefer the default stream, then the one with the most frames/largest picture.
    int64_t score = (st->disposition & AV_DISPOSITION_DEFAULT) ? (int64_t(1) << 40) : 0;
    score += type == AVMEDIA_TYPE_VIDEO
                 ? int64_t(st->codecpar->width) * st->codecpar->height
                 : st->codecpar->sample_rate;
    if (score > bestScore) {
      bestScore = score;
      best = int(i);
    }
  }
  return best;
}

void ThrowNoStream(AVFormatContext* fmt, AVMediaType type, const std::string& path) {
  const bool video = type == AVMEDIA_TYPE_VIDEO;
  if (FindStream(fmt, video ? AVMEDIA_TYPE_AUDIO : AVMEDIA_TYPE_VIDEO) >= 0)
    throw Error(video ? "NO_VIDEO_STREAM" : "NO_AUDIO_STREAM", path + (video ? ": has no video stream" : ": has no audio stream"), path);
  throw Error("NOT_MEDIA",
              path + ": no readable audio or video stream (" + std::to_string(fmt->nb_streams) +
                  " stream(s) of other kinds; a damaged or missing header, e.g. a corrupt MP4 'moov')",
              path);
}

std::string CodecName(AVCodecID id) {
  const char* n = avcodec_get_name(id);
  return n ? n : "unknown";
}

namespace {
std::atomic<int64_t> videoOpens{0}, audioOpens{0};
}

DecoderOpens DecoderOpenCounts() { return {videoOpens.load(), audioOpens.load()}; }

CodecPtr OpenDecoder(AVFormatContext* fmt, int stream, int threads, const std::string& path,
                     const std::function<void(AVCodecContext*, const AVCodec*)>& configure) {
  const AVStream* st = fmt->streams[stream];
  if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) videoOpens++;
  if (st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) audioOpens++;
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec) {
    throw Error("UNSUPPORTED_CODEC",
                path + ": no decoder for codec '" + CodecName(st->codecpar->codec_id) +
                    "' (stream " + std::to_string(stream) + ")",
                path);
  }
  CodecPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw std::bad_alloc();
  int r = avcodec_parameters_to_context(ctx.get(), st->codecpar);
  if (r < 0) {
    throw Error("UNSUPPORTED_CODEC", path + ": bad codec parameters (" + AvErrorText(r) + ")", path);
  }
  ctx->pkt_timebase = st->time_base;
  ctx->thread_count = threads;
  ctx->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  if (configure) configure(ctx.get(), codec);
  r = avcodec_open2(ctx.get(), codec, nullptr);
  if (r < 0) {
    throw Error("UNSUPPORTED_CODEC",
                path + ": cannot open the " + codec->name + " decoder (" + AvErrorText(r) + ")",
                path);
  }
  return ctx;
}

}  // namespace theval
