// THEVAL_HD marks a function that runs both on the host and in a CUDA kernel: the flow's
// per-pixel arithmetic is written once, compiled by g++ for the CPU path (and its tests) and
// by nvcc for the GPU twin, so both backends execute the same operations in the same order.
#pragma once

#if defined(__CUDACC__)
#define THEVAL_HD __host__ __device__ __forceinline__
#else
#define THEVAL_HD inline
#endif
