// The GPU twin of native/flow/dense_flow.cc: the same passes, one thread per output pixel,
// each calling the same per-pixel functions (flow/flow_math.h) in the same order. Compiled
// with --fmad=false (CMakeLists.txt) so no multiply-add is fused differently from the host:
// the CPU and GPU flows are meant to be bit-identical (test/diagnostics-gpu.test.ts checks it
// where a GPU exists; bench/gpu runs it on the device machine).
#include <cuda_runtime.h>

#include <vector>

#include "flow/dense_flow.h"
#include "flow/flow_math.h"

namespace theval::gpu {

namespace {

using namespace theval::flow;

dim3 Grid(int w, int h, dim3 b) { return dim3((w + b.x - 1) / b.x, (h + b.y - 1) / b.y); }

__global__ void DownsampleKernel(const float* src, int sw, int sh, float* dst, int dw, int dh) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x < dw && y < dh) dst[y * dw + x] = Downsample2(src, sw, sh, x, y);
}

__global__ void UpsampleFlowKernel(const float* cu, const float* cv, int cw, int ch, float* u, float* v, int w, int h) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= w || y >= h) return;
  const float sx = (float(x) + 0.5f) * 0.5f - 0.5f, sy = (float(y) + 0.5f) * 0.5f - 0.5f;
  u[y * w + x] = 2.f * Bilinear(cu, cw, ch, sx, sy);
  v[y * w + x] = 2.f * Bilinear(cv, cw, ch, sx, sy);
}

__global__ void TensorTermsKernel(const float* i0, int w, int h, float* ix, float* iy, float* xx, float* xy, float* yy) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= w || y >= h) return;
  const int i = y * w + x;
  const float gx = GradX(i0, w, x, y), gy = GradY(i0, w, h, x, y);
  ix[i] = gx;
  iy[i] = gy;
  xx[i] = gx * gx;
  xy[i] = gx * gy;
  yy[i] = gy * gy;
}

__global__ void BoxKernel(const float* src, float* dst, int w, int h, int dx, int dy) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x < w && y < h) dst[y * w + x] = BoxSum1D(src, w, h, x, y, kWindowRadius, dx, dy);
}

__global__ void ResidualTermsKernel(const float* i0, const float* i1, const float* ix, const float* iy, const float* u,
                                    const float* v, int w, int h, float* p, float* q) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= w || y >= h) return;
  const int i = y * w + x;
  const float e = Bilinear(i1, w, h, float(x) + u[i], float(y) + v[i]) - i0[i];
  const float r = LkTermResidual(ix[i], iy[i], u[i], v[i], e);
  p[i] = ix[i] * r;
  q[i] = iy[i] * r;
}

__global__ void SolveKernel(const float* sxx, const float* sxy, const float* syy, const float* sp, const float* sq, float lambda,
                            float* u, float* v, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) LkSolve(sxx[i], sxy[i], syy[i], sp[i], sq[i], lambda, u[i], v[i], &u[i], &v[i]);
}

}  // namespace

