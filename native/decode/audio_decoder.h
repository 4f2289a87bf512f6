// Decodes a file's audio stream to mono float32, resampled to a requested rate with
// libswresample (the same resampler and downmix FFmpeg's `-ac 1 -ar N` uses).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace theval {

struct DecodedAudio {
  std::vector<float> samples;  // mono
  int sampleRate = 0;
  int sourceSampleRate = 0;
  int sourceChannels = 0;
  std::string codec;
  int64_t decodeErrors = 0;
  std::vector<std::string> warnings;
};

// sampleRate 0 keeps the stream's own rate. Throws FILE_NOT_FOUND, NOT_MEDIA,
// NO_AUDIO_STREAM, UNSUPPORTED_CODEC.
DecodedAudio DecodeAudio(const std::string& path, int sampleRate);

// One decode of the audio stream resampled to several rates at once (e.g. 16 kHz for the
// VAD and the stream's own rate for loudness): element k equals DecodeAudio(path, rates[k]).
std::vector<DecodedAudio> DecodeAudioRates(const std::string& path, const std::vector<int>& sampleRates);

}  // namespace theval
