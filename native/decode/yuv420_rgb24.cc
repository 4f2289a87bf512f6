#include "decode/yuv420_rgb24.h"

#include "decode/yuv_rgb24_pixel.h"

#include <cstddef>

#if (defined(__x86_64__) || defined(__i386__)) && !defined(THEVAL_NO_X86_SIMD)
#define THEVAL_X86 1
#include <immintrin.h>
#else
#define THEVAL_X86 0  // other CPUs: libswscale converts every frame (its arithmetic differs there)
#endif

namespace theval {

namespace {

// libswscale's roundToInt16 (yuv2rgb.c).
int16_t RoundToInt16(int64_t f) {
  const int r = int((f + (1 << 15)) >> 16);
  if (r < -0x7FFF) return int16_t(-0x8000);
  if (r > 0x7FFF) return int16_t(0x7FFF);
  return int16_t(r);
}

void RowScalar(const uint8_t* py, const uint8_t* pu, const uint8_t* pv, int x0, int w,
               const YuvRgbCoeffs& k, uint8_t* d) {
  for (int x = x0; x < w; x++) YuvToRgb24(py[x], pu[x >> 1], pv[x >> 1], k, d + 3 * x);
}

#if THEVAL_X86
// Shuffle index for output chunk c (16 bytes), channel ch, byte i: the pixel (within the
// lane's 16) whose channel ch lands at byte 16c + i, or -1.
constexpr char Sel(int c, int ch, int i) { return (16 * c + i) % 3 == ch ? char((16 * c + i) / 3) : char(-1); }

// 32 pixels per step. Chroma terms are computed once per chroma sample (16 lanes) and then
// duplicated to their two pixels, as libswscale does; luma in two halves whose lane order
// (pixels 0-7 and 16-23, then 8-15 and 24-31) makes the final packs come out in pixel order.
// The three channel vectors are then interleaved into 96 bytes of RGB by byte shuffles
// within each 128-bit lane. Stores are plain: measured, non-temporal stores made the
// conversion slower here and did not speed up the decoding that runs in between.
__attribute__((target("avx2"))) void RowAvx2(const uint8_t* py, const uint8_t* pu,
                                              const uint8_t* pv, int w, const YuvRgbCoeffs& k,
                                              uint8_t* d) {
  const __m256i yOff = _mm256_set1_epi16(k.yOffset), yC = _mm256_set1_epi16(k.yCoeff);
  const __m256i vrC = _mm256_set1_epi16(k.vr), ubC = _mm256_set1_epi16(k.ub);
  const __m256i vgC = _mm256_set1_epi16(k.vg), ugC = _mm256_set1_epi16(k.ug);
  const __m256i c1024 = _mm256_set1_epi16(1024), zero = _mm256_setzero_si256();
  // Output byte i of a 48-byte group (16 pixels) is channel i % 3 of pixel i / 3.
  // Chunk c (bytes 16c .. 16c+15) takes pixel i/3 from the R, G or B vector; -1 = zero.
#define THEVAL_M(c, ch)                                                                  \
  _mm256_setr_epi8(Sel(c, ch, 0), Sel(c, ch, 1), Sel(c, ch, 2), Sel(c, ch, 3), Sel(c, ch, 4), \
                   Sel(c, ch, 5), Sel(c, ch, 6), Sel(c, ch, 7), Sel(c, ch, 8), Sel(c, ch, 9), \
                   Sel(c, ch, 10), Sel(c, ch, 11), Sel(c, ch, 12), Sel(c, ch, 13),            \
                   Sel(c, ch, 14), Sel(c, ch, 15), Sel(c, ch, 0), Sel(c, ch, 1), Sel(c, ch, 2), \
                   Sel(c, ch, 3), Sel(c, ch, 4), Sel(c, ch, 5), Sel(c, ch, 6), Sel(c, ch, 7), \
                   Sel(c, ch, 8), Sel(c, ch, 9), Sel(c, ch, 10), Sel(c, ch, 11),              \
                   Sel(c, ch, 12), Sel(c, ch, 13), Sel(c, ch, 14), Sel(c, ch, 15))
  const __m256i m0r = THEVAL_M(0, 0), m0g = THEVAL_M(0, 1), m0b = THEVAL_M(0, 2);
  const __m256i m1r = THEVAL_M(1, 0), m1g = THEVAL_M(1, 1), m1b = THEVAL_M(1, 2);
  const __m256i m2r = THEVAL_M(2, 0), m2g = THEVAL_M(2, 1), m2b = THEVAL_M(2, 2);
#undef THEVAL_M
  int x = 0;
  for (; x + 32 <= w; x += 32) {
    const __m256i ub16 = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(pu + x / 2)));
    const __m256i vb16 = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(pv + x / 2)));
    const __m256i U = _mm256_subs_epi16(_mm256_slli_epi16(ub16, 3), c1024);
    const __m256i V = _mm256_subs_epi16(_mm256_slli_epi16(vb16, 3), c1024);
    const __m256i vr = _mm256_mulhi_epi16(V, vrC);
    const __m256i ub = _mm256_mulhi_epi16(U, ubC);
    const __m256i guv = _mm256_adds_epi16(_mm256_mulhi_epi16(U, ugC), _mm256_mulhi_epi16(V, vgC));
    // Chroma sample j (lanes: 0-7 | 8-15) to pixels 2j, 2j+1: lo = pixels 0-7 | 16-23, hi = 8-15 | 24-31.
    const __m256i vrLo = _mm256_unpacklo_epi16(vr, vr), vrHi = _mm256_unpackhi_epi16(vr, vr);
    const __m256i ubLo = _mm256_unpacklo_epi16(ub, ub), ubHi = _mm256_unpackhi_epi16(ub, ub);
    const __m256i gLo = _mm256_unpacklo_epi16(guv, guv), gHi = _mm256_unpackhi_epi16(guv, guv);
    const __m256i yb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(py + x));
    const __m256i yLo = _mm256_mulhi_epi16(_mm256_sub_epi16(_mm256_slli_epi16(_mm256_unpacklo_epi8(yb, zero), 3), yOff), yC);
    const __m256i yHi = _mm256_mulhi_epi16(_mm256_sub_epi16(_mm256_slli_epi16(_mm256_unpackhi_epi8(yb, zero), 3), yOff), yC);
    // packus interleaves the halves back: lane 0 = pixels 0-15, lane 1 = pixels 16-31.
    const __m256i r = _mm256_packus_epi16(_mm256_adds_epi16(yLo, vrLo), _mm256_adds_epi16(yHi, vrHi));
    const __m256i g = _mm256_packus_epi16(_mm256_adds_epi16(yLo, gLo), _mm256_adds_epi16(yHi, gHi));
    const __m256i b = _mm256_packus_epi16(_mm256_adds_epi16(yLo, ubLo), _mm256_adds_epi16(yHi, ubHi));
    const __m256i c0 = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(r, m0r), _mm256_shuffle_epi8(g, m0g)), _mm256_shuffle_epi8(b, m0b));
    const __m256i c1 = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(r, m1r), _mm256_shuffle_epi8(g, m1g)), _mm256_shuffle_epi8(b, m1b));
    const __m256i c2 = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(r, m2r), _mm256_shuffle_epi8(g, m2g)), _mm256_shuffle_epi8(b, m2b));
    // Lane 0 of c0, c1, c2 = bytes 0-47; lane 1 = bytes 48-95.
    __m256i* o = reinterpret_cast<__m256i*>(d + 3 * x);
    _mm256_storeu_si256(o, _mm256_permute2x128_si256(c0, c1, 0x20));
    _mm256_storeu_si256(o + 1, _mm256_permute2x128_si256(c2, c0, 0x30));
    _mm256_storeu_si256(o + 2, _mm256_permute2x128_si256(c1, c2, 0x31));
  }
  // Clear the upper ymm halves before any SSE code runs (FFmpeg's decoder is next): GCC
  // emits no vzeroupper in this target("avx2") function, and the dirty state slowed the
  // decoding between two conversions by ~15% (measured on the talking-head bench clip).
  _mm256_zeroupper();
  RowScalar(py, pu, pv, x, w, k, d);
}

