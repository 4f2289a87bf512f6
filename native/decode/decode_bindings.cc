#include "decode/decode_bindings.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>

#include "common/addon_data.h"
#include "common/errors.h"
#include "cuda/gpu_runtime.h"
#include "decode/audio_decoder.h"
#include "decode/video_decoder.h"
#include "decode/yuv420_rgb24_check.h"

namespace theval {

namespace {

Napi::Value Num(Napi::Env env, double v) { return Napi::Number::New(env, v); }

Napi::Array Strings(Napi::Env env, const std::vector<std::string>& v) {
  Napi::Array a = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); i++) a.Set(uint32_t(i), Napi::String::New(env, v[i]));
  return a;
}

Napi::Float64Array Float64(Napi::Env env, const std::vector<double>& v) {
  Napi::Float64Array a = Napi::Float64Array::New(env, v.size());
  if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(double));
  return a;
}

Napi::Object InfoToJs(Napi::Env env, const VideoInfo& i) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("path", i.path);
  o.Set("width", Num(env, i.width));
  o.Set("height", Num(env, i.height));
  o.Set("codedWidth", Num(env, i.codedWidth));
  o.Set("codedHeight", Num(env, i.codedHeight));
  o.Set("rotation", Num(env, i.rotation));
  o.Set("autorotate", Napi::Boolean::New(env, i.autorotate));
  o.Set("fps", Num(env, i.fps));
  o.Set("containerFrames", Num(env, double(i.containerFrames)));
  o.Set("duration", Num(env, i.duration));
  o.Set("codec", i.codec);
  o.Set("pixelFormat", i.pixelFormat);
  o.Set("bitRate", Num(env, double(i.bitRate)));
  if (i.audio.present) {
    Napi::Object a = Napi::Object::New(env);
    a.Set("codec", i.audio.codec);
    a.Set("sampleRate", Num(env, i.audio.sampleRate));
    a.Set("channels", Num(env, i.audio.channels));
    a.Set("duration", Num(env, i.audio.duration));
    o.Set("audio", a);
  } else {
    o.Set("audio", env.Null());
  }
  return o;
}

// A JS number that must be an integer in [lo, hi]: NaN, infinities, fractions and values
// past 2^53 are refused before any conversion (double -> integer outside the target range
// is undefined behaviour, and was how read(buf, Infinity) became a wrong NO_FRAMES).
bool IsIntegerIn(double d, double lo, double hi) { return d >= lo && d <= hi && d == std::floor(d); }
constexpr double kMaxSafeInteger = 9007199254740991.0;  // Number.MAX_SAFE_INTEGER

}  // namespace

Napi::Object VideoInfoToJs(Napi::Env env, const VideoInfo& info) { return InfoToJs(env, info); }

namespace {

std::string PathArg(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString())
    throw MakeJsError(info.Env(), "BAD_ARGUMENT", "expected a file path (string)", "");
  return info[0].As<Napi::String>().Utf8Value();
}

// ---- probe ----------------------------------------------------------------------------

class ProbeWorker : public PromiseWorker {
 public:
  ProbeWorker(Napi::Env env, std::string path) : PromiseWorker(env), path_(std::move(path)) {}

 protected:
  void Run() override {
    DecoderOptions opt;  // single threaded, so FFmpeg's error log lines reach this decoder
    VideoDecoder dec(path_, opt);
    while (dec.NextFrame()) {
    }
    info_ = dec.info();
    stats_ = dec.stats();
    warnings_ = stats_.Warnings(info_, true);
    if (stats_.framesRead == 0)
      throw Error("NO_FRAMES", path_ + ": the video stream has no decodable frame" +
                                   (warnings_.empty() ? "" : " (" + warnings_[0] + ")"),
                  path_);
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = InfoToJs(env, info_);
    o.Set("frameCount", Num(env, double(stats_.framesRead)));
    o.Set("decodeErrors", Num(env, double(stats_.decodeErrors + stats_.readErrors + stats_.corruptPackets + stats_.logged.count)));
    o.Set("corruptFrames", Num(env, double(stats_.corruptFrames)));
    o.Set("warnings", Strings(env, warnings_));
    o.Set("frameTimes", Float64(env, stats_.frameTimes));
    return o;
  }

