#include "decode/audio_decoder.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

#include "common/errors.h"
#include "decode/ffmpeg_log.h"
#include "decode/ffmpeg_util.h"

#include <cstdio>

namespace theval {

namespace {

struct SwrFreer {
  void operator()(SwrContext* s) const { swr_free(&s); }
};
using SwrPtr = std::unique_ptr<SwrContext, SwrFreer>;

class MonoResampler {
 public:
  MonoResampler(const AVFrame* first, int outRate, const std::string& path) : outRate_(outRate) {
    AVChannelLayout in;
    if (first->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || first->ch_layout.nb_channels <= 0) {
      av_channel_layout_default(&in, first->ch_layout.nb_channels > 0 ? first->ch_layout.nb_channels : 1);
    } else {
      av_channel_layout_copy(&in, &first->ch_layout);
    }
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    SwrContext* raw = nullptr;
    int r = swr_alloc_set_opts2(&raw, &mono, AV_SAMPLE_FMT_FLT, outRate, &in,
                                AVSampleFormat(first->format), first->sample_rate, 0, nullptr);
    av_channel_layout_uninit(&in);
    if (r < 0 || !raw || (r = swr_init(raw)) < 0) {
      swr_free(&raw);
      throw Error("UNSUPPORTED_CODEC", path + ": cannot resample the audio (" + AvErrorText(r) + ")", path);
    }
    swr_.reset(raw);
    inRate_ = first->sample_rate;
    inFormat_ = first->format;
    av_channel_layout_copy(&inLayout_, &first->ch_layout);
  }
  ~MonoResampler() { av_channel_layout_uninit(&inLayout_); }

  // A frame this resampler was not configured for: another sample rate, channel layout or
  // sample format (joined recordings, broadcast streams switching between stereo and 5.1).
  bool Accepts(const AVFrame* f) const {
    return f->sample_rate == inRate_ && f->format == inFormat_ && av_channel_layout_compare(&f->ch_layout, &inLayout_) == 0;
  }

  void Push(const AVFrame* f, std::vector<float>& out) {
    Convert(const_cast<const uint8_t**>(f->extended_data), f->nb_samples, out);
  }
  void Flush(std::vector<float>& out) { Convert(nullptr, 0, out); }
  int inRate() const { return inRate_; }

