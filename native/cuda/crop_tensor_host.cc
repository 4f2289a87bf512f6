#include "cuda/crop_hd.h"
#include "cuda/crop_tensor.h"

namespace theval::cuda {

void CropTensorsHost(const CropFrame* frames, int frameCount, const CropRoi* rois, int n, const CropParams& p, float* out) {
  const size_t per = size_t(p.size) * p.size * 3;
  for (int i = 0; i < n; i++) {
    const CropRoi& r = rois[i];
    if (r.frame < 0 || r.frame >= frameCount) continue;  // callers validate; never read outside
    const CropFrame& f = frames[r.frame];
    float* o = out + per * size_t(i);
    for (int y = 0; y < p.size; y++)
      for (int x = 0; x < p.size; x++, o += 3)
        CropPixel(f.rgb, f.stride, f.width, f.height, r.map, x, y, p.zeroBorder, p.scale, p.offset, o);
  }
}

}  // namespace theval::cuda