 private:
  std::string path_;
  VideoInfo info_;
  DecodeStats stats_;
  std::vector<std::string> warnings_;
};

Napi::Value Probe(const Napi::CallbackInfo& info) {
  auto* w = new ProbeWorker(info.Env(), PathArg(info));
  w->Queue();
  return w->Promise();
}

// ---- frame timestamps without decoding ---------------------------------------------------

// The video stream's packet timestamps (pts, else dts) in seconds, sorted: the presentation
// times of its frames, read by demuxing only (a 10-minute file in well under a second).
// Packets without any timestamp are counted, not guessed.
class TimestampsWorker : public PromiseWorker {
 public:
  TimestampsWorker(Napi::Env env, std::string path) : PromiseWorker(env), path_(std::move(path)) {}

 protected:
  void Run() override {
    FormatPtr fmt = OpenMedia(path_);
    const int stream = FindStream(fmt.get(), AVMEDIA_TYPE_VIDEO);
    if (stream < 0) ThrowNoStream(fmt.get(), AVMEDIA_TYPE_VIDEO, path_);
    const AVStream* st = fmt->streams[stream];
    const AVRational rate = st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0 ? st->avg_frame_rate : st->r_frame_rate;
    fps_ = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0;
    const double tb = av_q2d(st->time_base);
    PacketPtr pkt = NewPacket();
    int errors = 0;
    for (;;) {
      const int r = av_read_frame(fmt.get(), pkt.get());
      if (r < 0) {
        if (r != AVERROR_EOF && !(fmt->pb && avio_feof(fmt->pb)) && ++errors < 64) continue;
        break;
      }
      if (pkt->stream_index == stream) {
        const int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
        if (ts == AV_NOPTS_VALUE) missing_++;
        else times_.push_back(double(ts) * tb);
      }
      av_packet_unref(pkt.get());
    }
    std::sort(times_.begin(), times_.end());
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("times", Float64(env, times_));
    o.Set("missing", Num(env, double(missing_)));
    o.Set("fps", Num(env, fps_));
    return o;
  }

 private:
  std::string path_;
  std::vector<double> times_;
  int64_t missing_ = 0;
  double fps_ = 0;
};

Napi::Value VideoTimestamps(const Napi::CallbackInfo& info) {
  auto* w = new TimestampsWorker(info.Env(), PathArg(info));
  w->Queue();
  return w->Promise();
}

// ---- VideoReader ----------------------------------------------------------------------

enum class PixelLayout { kRgb24, kRgbF32 };

struct FrameBlock {
  std::unique_ptr<uint8_t[]> data;
  size_t size = 0;
};

// Buffers from reader.allocate(): native memory a read co-owns (a shared_ptr), so it decodes
// into them directly, with no copy; they stay valid whatever JS does meanwhile. One registry
// for the process: a buffer allocated by one reader stays on the zero-copy path when it is
// reused with the next reader (as a consumer decoding many videos keeps one buffer).
class FrameBlocks {
 public:
  void Add(const std::shared_ptr<FrameBlock>& b) {
    std::lock_guard<std::mutex> lock(mu_);
    blocks_.push_back(b);
  }
  // The live block holding [p, p + n), if any.
  std::shared_ptr<FrameBlock> Find(const uint8_t* p, size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    std::shared_ptr<FrameBlock> hit;
    size_t live = 0;
    for (auto& w : blocks_) {
      std::shared_ptr<FrameBlock> b = w.lock();
      if (!b) continue;
      blocks_[live++] = w;
      if (!hit && p >= b->data.get() && n <= b->size && size_t(p - b->data.get()) <= b->size - n) hit = b;
    }
    blocks_.resize(live);
    return hit;
  }

