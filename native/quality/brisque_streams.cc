// BrisqueStreamSums: each stream is a chain of sequential double additions (the order is
// part of the result), so the parallelism is across streams, not pixels: the streams sit
// side by side in the lanes of SIMD registers (two per SSE2 register; H, V, D1, D2 in one
// AVX2 register when the CPU has it) and every lane sees its own stream in row-major order.
// Branch-free: the signs of MSCN products are random, and branches on them mispredict
// half the time. A masked add of +0.0 to a sum that is >= +0 leaves it unchanged, and
// a - d == a + |d| for d < 0, so the masked form gives AggdSums::Add's bits exactly.
#include "quality/brisque_streams.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define THEVAL_BRISQUE_AVX2 1
#endif

// The products must be single float multiplications (as cv::multiply's): no contraction.
// (Matters where FMA is in the baseline, e.g. aarch64; x86-64 builds have none anyway.)
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace theval {
namespace quality {

void AggdSums::Add(float x) {
  const double d = x;
  if (x > 0) {
    abssum += d;
    ++pos;
    possq += d * d;
  } else if (x < 0) {
    abssum -= d;
    ++neg;
    negsq += d * d;
  }
}

namespace {

#if defined(__SSE2__)
// Two streams, one per double lane.
template <bool kNan>
struct Lanes2 {
  __m128d possq = _mm_setzero_pd(), negsq = _mm_setzero_pd(), abssum = _mm_setzero_pd();
  __m128i pos = _mm_setzero_si128(), neg = _mm_setzero_si128();

  inline void Add(__m128d d) {
    const __m128d zero = _mm_setzero_pd();
    const __m128d p = _mm_cmpgt_pd(d, zero), n = _mm_cmplt_pd(d, zero);  // both false for NaN
    const __m128d sq = _mm_mul_pd(d, d);
    possq = _mm_add_pd(possq, _mm_and_pd(p, sq));
    negsq = _mm_add_pd(negsq, _mm_and_pd(n, sq));
    const __m128d absd = _mm_andnot_pd(_mm_set1_pd(-0.0), d);
    abssum = _mm_add_pd(abssum, kNan ? _mm_and_pd(_mm_or_pd(p, n), absd) : absd);  // |+-0| adds nothing
    pos = _mm_sub_epi64(pos, _mm_castpd_si128(p));  // true = -1
    neg = _mm_sub_epi64(neg, _mm_castpd_si128(n));
  }

  void Store(AggdSums* a, AggdSums* b) const {
    alignas(16) double ps[2], ns[2], as[2];
    alignas(16) long long pc[2], nc[2];
    _mm_store_pd(ps, possq);
    _mm_store_pd(ns, negsq);
    _mm_store_pd(as, abssum);
    _mm_store_si128(reinterpret_cast<__m128i*>(pc), pos);
    _mm_store_si128(reinterpret_cast<__m128i*>(nc), neg);
    AggdSums* out[2] = {a, b};
    for (int k = 0; k < 2; ++k) {
      if (!out[k]) continue;
      out[k]->possq = ps[k];
      out[k]->negsq = ns[k];
      out[k]->abssum = as[k];
      out[k]->pos = long(pc[k]);
      out[k]->neg = long(nc[k]);
    }
  }
};

// The four products of x[j..j+3] with their H, V, D1, D2 neighbours, transposed so that
// p[k] = (H, V, D1, D2) of pixel j + k. Needs x[j + 4], below[j + 4], above[j + 4].
inline void Products4(const float* x, const float* below, const float* above, int j, __m128 p[4]) {
  const __m128 a = _mm_loadu_ps(x + j);
  p[0] = _mm_mul_ps(a, _mm_loadu_ps(x + j + 1));
  p[1] = _mm_mul_ps(a, _mm_loadu_ps(below + j));
  p[2] = _mm_mul_ps(a, _mm_loadu_ps(below + j + 1));
  p[3] = _mm_mul_ps(a, _mm_loadu_ps(above + j + 1));
  _MM_TRANSPOSE4_PS(p[0], p[1], p[2], p[3]);
}

// (H, V, D1, D2) of pixel j, missing neighbours read as 0.
inline __m128 Products1(const float* x, const float* below, const float* above, int j, int cols) {
  const bool right = j + 1 < cols;
  return _mm_mul_ps(_mm_set1_ps(x[j]),
                    _mm_set_ps(right ? above[j + 1] : 0.f, right ? below[j + 1] : 0.f, below[j], right ? x[j + 1] : 0.f));
}

template <bool kNan>
void StreamsSse2(const float* mscn, int rows, int cols, const float* zeros, AggdSums out[5]) {
  Lanes2<kNan> s0, hv, dd;  // (MSCN, unused), (H, V), (D1, D2)
  for (int i = 0; i < rows; ++i) {
    const float* x = mscn + size_t(i) * cols;
    const float* below = i + 1 < rows ? x + cols : zeros;
    const float* above = i > 0 ? x - cols : zeros;
    int j = 0;
    for (; j + 4 < cols; j += 4) {
      __m128 p[4];
      Products4(x, below, above, j, p);
      for (int k = 0; k < 4; ++k) {
        s0.Add(_mm_set_sd(double(x[j + k])));
        hv.Add(_mm_cvtps_pd(p[k]));
        dd.Add(_mm_cvtps_pd(_mm_movehl_ps(p[k], p[k])));
      }
    }
    for (; j < cols; ++j) {
      const __m128 p = Products1(x, below, above, j, cols);
      s0.Add(_mm_set_sd(double(x[j])));
      hv.Add(_mm_cvtps_pd(p));
      dd.Add(_mm_cvtps_pd(_mm_movehl_ps(p, p)));
    }
  }
  s0.Store(&out[0], nullptr);
  hv.Store(&out[1], &out[2]);
  dd.Store(&out[3], &out[4]);
}
#endif

#if defined(THEVAL_BRISQUE_AVX2)
// H, V, D1, D2 in the four lanes of one AVX2 register (the MSCN stream stays in SSE2).
#define THEVAL_AVX2 __attribute__((target("avx2")))

template <bool kNan>
struct Lanes4 {
  __m256d possq, negsq, abssum;
  __m256i pos, neg;
};

template <bool kNan>
THEVAL_AVX2 inline void Add4(Lanes4<kNan>& s, __m256d d) {
  const __m256d zero = _mm256_setzero_pd();
  const __m256d p = _mm256_cmp_pd(d, zero, _CMP_GT_OQ), n = _mm256_cmp_pd(d, zero, _CMP_LT_OQ);  // false for NaN
  const __m256d sq = _mm256_mul_pd(d, d);
  s.possq = _mm256_add_pd(s.possq, _mm256_and_pd(p, sq));
  s.negsq = _mm256_add_pd(s.negsq, _mm256_and_pd(n, sq));
  const __m256d absd = _mm256_andnot_pd(_mm256_set1_pd(-0.0), d);
  s.abssum = _mm256_add_pd(s.abssum, kNan ? _mm256_and_pd(_mm256_or_pd(p, n), absd) : absd);
  s.pos = _mm256_sub_epi64(s.pos, _mm256_castpd_si256(p));
  s.neg = _mm256_sub_epi64(s.neg, _mm256_castpd_si256(n));
}

template <bool kNan>
THEVAL_AVX2 void StreamsAvx2(const float* mscn, int rows, int cols, const float* zeros, AggdSums out[5]) {
  Lanes2<kNan> s0;
  Lanes4<kNan> q;
  q.possq = q.negsq = q.abssum = _mm256_setzero_pd();
  q.pos = q.neg = _mm256_setzero_si256();
  for (int i = 0; i < rows; ++i) {
    const float* x = mscn + size_t(i) * cols;
    const float* below = i + 1 < rows ? x + cols : zeros;
    const float* above = i > 0 ? x - cols : zeros;
    int j = 0;
    for (; j + 4 < cols; j += 4) {
      __m128 p[4];
      Products4(x, below, above, j, p);
      for (int k = 0; k < 4; ++k) {
        s0.Add(_mm_set_sd(double(x[j + k])));
        Add4(q, _mm256_cvtps_pd(p[k]));
      }
    }
    for (; j < cols; ++j) {
      s0.Add(_mm_set_sd(double(x[j])));
      Add4(q, _mm256_cvtps_pd(Products1(x, below, above, j, cols)));
    }
  }
  s0.Store(&out[0], nullptr);
  alignas(32) double ps[4], ns[4], as[4];
  alignas(32) long long pc[4], nc[4];
  _mm256_store_pd(ps, q.possq);
  _mm256_store_pd(ns, q.negsq);
  _mm256_store_pd(as, q.abssum);
  _mm256_store_si256(reinterpret_cast<__m256i*>(pc), q.pos);
  _mm256_store_si256(reinterpret_cast<__m256i*>(nc), q.neg);
  for (int k = 0; k < 4; ++k) {
    out[1 + k].possq = ps[k];
    out[1 + k].negsq = ns[k];
    out[1 + k].abssum = as[k];
    out[1 + k].pos = long(pc[k]);
    out[1 + k].neg = long(nc[k]);
  }
}

bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

// Portable reference: the same sums, one stream element at a time.
void StreamsScalar(const float* mscn, int rows, int cols, const float* zeros, AggdSums out[5]) {
  for (int i = 0; i < rows; ++i) {
    const float* x = mscn + size_t(i) * cols;
    const float* below = i + 1 < rows ? x + cols : zeros;
    const float* above = i > 0 ? x - cols : zeros;
    for (int j = 0; j < cols; ++j) {
      const float v = x[j];
      const bool right = j + 1 < cols;
      out[0].Add(v);
      if (right) out[1].Add(v * x[j + 1]);
      out[2].Add(v * below[j]);
      if (right) out[3].Add(v * below[j + 1]);
      if (right) out[4].Add(v * above[j + 1]);
    }
  }
}

}  // namespace

void BrisqueStreamSums(const float* mscn, int rows, int cols, bool hasNan, AggdSums out[5]) {
  for (int k = 0; k < 5; ++k) out[k] = AggdSums();
  const std::vector<float> zeros(size_t(cols) + 4, 0.f);  // the missing row above / below
  // THEVAL_BRISQUE_SIMD=sse2|scalar forces a narrower code path (the tests compare every
  // path with OpenCV; all give the same bits). Read per call: cheap next to the pass.
  const char* force = std::getenv("THEVAL_BRISQUE_SIMD");
  const bool scalar = force && std::strcmp(force, "scalar") == 0;
  const bool noAvx2 = scalar || (force && std::strcmp(force, "sse2") == 0);
#if defined(THEVAL_BRISQUE_AVX2)
  if (!noAvx2 && HasAvx2()) {
    if (hasNan)
      StreamsAvx2<true>(mscn, rows, cols, zeros.data(), out);
    else
      StreamsAvx2<false>(mscn, rows, cols, zeros.data(), out);
    return;
  }
#endif
#if defined(__SSE2__)
  if (!scalar) {
    if (hasNan)
      StreamsSse2<true>(mscn, rows, cols, zeros.data(), out);
    else
      StreamsSse2<false>(mscn, rows, cols, zeros.data(), out);
    return;
  }
#endif
  (void)hasNan;
  (void)noAvx2;
  StreamsScalar(mscn, rows, cols, zeros.data(), out);
}

}  // namespace quality
}  // namespace theval
