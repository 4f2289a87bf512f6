// YUV 4:2:0 (I420 or NV12, 8-bit) to planar float RGB in [0, 1]. One thread per pixel,
// nearest chroma sample (what FFmpeg's unscaled yuv2rgb path does).
#include <cuda_runtime.h>

#include <cstdint>

namespace theval::gpu {

struct YuvCoefficients {
  float yScale, yOffset;  // y' = (Y - yOffset) * yScale
  float crToR, cbToG, crToG, cbToB;
  float cScale;  // chroma scale for limited vs full range
};

__global__ void Yuv420ToRgbPlanarKernel(const uint8_t* __restrict__ y, int yPitch,
                                        const uint8_t* __restrict__ u, const uint8_t* __restrict__ v,
                                        int uvPitch, int nv12, int width, int height,
                                        YuvCoefficients k, float* __restrict__ dst) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int row = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= width || row >= height) return;
  const float Y = (float(y[row * yPitch + x]) - k.yOffset) * k.yScale;
  const int cx = x >> 1, cy = row >> 1;
  float Cb, Cr;
  if (nv12) {
    const uint8_t* uv = u + cy * uvPitch + 2 * cx;
    Cb = float(uv[0]) - 128.f;
    Cr = float(uv[1]) - 128.f;
  } else {
    Cb = float(u[cy * uvPitch + cx]) - 128.f;
    Cr = float(v[cy * uvPitch + cx]) - 128.f;
  }
  Cb *= k.cScale;
  Cr *= k.cScale;
  const float r = Y + k.crToR * Cr;
  const float g = Y - k.cbToG * Cb - k.crToG * Cr;
  const float b = Y + k.cbToB * Cb;
  const size_t plane = size_t(width) * height;
  const size_t i = size_t(row) * width + x;
  dst[i] = fminf(fmaxf(r / 255.f, 0.f), 1.f);
  dst[plane + i] = fminf(fmaxf(g / 255.f, 0.f), 1.f);
  dst[2 * plane + i] = fminf(fmaxf(b / 255.f, 0.f), 1.f);
}

cudaError_t LaunchYuv420ToRgbPlanar(const uint8_t* y, int yPitch, const uint8_t* u, const uint8_t* v,
                                    int uvPitch, bool nv12, int width, int height, bool bt709,
                                    bool fullRange, float* dst, cudaStream_t stream) {
  // Kr/Kb per standard; limited range scales Y by 255/219 and chroma by 255/224.
  const float kr = bt709 ? 0.2126f : 0.299f;
  const float kb = bt709 ? 0.0722f : 0.114f;
  const float kg = 1.f - kr - kb;
  YuvCoefficients k;
  k.yScale = fullRange ? 1.f : 255.f / 219.f;
  k.yOffset = fullRange ? 0.f : 16.f;
  k.cScale = fullRange ? 1.f : 255.f / 224.f;
  k.crToR = 2.f * (1.f - kr);
  k.cbToB = 2.f * (1.f - kb);
  k.cbToG = 2.f * (1.f - kb) * kb / kg;
  k.crToG = 2.f * (1.f - kr) * kr / kg;
  dim3 block(32, 8);
  dim3 grid((width + block.x - 1) / block.x, (height + block.y - 1) / block.y);
  Yuv420ToRgbPlanarKernel<<<grid, block, 0, stream>>>(y, yPitch, u, v, uvPitch, nv12 ? 1 : 0, width,
                                                      height, k, dst);
  return cudaGetLastError();
}

}  // namespace theval::gpu
