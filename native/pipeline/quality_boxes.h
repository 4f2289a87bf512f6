// The crops of the mouth- and face-quality metrics, per frame, from the plain landmarks:
// the native twins of lib/metrics/quality.ts mouthBox() and lib/quality/boxes.ts
// faceCropBox() (same arithmetic in doubles on the same float32 landmarks, so the same
// integer boxes; test/pipeline-pass.test.ts checks them against the JS functions).
#pragma once

namespace theval::pipeline {

struct CropBox {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // columns [x0, x1), rows [y0, y1)
};

// METRICS.md 2: the 40 LIPS points in pixels (truncated), min/max, grown by 10 px per side,
// clipped to the frame. False without a face or when the clipped box is empty.
bool MouthBox(const float* plain468, int width, int height, CropBox* box);

// The square face crop: the 468 points' extent (not truncated), its centre kept, side
// = max(w, h) rounded, shifted (not shrunk) inside the frame; clipped only when larger
// than the frame. False without a face.
bool FaceCropBox(const float* plain468, int width, int height, CropBox* box);

// Side of the square face crop given to the face-quality scorer (lib/quality/boxes.ts).
constexpr int kFaceCropSize = 224;

}  // namespace theval::pipeline
