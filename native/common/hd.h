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