 private:
  std::mutex mu_;
  std::vector<std::weak_ptr<FrameBlock>> blocks_;
};

FrameBlocks& AllocatedBlocks() {
  static FrameBlocks* blocks = new FrameBlocks();  // leaked: outlives every reader and worker
  return *blocks;
}

struct ReaderState {
  std::unique_ptr<VideoDecoder> decoder;
  PixelLayout layout = PixelLayout::kRgb24;
  bool gpu = false;
  std::unique_ptr<gpu::YuvToRgbConverter> converter;
  int64_t cpuFallbackFrames = 0;
  // Frames for a caller's own buffer are decoded here, off the JS thread, and copied into
  // it on the JS thread when the read settles: the worker never holds a pointer into memory
  // it does not own, so a buffer detached or transferred (structuredClone, postMessage)
  // while a read is pending cannot be written after it changed owner or was freed.
  // Reused across reads.
  std::vector<uint8_t> staging;
  bool busy = false;
  bool closed = false;

  size_t FrameBytes() const {
    size_t px = size_t(decoder->info().width) * decoder->info().height;
    return layout == PixelLayout::kRgb24 ? px * 3 : px * 3 * sizeof(float);
  }
  std::vector<std::string> Warnings() const {
    std::vector<std::string> w = decoder->stats().Warnings(decoder->info(), decoder->finished());
    if (cpuFallbackFrames > 0)
      w.push_back(std::to_string(cpuFallbackFrames) +
                  " frame(s) were converted on the CPU (the GPU kernel takes unrotated 8-bit 4:2:0)");
    return w;
  }
};

bool GpuConvertible(const AVFrame* f, const VideoInfo& info) {
  const auto fmt = AVPixelFormat(f->format);
  bool yuv = fmt == AV_PIX_FMT_YUV420P || fmt == AV_PIX_FMT_YUVJ420P || fmt == AV_PIX_FMT_NV12;
  return yuv && (!info.autorotate || info.rotation == 0) && f->width == info.codedWidth &&
         f->height == info.codedHeight;
}

class OpenWorker : public PromiseWorker {
 public:
  OpenWorker(Napi::Env env, std::string path, DecoderOptions opt, PixelLayout layout, bool gpu)
      : PromiseWorker(env), path_(std::move(path)), opt_(opt), state_(std::make_shared<ReaderState>()) {
    state_->layout = layout;
    state_->gpu = gpu;
  }

 protected:
  void Run() override {
    if (state_->gpu) {
      gpu::EnsureAvailable(path_);
      state_->converter = std::make_unique<gpu::YuvToRgbConverter>();
    }
    state_->decoder = std::make_unique<VideoDecoder>(path_, opt_);
  }
  Napi::Value Result(Napi::Env env) override {
    AddonData* data = GetAddonData(env);
    auto* holder = new std::shared_ptr<ReaderState>(state_);
    Napi::External<std::shared_ptr<ReaderState>> ext = Napi::External<std::shared_ptr<ReaderState>>::New(
        env, holder, [](Napi::Env, std::shared_ptr<ReaderState>* h) { delete h; });
    Napi::Object reader = data->videoReaderCtor.New({ext});
    reader.Set("info", InfoToJs(env, state_->decoder->info()));
    reader.Set("frameBytes", Num(env, double(state_->FrameBytes())));
    return reader;
  }

 private:
  std::string path_;
  DecoderOptions opt_;
  std::shared_ptr<ReaderState> state_;
};

class ReadWorker : public PromiseWorker {
 public:
  // block: the reader-allocated memory dst lies in (decode straight into it at direct), or
  // null (decode into the staging buffer, copied into dst when the read settles).
  ReadWorker(Napi::Env env, std::shared_ptr<ReaderState> state, Napi::TypedArray dst, size_t maxFrames,
             std::shared_ptr<FrameBlock> block, uint8_t* direct)
      : PromiseWorker(env), state_(std::move(state)), maxFrames_(maxFrames), block_(std::move(block)), direct_(direct) {
    dstRef_ = Napi::Persistent(dst.As<Napi::Object>());
  }

