// Small FFmpeg helpers shared by the video and audio decoders: RAII owners, error text,
// opening a file with the error codes theval reports, opening a stream's decoder.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
}

#include <functional>
#include <memory>
#include <string>

namespace theval {

std::string AvErrorText(int err);

struct FormatCloser {
  void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};
struct CodecCloser {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameFreer {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketFreer {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
using FormatPtr = std::unique_ptr<AVFormatContext, FormatCloser>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecCloser>;
using FramePtr = std::unique_ptr<AVFrame, FrameFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;

FramePtr NewFrame();
PacketPtr NewPacket();

// Opens and probes a media file. Throws FILE_NOT_FOUND or NOT_MEDIA.
FormatPtr OpenMedia(const std::string& path);

// Index of the best stream of the type (attached pictures such as cover art are not
// video), or -1.
int FindStream(AVFormatContext* fmt, AVMediaType type);

// The error for a missing stream of `type`: NO_VIDEO_STREAM / NO_AUDIO_STREAM when the file
// has the other kind (an audio-only file), NOT_MEDIA when it has neither (a damaged or
// missing header: a corrupt MP4 moov reads as a file with no usable stream).
[[noreturn]] void ThrowNoStream(AVFormatContext* fmt, AVMediaType type, const std::string& path);

// Opens a decoder for the stream. threads: 0 = FFmpeg's choice, 1 = single threaded.
// Throws UNSUPPORTED_CODEC.
// configure (optional): called on the context before it is opened (e.g. to attach a hwaccel).
CodecPtr OpenDecoder(AVFormatContext* fmt, int stream, int threads, const std::string& path,
                     const std::function<void(AVCodecContext*, const AVCodec*)>& configure = {});

std::string CodecName(AVCodecID id);

// Decoders opened in this process so far, by kind (OpenDecoder counts them): the
// throughput bench reads these to report decodes per video from what really happened.
struct DecoderOpens {
  int64_t video = 0, audio = 0;
};
DecoderOpens DecoderOpenCounts();

}  // namespace theval
