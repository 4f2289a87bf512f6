#include "decode/yuv420_rgb24_check.h"

extern "C" {
#include <libswscale/swscale.h>
}

#include <stdexcept>
#include <vector>

#include "decode/yuv420_rgb24.h"

namespace theval {

YuvRgbCheck CheckYuv420Rgb24(int colorspace, bool fullRange, int width, int height, bool exhaustive,
                             uint32_t seed) {
  if (exhaustive) width = height = 4096;
  if (width < 1 || height < 1 || width > 8192 || height > 8192)
    throw std::invalid_argument("CheckYuv420Rgb24: size out of range");
  const int cw = (width + 1) / 2, ch = (height + 1) / 2;
  const int ys = width + 64, cs = cw + 64;  // padded planes, as decoders allocate them
  std::vector<uint8_t> Y(size_t(ys) * height), U(size_t(cs) * ch), V(size_t(cs) * ch);
  if (exhaustive) {
    // Chroma block b carries (U, V) = (b mod 256, (b / 256) mod 256); its 4 luma samples
    // run through 4 consecutive Y values, the (b / 65536)th group of 4: all 2^24 triples.
    for (int by = 0; by < ch; by++) {
      for (int bx = 0; bx < cw; bx++) {
        const int64_t b = int64_t(by) * cw + bx;
        const int uv = int(b % 65536), g = int((b / 65536) % 64);
        U[size_t(by) * cs + bx] = uint8_t(uv & 255);
        V[size_t(by) * cs + bx] = uint8_t(uv >> 8);
        for (int k = 0; k < 4; k++) Y[size_t(2 * by + (k >> 1)) * ys + 2 * bx + (k & 1)] = uint8_t(g * 4 + k);
      }
    }
  } else {
    uint32_t s = seed * 2654435761u + 1;
    auto next = [&s] { s ^= s << 13; s ^= s >> 17; s ^= s << 5; return uint8_t(s >> 7); };
    for (auto& v : Y) v = next();
    for (auto& v : U) v = next();
    for (auto& v : V) v = next();
  }
  SwsContext* sws = sws_getContext(width, height, AV_PIX_FMT_YUV420P, width, height, AV_PIX_FMT_RGB24,
                                   SWS_BICUBIC, nullptr, nullptr, nullptr);
  if (!sws) throw std::runtime_error("CheckYuv420Rgb24: no swscale context");
  int *inv, *table, inFull, outFull, brightness, contrast, saturation;
  sws_getColorspaceDetails(sws, &inv, &inFull, &table, &outFull, &brightness, &contrast, &saturation);
  const int* coeffs = sws_getCoefficients(colorspace);
  sws_setColorspaceDetails(sws, coeffs, fullRange, coeffs, outFull, brightness, contrast, saturation);
  const YuvRgbCoeffs k = SwsYuvRgbCoeffs(coeffs, fullRange, brightness, contrast, saturation);

  const int stride = ((width + 31) & ~31) * 3 + 64;  // padded: see VideoDecoder::ConvertUnrotated
  std::vector<uint8_t> ref(size_t(stride) * height + 64), vec(size_t(width) * 3 * height),
      sca(size_t(width) * 3 * height);
  const uint8_t* src[4] = {Y.data(), U.data(), V.data(), nullptr};
  const int srcStride[4] = {ys, cs, cs, 0};
  uint8_t* dst[4] = {ref.data(), nullptr, nullptr, nullptr};
  const int dstStride[4] = {stride, 0, 0, 0};
  sws_scale(sws, src, srcStride, 0, height, dst, dstStride);
  sws_freeContext(sws);
  Yuv420ToRgb24(src, srcStride, width, height, k, vec.data(), width * 3);
  Yuv420ToRgb24Scalar(src, srcStride, width, height, k, sca.data(), width * 3);

  YuvRgbCheck r;
  r.pixels = int64_t(width) * height;
  r.vectorized = Yuv420ToRgb24Vectorized();
  for (int y = 0; y < height; y++) {
    const uint8_t* a = ref.data() + size_t(y) * stride;
    const uint8_t* b = vec.data() + size_t(y) * width * 3;
    const uint8_t* c = sca.data() + size_t(y) * width * 3;
    for (int x = 0; x < width * 3; x++) {
      r.vectorMismatches += a[x] != b[x];
      r.scalarMismatches += a[x] != c[x];
    }
  }
  return r;
}

}  // namespace theval