 protected:
  void Run() override {
    ReaderState& s = *state_;
    VideoDecoder& dec = *s.decoder;
    const size_t frameBytes = s.FrameBytes();
    const VideoInfo& vi = dec.info();
    uint8_t* base = direct_;
    if (!base) {
      if (s.staging.size() < maxFrames_ * frameBytes) s.staging.resize(maxFrames_ * frameBytes);
      base = s.staging.data();
    }
    while (count_ < maxFrames_) {
      const AVFrame* f = dec.NextFrame();
      if (!f) break;
      uint8_t* dst = base + count_ * frameBytes;
      if (s.layout == PixelLayout::kRgb24) {
        dec.ToRgb24(f, dst);
      } else if (s.gpu && GpuConvertible(f, vi)) {
        const bool nv12 = f->format == AV_PIX_FMT_NV12;
        s.converter->Convert(f->data[0], f->linesize[0], f->data[1], nv12 ? nullptr : f->data[2],
                             f->linesize[1], f->width, f->height, f->colorspace == AVCOL_SPC_BT709,
                             f->color_range == AVCOL_RANGE_JPEG || f->format == AV_PIX_FMT_YUVJ420P,
                             reinterpret_cast<float*>(dst));
      } else {
        if (s.gpu) s.cpuFallbackFrames++;
        dec.ToRgbF32Planar(f, reinterpret_cast<float*>(dst));
      }
      count_++;
    }
    frameBytes_ = frameBytes;
    if (count_ == 0 && dec.stats().framesRead == 0) {
      auto w = dec.stats().Warnings(vi, true);
      throw Error("NO_FRAMES", vi.path + ": the video stream has no decodable frame" +
                                   (w.empty() ? "" : " (" + w[0] + ")"),
                  vi.path);
    }
  }
  Napi::Value Result(Napi::Env env) override {
    // On the JS thread: the buffer is whatever it is now, checked again before the copy.
    Napi::TypedArray dst = dstRef_.Value().As<Napi::TypedArray>();
    const size_t bytes = count_ * frameBytes_;
    if (dst.ArrayBuffer().IsDetached() || dst.ByteLength() < bytes)
      throw MakeJsError(env, "BAD_ARGUMENT",
                        "read(): the buffer was detached or transferred while the read was pending; the " +
                            std::to_string(count_) + " frame(s) decoded for it were dropped",
                        "");
    if (direct_) return Num(env, double(count_));  // already in place
    if (bytes > 0)
      std::memcpy(static_cast<uint8_t*>(dst.ArrayBuffer().Data()) + dst.ByteOffset(), state_->staging.data(), bytes);
    if (state_->closed) std::vector<uint8_t>().swap(state_->staging);  // closed during this read
    return Num(env, double(count_));
  }
  // Runs before Result(): the staging buffer must outlive it (released there when closed).
  void Settled() override {
    state_->busy = false;
    if (state_->closed) state_->decoder.reset(), state_->converter.reset();
  }

 private:
  std::shared_ptr<ReaderState> state_;
  Napi::ObjectReference dstRef_;  // released with the worker, after Result() copied into it
  size_t maxFrames_;
  std::shared_ptr<FrameBlock> block_;  // keeps direct_'s memory alive until the worker is gone
  uint8_t* direct_ = nullptr;
  size_t count_ = 0;
  size_t frameBytes_ = 0;
};

