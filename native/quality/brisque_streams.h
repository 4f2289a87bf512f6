// The sums behind BRISQUE's ten AGGD fits, taken the way Debian's OpenCV 4.6 build takes
// them (brisque_features.cc says why this is not the opencv_contrib source's cv::sum).
#pragma once

namespace theval {
namespace quality {

// One AGGD input's sums: over its elements x in row-major order, d = double(x); x > 0 adds
// d to abssum and d * d to possq; x < 0 subtracts d from abssum and adds d * d to negsq;
// 0 and NaN add nothing. Sequential double additions, so the order is part of the result.
struct AggdSums {
  double possq = 0, negsq = 0, abssum = 0;
  long pos = 0, neg = 0;

  void Add(float x);  // one element, exactly as above
};

// The five AGGD inputs of one BRISQUE scale, in one pass over the MSCN image (rows x cols,
// contiguous): out[0] the MSCN image itself, out[1..4] its products (float) with the right
// (H), lower (V), lower-right (D1) and upper-right (D2) neighbour. OpenCV multiplies by a
// zero-padded shifted copy; a product with the padding is +-0 or NaN and adds nothing, so
// it is skipped. `hasNan`: whether the MSCN image has NaN pixels (a cheaper path if not).
void BrisqueStreamSums(const float* mscn, int rows, int cols, bool hasNan, AggdSums out[5]);

}  // namespace quality
}  // namespace theval
