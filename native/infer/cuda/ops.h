// The face networks' operators as per-element functions shared by the CUDA kernels and the
// host emulation. An OpCall is one node, fully resolved (shapes, strides, pointers); EvalOne
// computes output element i of it. The host runs i = 0..n-1 in a loop, the device one thread
// per i (graph_cuda.cu); both call the same EvalOne, so CI checks the device arithmetic.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "common/hd.h"

namespace theval::infer::cuda {

constexpr int kMaxRank = 6;

enum class OpKind : int32_t { Conv, MaxPool, Binary, Unary, Strided, Pad, Place, MatMul, Reduce, Bilinear };
enum class BinOp : int32_t { Add, Sub, Mul, Div, PRelu };
enum class UnOp : int32_t { Relu, Sqrt, Ceil, Abs, Copy };

// An output index space of `rank` dims, and for up to two inputs the element stride each
// output coordinate moves in that input. Transpose, Slice, broadcasting, Reshape and
// Concat are all such maps. Pad also clips each coordinate against [lo, hi).
struct IndexMap {
  int32_t rank = 0;
  int64_t dims[kMaxRank] = {};
  int64_t strideA[kMaxRank] = {}, strideB[kMaxRank] = {};
  int64_t baseA = 0, baseB = 0;
  int64_t lo[kMaxRank] = {}, hi[kMaxRank] = {};  // Pad: input coordinate = out - lo, valid below hi
};

struct ConvParams {  // NCHW input, weights [M, C/group, KH, KW], optional bias [M]
  int64_t N, C, H, W, M, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL, group;
};
struct PoolParams {  // MaxPool NCHW, padding never wins (ONNX semantics)
  int64_t N, C, H, W, OH, OW, KH, KW, SH, SW, PT, PL;
};
struct MatMulParams {  // [batch, M, K] x [batch or 1, K, N]
  int64_t batch, M, K, N, strideA, strideB;
};
struct ReduceParams {  // out coordinate -> first input element via map.strideA; then the reduced dims
  int32_t rank = 0;
  int64_t dims[kMaxRank] = {}, strides[kMaxRank] = {};
  int32_t isMax = 1;
};
struct BilinearParams {  // MediaPipe TransformTensorBilinear: features [N,H,W,C], matrix 4x4 per item
  int64_t N, H, W, C, OH, OW;
  int32_t matrixPerItem;
};

struct OpCall {
  OpKind kind = OpKind::Unary;
  int32_t sub = 0;  // BinOp / UnOp
  float padValue = 0.f;
  size_t n = 0;     // output elements (Place: input elements)
  const float* in[3] = {nullptr, nullptr, nullptr};
  float* out = nullptr;
  // Batched runs (EvalBatched): item k's copy of a pointer is k * stride floats further on;
  // 0 for weights (shared by every item), the per-item arena size for activations.
  int64_t inItemStride[3] = {0, 0, 0};
  int64_t outItemStride = 0;
  IndexMap map;
  ConvParams conv{};
  PoolParams pool{};
  MatMulParams mm{};
  ReduceParams red{};
  BilinearParams bil{};
};

THEVAL_HD float ApplyBinary(int32_t op, float a, float b) {
  switch (op) {
    case int32_t(BinOp::Add): return a + b;
    case int32_t(BinOp::Sub): return a - b;
    case int32_t(BinOp::Mul): return a * b;
    case int32_t(BinOp::Div): return a / b;
    default: return a >= 0.f ? a : a * b;  // PRelu: b is the slope
  }
}

THEVAL_HD float ApplyUnary(int32_t op, float a) {
  switch (op) {
    case int32_t(UnOp::Relu): return a > 0.f ? a : 0.f;
    case int32_t(UnOp::Sqrt): return sqrtf(a);
    case int32_t(UnOp::Ceil): return ceilf(a);
    case int32_t(UnOp::Abs): return fabsf(a);
    default: return a;
  }
}

// Output element i of a convolution: the sum over its group's input channels and the window.
THEVAL_HD float ConvAt(const ConvParams& p, const float* x, const float* w, const float* b, size_t i) {
  int64_t t = int64_t(i);
  const int64_t ox = t % p.OW; t /= p.OW;
  const int64_t oy = t % p.OH; t /= p.OH;
  const int64_t m = t % p.M;
  const int64_t n = t / p.M;
  const int64_t cpg = p.C / p.group, g = m / (p.M / p.group);
  float acc = b ? b[m] : 0.f;
  for (int64_t c = 0; c < cpg; c++) {
    const float* xc = x + ((n * p.C + g * cpg + c) * p.H) * p.W;
    const float* wc = w + ((m * cpg + c) * p.KH) * p.KW;
    for (int64_t ky = 0; ky < p.KH; ky++) {
      const int64_t iy = oy * p.SH - p.PT + ky * p.DH;
      if (iy < 0 || iy >= p.H) continue;
      for (int64_t kx = 0; kx < p.KW; kx++) {
        const int64_t ix = ox * p.SW - p.PL + kx * p.DW;
        if (ix < 0 || ix >= p.W) continue;
        acc += xc[iy * p.W + ix] * wc[ky * p.KW + kx];
      }
    }
  }
  return acc;
}

THEVAL_HD float MaxPoolAt(const PoolParams& p, const float* x, size_t i) {
  int64_t t = int64_t(i);
  const int64_t ox = t % p.OW; t /= p.OW;
  const int64_t oy = t % p.OH; t /= p.OH;  // t = n * C + c
  const float* xc = x + t * p.H * p.W;
  float best = -3.402823466e38f;
  for (int64_t ky = 0; ky < p.KH; ky++) {
    const int64_t iy = oy * p.SH - p.PT + ky;
    if (iy < 0 || iy >= p.H) continue;
    for (int64_t kx = 0; kx < p.KW; kx++) {
      const int64_t ix = ox * p.SW - p.PL + kx;
      if (ix < 0 || ix >= p.W) continue;
      const float v = xc[iy * p.W + ix];
      best = v > best ? v : best;
    }
  }
  return best;
}

THEVAL_HD float MatMulAt(const MatMulParams& p, const float* a, const float* b, size_t i) {
  int64_t t = int64_t(i);
  const int64_t col = t % p.N; t /= p.N;
  const int64_t row = t % p.M;
  const int64_t bt = t / p.M;
  const float* ar = a + bt * p.strideA + row * p.K;
  const float* bc = b + bt * p.strideB + col;
  float acc = 0.f;
  for (int64_t k = 0; k < p.K; k++) acc += ar[k] * bc[k * p.N];
  return acc;
}

// Offsets of output element i in inputs A and B under the map; false when Pad puts it
// outside the input.
THEVAL_HD bool MapOffsets(const IndexMap& m, size_t i, bool clip, int64_t& offA, int64_t& offB) {
  int64_t t = int64_t(i);
  offA = m.baseA;
  offB = m.baseB;
  bool inside = true;
  for (int32_t k = m.rank - 1; k >= 0; k--) {
    const int64_t c = t % m.dims[k];
    t /= m.dims[k];
    if (clip) {
      const int64_t ci = c - m.lo[k];
      if (ci < 0 || ci >= m.hi[k]) inside = false;
      offA += ci * m.strideA[k];
    } else {
      offA += c * m.strideA[k];
      offB += c * m.strideB[k];
    }
  }
  return inside;
}

THEVAL_HD float ReduceAt(const OpCall& c, const float* x, size_t i) {
  int64_t base, unused;
  MapOffsets(c.map, i, false, base, unused);
  const ReduceParams& r = c.red;
  int64_t count = 1;
  for (int32_t k = 0; k < r.rank; k++) count *= r.dims[k];
  float acc = x[base];
  for (int64_t j = 1; j < count; j++) {
    int64_t t = j, off = base;
    for (int32_t k = r.rank - 1; k >= 0; k--) {
      off += (t % r.dims[k]) * r.strides[k];
      t /= r.dims[k];
    }
    const float v = x[off];
    acc = r.isMax ? (v > acc ? v : acc) : (v < acc ? v : acc);
  }
  return acc;
}

// MediaPipe's TransformTensorBilinear, the arithmetic of infer/cpu's OpenCV layer: pixel
// centres through the matrix, bilinear sample, 0 outside the feature map.
THEVAL_HD float BilinearAt(const BilinearParams& p, const float* f, const float* mat, size_t i) {
  int64_t t = int64_t(i);
  const int64_t ch = t % p.C; t /= p.C;
  const int64_t x = t % p.OW; t /= p.OW;
  const int64_t y = t % p.OH;
  const int64_t n = t / p.OH;
  const float* m = mat + (p.matrixPerItem ? n * 16 : 0);
  const float gx = float(x) + 0.5f, gy = float(y) + 0.5f;
  const float sx = m[0] * gx + m[1] * gy + m[3] - 0.5f;
  const float sy = m[4] * gx + m[5] * gy + m[7] - 0.5f;
  if (!(sx >= 0.f && sx <= float(p.W - 1) && sy >= 0.f && sy <= float(p.H - 1))) return 0.f;
  int64_t x0 = int64_t(floorf(sx)), y0 = int64_t(floorf(sy));
  x0 = x0 < p.W - 1 ? x0 : p.W - 1;
  y0 = y0 < p.H - 1 ? y0 : p.H - 1;
  const int64_t x1 = x0 + 1 < p.W - 1 ? x0 + 1 : p.W - 1, y1 = y0 + 1 < p.H - 1 ? y0 + 1 : p.H - 1;
  const float ax = sx - float(x0), ay = sy - float(y0);
  const float w00 = (1 - ax) * (1 - ay), w01 = ax * (1 - ay), w10 = (1 - ax) * ay, w11 = ax * ay;
  const float* fn = f + n * p.H * p.W * p.C;
  return w00 * fn[(y0 * p.W + x0) * p.C + ch] + w01 * fn[(y0 * p.W + x1) * p.C + ch] +
         w10 * fn[(y1 * p.W + x0) * p.C + ch] + w11 * fn[(y1 * p.W + x1) * p.C + ch];
}

// Computes and stores element i of the call, reading x0..x2 and writing y (the call's own
// pointers, or one batch item's: EvalBatched).
THEVAL_HD void EvalAt(const OpCall& c, size_t i, const float* x0, const float* x1, const float* x2, float* y) {
  int64_t a, b;
  switch (c.kind) {
    case OpKind::Conv: y[i] = ConvAt(c.conv, x0, x1, x2, i); break;
    case OpKind::MaxPool: y[i] = MaxPoolAt(c.pool, x0, i); break;
    case OpKind::Binary:
      MapOffsets(c.map, i, false, a, b);
      y[i] = ApplyBinary(c.sub, x0[a], x1[b]);
      break;
    case OpKind::Unary: y[i] = ApplyUnary(c.sub, x0[i]); break;
    case OpKind::Strided:
      MapOffsets(c.map, i, false, a, b);
      y[i] = x0[a];
      break;
    case OpKind::Pad: y[i] = MapOffsets(c.map, i, true, a, b) ? x0[a] : c.padValue; break;
    case OpKind::Place:
      MapOffsets(c.map, i, false, a, b);  // strideA walks the output
      y[a] = x0[i];
      break;
    case OpKind::MatMul: y[i] = MatMulAt(c.mm, x0, x1, i); break;
    case OpKind::Reduce: y[i] = ReduceAt(c, x0, i); break;
    case OpKind::Bilinear: y[i] = BilinearAt(c.bil, x0, x1, i); break;
  }
}

// Computes and stores element i of the call (Place stores input element i at its place in
// the concatenated output).
THEVAL_HD void EvalOne(const OpCall& c, size_t i) { EvalAt(c, i, c.in[0], c.in[1], c.in[2], c.out); }

// Element i of `items` copies of the call run side by side (i < items * c.n): item k reads
// and writes its own activations (k * stride further on) and shares the weights. Each
// element is EvalOne's arithmetic on that item's data, so a batch gives each item exactly
// the values of a run of one.
THEVAL_HD void EvalBatched(const OpCall& c, size_t i) {
  const size_t k = i / c.n, j = i % c.n;
  const int64_t kk = int64_t(k);
  EvalAt(c, j, c.in[0] ? c.in[0] + kk * c.inItemStride[0] : nullptr, c.in[1] ? c.in[1] + kk * c.inItemStride[1] : nullptr,
         c.in[2] ? c.in[2] + kk * c.inItemStride[2] : nullptr, c.out + kk * c.outItemStride);
}

}  // namespace theval::infer::cuda