class VideoReader : public Napi::ObjectWrap<VideoReader> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "VideoReader",
                       {InstanceMethod<&VideoReader::Read>("read"),
                        InstanceMethod<&VideoReader::Stats>("stats"),
                        InstanceMethod<&VideoReader::FrameTimes>("frameTimes"),
                        InstanceMethod<&VideoReader::Allocate>("allocate"),
                        InstanceMethod<&VideoReader::Close>("close")});
  }

  explicit VideoReader(const Napi::CallbackInfo& info) : Napi::ObjectWrap<VideoReader>(info) {
    if (info.Length() < 1 || !info[0].IsExternal())
      throw MakeJsError(info.Env(), "BAD_ARGUMENT", "VideoReader is created by openVideo()", "");
    state_ = *info[0].As<Napi::External<std::shared_ptr<ReaderState>>>().Data();
  }

 private:
  void CheckUsable(Napi::Env env) {
    if (state_->closed || !state_->decoder)
      throw MakeJsError(env, "CLOSED", "the video reader is closed", "");
    if (state_->busy)
      throw MakeJsError(env, "BUSY", state_->decoder->info().path + ": a read is already in progress on this reader",
                        state_->decoder->info().path);
  }

  Napi::Value Read(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckUsable(env);
    if (info.Length() < 2 || !info[0].IsTypedArray())
      throw MakeJsError(env, "BAD_ARGUMENT", "read(dst: Uint8Array | Float32Array, maxFrames: number)", "");
    if (!info[1].IsNumber())
      throw MakeJsError(env, "BAD_ARGUMENT", "read(): maxFrames must be a positive safe integer, got a " +
                                                 std::string(info[1].IsString() ? "string" : info[1].IsBigInt() ? "bigint" : "non-number"),
                        "");
    Napi::TypedArray dst = info[0].As<Napi::TypedArray>();
    const bool f32 = state_->layout == PixelLayout::kRgbF32;
    if (dst.TypedArrayType() != (f32 ? napi_float32_array : napi_uint8_array))
      throw MakeJsError(env, "BAD_ARGUMENT",
                        std::string("read(): the reader's format needs a ") + (f32 ? "Float32Array" : "Uint8Array"), "");
    // maxFrames x frameBytes must fit the buffer without overflowing: n = 2^46 on a 512x512
    // video wrapped the product to a small number and the decoder wrote past an 8-byte buffer.
    const double maxFramesD = info[1].As<Napi::Number>().DoubleValue();
    if (!IsIntegerIn(maxFramesD, 1, kMaxSafeInteger))
      throw MakeJsError(env, "BAD_ARGUMENT",
                        "read(): maxFrames must be a positive safe integer, got " + Napi::Value(info[1]).ToString().Utf8Value(),
                        "");
    const size_t frameBytes = state_->FrameBytes();
    const size_t have = dst.ByteLength();
    if (frameBytes == 0 || maxFramesD > double(have / frameBytes))
      throw MakeJsError(env, "BAD_ARGUMENT",
                        "read(): buffer holds " + std::to_string(have) + " bytes (" + std::to_string(frameBytes ? have / frameBytes : 0) +
                            " frame(s) of " + std::to_string(frameBytes) + " bytes), asked for " +
                            Napi::Value(info[1]).ToString().Utf8Value() + " frame(s)",
                        "");
    const size_t maxFrames = size_t(maxFramesD);  // <= have / frameBytes: the product cannot overflow
    uint8_t* base = static_cast<uint8_t*>(dst.ArrayBuffer().Data()) + dst.ByteOffset();
    std::shared_ptr<FrameBlock> block = AllocatedBlocks().Find(base, maxFrames * frameBytes);
    state_->busy = true;
    auto* w = new ReadWorker(env, state_, dst, maxFrames, block, block ? base : nullptr);
    w->Queue();
    return w->Promise();
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckUsable(env);
    const DecodeStats& st = state_->decoder->stats();
    Napi::Object o = Napi::Object::New(env);
    o.Set("framesRead", Num(env, double(st.framesRead)));
    o.Set("decodeErrors", Num(env, double(st.decodeErrors + st.readErrors + st.corruptPackets + st.logged.count)));
    o.Set("corruptFrames", Num(env, double(st.corruptFrames)));
    Napi::Object conv = Napi::Object::New(env);
    conv.Set("simd", Num(env, double(st.simdFrames)));
    conv.Set("swscale", Num(env, double(st.swscaleFrames)));
    o.Set("rgbFrames", conv);
    o.Set("warnings", Strings(env, state_->Warnings()));
    return o;
  }

  // allocate(bytes) -> ArrayBuffer over native memory reads write into directly (zero
  // copy), this reader's and any other's. The memory lives until both JS and any pending read let go.
  Napi::Value Allocate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (state_->closed) throw MakeJsError(env, "CLOSED", "the video reader is closed", "");  // busy is fine
    const double bytes = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : NAN;
    if (!IsIntegerIn(bytes, 1, double(size_t(1) << 40)))
      throw MakeJsError(env, "BAD_ARGUMENT", "allocate(bytes): bytes must be an integer in 1..2^40", "");
    auto block = std::make_shared<FrameBlock>();
    block->size = size_t(bytes);
    block->data.reset(new (std::nothrow) uint8_t[block->size]());
    if (!block->data) throw MakeJsError(env, "OUT_OF_MEMORY", "allocate(): out of memory", "");
    AllocatedBlocks().Add(block);
    auto* owner = new std::shared_ptr<FrameBlock>(block);
    Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(
        env, block->data.get(), block->size,
        [](Napi::Env e, void*, std::shared_ptr<FrameBlock>* o) {
          Napi::MemoryManagement::AdjustExternalMemory(e, -int64_t((*o)->size));
          delete o;
        },
        owner);
    Napi::MemoryManagement::AdjustExternalMemory(env, int64_t(block->size));
    return ab;
  }

  // Timestamps (seconds) of the frames decoded so far, one per frame, in read() order.
  Napi::Value FrameTimes(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckUsable(env);
    return Float64(env, state_->decoder->stats().frameTimes);
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    state_->closed = true;
    if (!state_->busy) {
      state_->decoder.reset();
      state_->converter.reset();
    }
    return info.Env().Undefined();
  }

  std::shared_ptr<ReaderState> state_;
};

