// THEVAL_HD marks a function that runs both on the host and in a CUDA kernel: a kernel's
// per-element arithmetic is written once, compiled by g++ for the CPU paths (which CI tests)
// and by nvcc for the GPU, so both execute the same operations in the same order (flow,
// inference operators, BRISQUE, the crop and the colour conversion use it).
#pragma once

#if defined(__CUDACC__)
#define THEVAL_HD __host__ __device__ __forceinline__
#else
#define THEVAL_HD inline
#endif

namespace theval {

// Products and sums that round separately everywhere, as the CPU code they must match does:
// nvcc would otherwise fuse a * b + c into one FMA (--fmad=true) and change the last bit.
THEVAL_HD float MulRn(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
THEVAL_HD float AddRn(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
THEVAL_HD double MulRn(double a, double b) {
#ifdef __CUDA_ARCH__
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
THEVAL_HD double AddRn(double a, double b) {
#ifdef __CUDA_ARCH__
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}

}  // namespace theval