// Host pointers in and out; device buffers for the call. Returns the first CUDA error.
cudaError_t LaunchDenseFlow(const float* hi0, const float* hi1, int w, int h, const FlowParams& p, float* hu, float* hv) {
  struct Level {
    int w, h;
    float *i0, *i1, *u, *v;
  };
  std::vector<float*> owned;
  auto alloc = [&](size_t n, float** out) {
    cudaError_t e = cudaMalloc(out, n * sizeof(float));
    if (e == cudaSuccess) owned.push_back(*out);
    return e;
  };
  cudaError_t err = cudaSuccess;
  auto ok = [&](cudaError_t e) {
    if (err == cudaSuccess && e != cudaSuccess) err = e;
    return err == cudaSuccess;
  };
  // Same pyramid sizes as the CPU path.
  std::vector<Level> L;
  for (int cw = w, ch = h, n = 0; n < p.maxLevels; n++) {
    L.push_back({cw, ch, nullptr, nullptr, nullptr, nullptr});
    if ((cw + 1) / 2 < p.minSide || (ch + 1) / 2 < p.minSide) break;
    cw = (cw + 1) / 2;
    ch = (ch + 1) / 2;
  }
  const size_t maxPx = size_t(w) * h;
  float *ix, *iy, *xx, *xy, *yy, *sxx, *sxy, *syy, *pp, *qq, *sp, *sq, *tmp;
  for (auto& l : L) {
    const size_t n = size_t(l.w) * l.h;
    ok(alloc(n, &l.i0)) && ok(alloc(n, &l.i1)) && ok(alloc(n, &l.u)) && ok(alloc(n, &l.v));
  }
  for (float** b : {&ix, &iy, &xx, &xy, &yy, &sxx, &sxy, &syy, &pp, &qq, &sp, &sq, &tmp}) ok(alloc(maxPx, b));
  if (err == cudaSuccess) {
    const dim3 blk(32, 8);
    ok(cudaMemcpy(L[0].i0, hi0, maxPx * sizeof(float), cudaMemcpyHostToDevice));
    ok(cudaMemcpy(L[0].i1, hi1, maxPx * sizeof(float), cudaMemcpyHostToDevice));
    for (size_t l = 1; l < L.size() && err == cudaSuccess; l++) {
      DownsampleKernel<<<Grid(L[l].w, L[l].h, blk), blk>>>(L[l - 1].i0, L[l - 1].w, L[l - 1].h, L[l].i0, L[l].w, L[l].h);
      DownsampleKernel<<<Grid(L[l].w, L[l].h, blk), blk>>>(L[l - 1].i1, L[l - 1].w, L[l - 1].h, L[l].i1, L[l].w, L[l].h);
    }
    auto box = [&](const float* src, float* dst, int lw, int lh) {
      BoxKernel<<<Grid(lw, lh, blk), blk>>>(src, tmp, lw, lh, 1, 0);
      BoxKernel<<<Grid(lw, lh, blk), blk>>>(tmp, dst, lw, lh, 0, 1);
    };
    for (int l = int(L.size()) - 1; l >= 0 && err == cudaSuccess; l--) {
      const int lw = L[l].w, lh = L[l].h, n = lw * lh;
      if (l == int(L.size()) - 1) {
        ok(cudaMemset(L[l].u, 0, n * sizeof(float)));
        ok(cudaMemset(L[l].v, 0, n * sizeof(float)));
      } else {
        UpsampleFlowKernel<<<Grid(lw, lh, blk), blk>>>(L[l + 1].u, L[l + 1].v, L[l + 1].w, L[l + 1].h, L[l].u, L[l].v, lw, lh);
      }
      TensorTermsKernel<<<Grid(lw, lh, blk), blk>>>(L[l].i0, lw, lh, ix, iy, xx, xy, yy);
      box(xx, sxx, lw, lh);
      box(xy, sxy, lw, lh);
      box(yy, syy, lw, lh);
      for (int it = 0; it < p.iterations; it++) {
        ResidualTermsKernel<<<Grid(lw, lh, blk), blk>>>(L[l].i0, L[l].i1, ix, iy, L[l].u, L[l].v, lw, lh, pp, qq);
        box(pp, sp, lw, lh);
        box(qq, sq, lw, lh);
        SolveKernel<<<(n + 255) / 256, 256>>>(sxx, sxy, syy, sp, sq, p.lambda, L[l].u, L[l].v, n);
      }
      ok(cudaGetLastError());
    }
    ok(cudaMemcpy(hu, L[0].u, maxPx * sizeof(float), cudaMemcpyDeviceToHost));
    ok(cudaMemcpy(hv, L[0].v, maxPx * sizeof(float), cudaMemcpyDeviceToHost));
  }
  for (float* b : owned) cudaFree(b);
  return err;
}

}  // namespace theval::gpu