bool DetectAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}
#else
bool DetectAvx2() { return false; }
void RowAvx2(const uint8_t*, const uint8_t*, const uint8_t*, int, const YuvRgbCoeffs&, uint8_t*) {}
#endif

}  // namespace

YuvRgbCoeffs SwsYuvRgbCoeffs(const int invTable[4], bool fullRange, int brightness, int contrast,
                             int saturation) {
  // As ff_yuv2rgb_c_init_tables (libswscale/yuv2rgb.c, FFmpeg 5.1), the SIMD coefficients.
  int64_t crv = invTable[0], cbu = invTable[1], cgu = -invTable[2], cgv = -invTable[3];
  int64_t cy = 1 << 16, oy = 0;
  if (!fullRange) {
    cy = (cy * 255) / 219;
    oy = 16 << 16;
  } else {
    crv = (crv * 224) / 255;
    cbu = (cbu * 224) / 255;
    cgu = (cgu * 224) / 255;
    cgv = (cgv * 224) / 255;
  }
  cy = (cy * contrast) >> 16;
  crv = (crv * contrast * saturation) >> 32;
  cbu = (cbu * contrast * saturation) >> 32;
  cgu = (cgu * contrast * saturation) >> 32;
  cgv = (cgv * contrast * saturation) >> 32;
  oy -= 256LL * brightness;
  YuvRgbCoeffs k;
  k.yCoeff = RoundToInt16(cy * (1 << 13));
  k.vr = RoundToInt16(crv * (1 << 13));
  k.ub = RoundToInt16(cbu * (1 << 13));
  k.vg = RoundToInt16(cgv * (1 << 13));
  k.ug = RoundToInt16(cgu * (1 << 13));
  k.yOffset = RoundToInt16(oy * (1 << 3));
  return k;
}

bool Yuv420ToRgb24Vectorized() {
  static const bool avx2 = DetectAvx2();
  return avx2;
}

void Yuv420ToRgb24Scalar(const uint8_t* const src[3], const int srcStride[3], int w, int h,
                         const YuvRgbCoeffs& k, uint8_t* dst, int dstStride) {
  for (int j = 0; j < h; j++) {
    RowScalar(src[0] + std::ptrdiff_t(j) * srcStride[0], src[1] + std::ptrdiff_t(j >> 1) * srcStride[1],
              src[2] + std::ptrdiff_t(j >> 1) * srcStride[2], 0, w, k, dst + std::ptrdiff_t(j) * dstStride);
  }
}

void Yuv420ToRgb24(const uint8_t* const src[3], const int srcStride[3], int w, int h,
                   const YuvRgbCoeffs& k, uint8_t* dst, int dstStride) {
  if (!Yuv420ToRgb24Vectorized()) {
    Yuv420ToRgb24Scalar(src, srcStride, w, h, k, dst, dstStride);
    return;
  }
  for (int j = 0; j < h; j++) {
    RowAvx2(src[0] + std::ptrdiff_t(j) * srcStride[0], src[1] + std::ptrdiff_t(j >> 1) * srcStride[1],
            src[2] + std::ptrdiff_t(j >> 1) * srcStride[2], w, k, dst + std::ptrdiff_t(j) * dstStride);
  }
}

}  // namespace theval