 private:
  void Convert(const uint8_t** in, int n, std::vector<float>& out) {
    for (;;) {
      int cap = swr_get_out_samples(swr_.get(), n);
      if (cap <= 0) return;
      size_t at = out.size();
      out.resize(at + size_t(cap));
      uint8_t* dst = reinterpret_cast<uint8_t*>(out.data() + at);
      int got = swr_convert(swr_.get(), &dst, cap, in, n);
      if (got < 0) {
        out.resize(at);
        return;
      }
      out.resize(at + size_t(got));
      if (in || got == 0) return;  // a push converts in one call; a flush loops until empty
    }
  }
  SwrPtr swr_;
  int outRate_;
  int inRate_ = 0;
  int inFormat_ = -1;
  AVChannelLayout inLayout_{};
};

constexpr bool kFlushOnReconfigure = false;

}  // namespace

DecodedAudio DecodeAudio(const std::string& path, int sampleRate) {
  return std::move(DecodeAudioRates(path, {sampleRate})[0]);
}

std::vector<DecodedAudio> DecodeAudioRates(const std::string& path, const std::vector<int>& sampleRates) {
  if (sampleRates.empty()) throw Error("BAD_ARGUMENT", "DecodeAudioRates: no sample rate requested", path);
  FormatPtr fmt = OpenMedia(path);
  int stream = FindStream(fmt.get(), AVMEDIA_TYPE_AUDIO);
  if (stream < 0) ThrowNoStream(fmt.get(), AVMEDIA_TYPE_AUDIO, path);
  CodecPtr codec = OpenDecoder(fmt.get(), stream, 1, path);
  const AVStream* st = fmt->streams[stream];

  // One decode, one resampler per requested rate: outs[k] is what a decode of its own at
  // sampleRates[k] would give (the same frames into the same libswresample set-up).
  std::vector<DecodedAudio> outs(sampleRates.size());
  DecodedAudio& out = outs[0];  // decode facts are kept here and copied to the others at the end
  for (size_t k = 0; k < outs.size(); k++) {
    outs[k].codec = CodecName(st->codecpar->codec_id);
    outs[k].sourceSampleRate = st->codecpar->sample_rate;
    outs[k].sourceChannels = st->codecpar->ch_layout.nb_channels;
    const int outRate = sampleRates[k] > 0 ? sampleRates[k] : outs[k].sourceSampleRate;
    if (outRate <= 0) throw Error("NOT_MEDIA", path + ": the audio stream has no sample rate", path);
    outs[k].sampleRate = outRate;
    // Room for the stated duration, up front; the stated duration is the container's word
    // (a damaged header said 5e9 s and the reservation threw), so it is trusted only up to
    // about 5 minutes at 48 kHz. Longer audio grows the vector as it decodes.
    if (st->duration != AV_NOPTS_VALUE) {
      const double want = double(st->duration) * av_q2d(st->time_base) * outRate * 1.01;
      if (want > 0 && want < 16e6) outs[k].samples.reserve(size_t(want) + 4096);
    }
  }

  InstallFfmpegLog();
  LogErrors logged;
  LogCapture capture(&logged);
  FramePtr frame = NewFrame();
  PacketPtr packet = NewPacket();
  std::vector<std::unique_ptr<MonoResampler>> resamplers(outs.size());
  // Timestamp gaps between decoded frames: data the demuxer or decoder dropped without an
  // error (e.g. an MPEG-TS whose ADTS sync words were destroyed). The samples after a gap
  // are appended without silence (as `ffmpeg -ac 1 -ar N` does), so they are reported.
  const double tb = av_q2d(st->time_base);
  double expectNext = -1;  // seconds
  double firstTs = -1;     // timestamp of the first decoded frame (gap positions are relative to it)
  int64_t gaps = 0;
  double gapSeconds = 0;
  double firstGapAt = 0;
  int64_t readErrors = 0;
  bool draining = false;
  for (;;) {
    int r = avcodec_receive_frame(codec.get(), frame.get());
    if (r == 0) {
      if (!resamplers[0]) {
        for (size_t k = 0; k < outs.size(); k++)
          resamplers[k] = std::make_unique<MonoResampler>(frame.get(), outs[k].sampleRate, path);
      } else if (!resamplers[0]->Accepts(frame.get())) {
        // As ffmpeg's CLI (`-ac 1 -ar N`): a new resampler for the new input parameters. ffmpeg
        // rebuilds its filter graph without draining the old one; so does this, which keeps
        // the output sample for sample equal to ffmpeg's (the old resampler's few delayed
        // input samples, under 1 ms, are dropped by both).
        for (size_t k = 0; k < outs.size(); k++) {
          if (kFlushOnReconfigure) resamplers[k]->Flush(outs[k].samples);
          resamplers[k] = std::make_unique<MonoResampler>(frame.get(), outs[k].sampleRate, path);
        }
      }
      if (frame->best_effort_timestamp != AV_NOPTS_VALUE && frame->sample_rate > 0) {
        double at = double(frame->best_effort_timestamp) * tb;
        if (firstTs < 0 && expectNext < 0) firstTs = at;
        double len = double(frame->nb_samples) / frame->sample_rate;
        // More than 1 ms missing (half a sample period of jitter is normal in some muxers).
        if (expectNext >= 0 && at - expectNext > 0.001) {
          if (gaps == 0) firstGapAt = expectNext - firstTs;
          gaps++;
          gapSeconds += at - expectNext;
        }
        // The expectation accumulates decoded durations while frames arrive early: a demuxer
        // interpolates the timestamps of frames that share one MPEG-TS packet at the stream's
        // first sample rate, so after a 48 -> 44.1 kHz switch every 10th frame looked 17 ms
        // late (a false "data was lost"). A jump back of more than 0.5 s (timestamps that
        // restart) starts a new expectation.
        expectNext = (expectNext < 0 || at > expectNext || at < expectNext - 0.5 ? at : expectNext) + len;
      }
      for (size_t k = 0; k < outs.size(); k++) resamplers[k]->Push(frame.get(), outs[k].samples);
      continue;
    }
    if (r == AVERROR_EOF) break;
    if (r != AVERROR(EAGAIN)) {
      out.decodeErrors++;
      if (draining) break;
    }
    if (draining) continue;
    r = av_read_frame(fmt.get(), packet.get());
    if (r < 0) {
      if (r != AVERROR_EOF && !(fmt->pb && avio_feof(fmt->pb)) && ++readErrors < 64) continue;
      avcodec_send_packet(codec.get(), nullptr);
      draining = true;
      continue;
    }
    if (packet->stream_index == stream) {
      r = avcodec_send_packet(codec.get(), packet.get());
      if (r < 0 && r != AVERROR(EAGAIN) && r != AVERROR_EOF) out.decodeErrors++;
    }
    av_packet_unref(packet.get());
  }
  for (size_t k = 0; k < outs.size(); k++)
    if (resamplers[k]) resamplers[k]->Flush(outs[k].samples);
  if (out.decodeErrors > 0)
    out.warnings.push_back(std::to_string(out.decodeErrors) + " audio packet(s) could not be decoded (corrupt data)");
  if (readErrors > 0)
    out.warnings.push_back(std::to_string(readErrors) + " read error(s) in the container (truncated or corrupt file)");
  if (gaps > 0) {
    char buf[256];
    std::snprintf(buf, sizeof(buf),
                  "%lld gap(s) in the audio timestamps, %.3f s in all (first at %.3f s): data was lost; "
                  "later audio is joined without silence and plays earlier than its timestamps",
                  static_cast<long long>(gaps), gapSeconds, firstGapAt);
    out.warnings.push_back(buf);
  }
  if (logged.count > 0)
    out.warnings.push_back(std::to_string(logged.count) + " FFmpeg error message(s) while reading the audio (first: " +
                           logged.first + ")");
  for (size_t k = 0; k < outs.size(); k++) {
    if (k > 0) {
      outs[k].decodeErrors = out.decodeErrors;
      outs[k].warnings = out.warnings;
    }
    outs[k].samples.shrink_to_fit();
  }
  return outs;
}

}  // namespace theval