Napi::Value OpenVideo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = PathArg(info);
  Napi::Object opts = info.Length() > 1 && info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  DecoderOptions opt;
  const double threads = GetNumber(opts, "threads", 1);
  if (!IsIntegerIn(threads, 0, 64)) throw MakeJsError(env, "BAD_ARGUMENT", "threads must be an integer in 0..64", path);
  opt.threads = int(threads);
  opt.autorotate = GetBool(opts, "autorotate", true);
  std::string format = GetString(opts, "format", "rgb24");
  if (format != "rgb24" && format != "rgbf32")
    throw MakeJsError(env, "BAD_ARGUMENT", "format must be 'rgb24' or 'rgbf32'", path);
  bool gpu = GetBool(opts, "gpu", false);
  if (gpu && format != "rgbf32")
    throw MakeJsError(env, "BAD_ARGUMENT", "gpu: true needs format 'rgbf32' (the GPU kernel writes planar float)", path);
  auto* w = new OpenWorker(env, path, opt, format == "rgb24" ? PixelLayout::kRgb24 : PixelLayout::kRgbF32, gpu);
  w->Queue();
  return w->Promise();
}

// ---- audio ----------------------------------------------------------------------------

class AudioWorker : public PromiseWorker {
 public:
  AudioWorker(Napi::Env env, std::string path, int rate) : PromiseWorker(env), path_(std::move(path)), rate_(rate) {}

