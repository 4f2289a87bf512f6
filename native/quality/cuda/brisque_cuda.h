// BRISQUE's features on a CUDA device: one kernel per pass over the image, each thread one
// pixel through brisque_hd.h; the AGGD sums are reduced on the device and only they (a few
// doubles per fit) come back. Built when nvcc built the addon; otherwise it throws.
#pragma once

#include <vector>

namespace theval::quality::cuda {

// taps: BrisqueGaussTaps(). Throws std::runtime_error ("GPU_UNAVAILABLE: ..." without a
// usable device).
// ordinal: the CUDA device the passes run on.
std::vector<float> BrisqueFeaturesCuda(const unsigned char* grey, int width, int height, const float* taps,
                                       int ordinal = 0);

// The 7 Gaussian taps, from OpenCV (brisque_emulated.cc).
std::vector<float> BrisqueGaussTaps();

}  // namespace theval::quality::cuda
