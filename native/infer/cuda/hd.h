// One spelling for functions that run both in CUDA kernels and on the host: the kernels'
// per-element arithmetic is written once, and CI (no GPU) runs it through the host paths.
#pragma once

#ifdef __CUDACC__
#define THEVAL_HD __host__ __device__ __forceinline__
#else
#define THEVAL_HD inline
#endif