 protected:
  void Run() override {
    audio_ = std::make_unique<DecodedAudio>(DecodeAudio(path_, rate_));
    if (audio_->samples.empty()) audio_->warnings.push_back("the audio stream decoded to 0 samples");
  }
  Napi::Value Result(Napi::Env env) override {
    auto* samples = new std::vector<float>(std::move(audio_->samples));
    Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(
        env, samples->data(), samples->size() * sizeof(float),
        [](Napi::Env, void*, std::vector<float>* v) { delete v; }, samples);
    Napi::Object o = Napi::Object::New(env);
    o.Set("samples", Napi::Float32Array::New(env, samples->size(), ab, 0));
    o.Set("sampleRate", Num(env, audio_->sampleRate));
    o.Set("sourceSampleRate", Num(env, audio_->sourceSampleRate));
    o.Set("sourceChannels", Num(env, audio_->sourceChannels));
    o.Set("codec", audio_->codec);
    o.Set("decodeErrors", Num(env, double(audio_->decodeErrors)));
    o.Set("warnings", Strings(env, audio_->warnings));
    return o;
  }

 private:
  std::string path_;
  int rate_;
  std::unique_ptr<DecodedAudio> audio_;
};

Napi::Value DecodeAudioJs(const Napi::CallbackInfo& info) {
  std::string path = PathArg(info);
  double rate = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 0;
  if (!(rate >= 0 && rate <= 768000) || rate != std::floor(rate))
    throw MakeJsError(info.Env(), "BAD_ARGUMENT", "sampleRate must be an integer in 0..768000 (0 = native)", path);
  auto* w = new AudioWorker(info.Env(), path, int(rate));
  w->Queue();
  return w->Promise();
}

// Test hook: checkYuv420Rgb24({ colorspace, fullRange, width, height, exhaustive, seed }).
// Synchronous (an exhaustive check converts 2^24 pixels three ways, ~0.3 s).
Napi::Value CheckYuv420Rgb24Js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject())
    throw MakeJsError(env, "BAD_ARGUMENT", "checkYuv420Rgb24(options)", "");
  Napi::Object o = info[0].As<Napi::Object>();
  const double cs = GetNumber(o, "colorspace", 5), w = GetNumber(o, "width", 512), h = GetNumber(o, "height", 512),
               seed = GetNumber(o, "seed", 1);
  if (!IsIntegerIn(cs, 0, 255) || !IsIntegerIn(w, 1, 16384) || !IsIntegerIn(h, 1, 16384) || !IsIntegerIn(seed, 0, 4294967295.0))
    throw MakeJsError(env, "BAD_ARGUMENT", "checkYuv420Rgb24: colorspace 0..255, width/height 1..16384, seed 0..2^32-1", "");
  YuvRgbCheck r;
  try {
    r = CheckYuv420Rgb24(int(cs), GetBool(o, "fullRange", false), int(w), int(h), GetBool(o, "exhaustive", false),
                         uint32_t(seed));
  } catch (const std::exception& e) {
    throw MakeJsError(env, "BAD_ARGUMENT", e.what(), "");
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("pixels", Num(env, double(r.pixels)));
  out.Set("vectorMismatches", Num(env, double(r.vectorMismatches)));
  out.Set("scalarMismatches", Num(env, double(r.scalarMismatches)));
  out.Set("vectorized", Napi::Boolean::New(env, r.vectorized));
  return out;
}

}  // namespace

void InitDecode(Napi::Env env, Napi::Object exports) {
  GetAddonData(env)->videoReaderCtor = Napi::Persistent(VideoReader::Define(env));
  exports.Set("probe", Napi::Function::New<Probe>(env, "probe"));
  exports.Set("openVideo", Napi::Function::New<OpenVideo>(env, "openVideo"));
  exports.Set("videoTimestamps", Napi::Function::New<VideoTimestamps>(env, "videoTimestamps"));
  exports.Set("decodeAudio", Napi::Function::New<DecodeAudioJs>(env, "decodeAudio"));
  exports.Set("checkYuv420Rgb24", Napi::Function::New<CheckYuv420Rgb24Js>(env, "checkYuv420Rgb24"));
}

}  // namespace theval
