// MediaPipe's canonical face geometry, as prepared by `npm run models:prepare`
// (.cache/models/face/face_geometry.json, written by lib/models/faceGeometry.ts):
//   {"units":"cm","vertexCount":468,"vertices":[x,y,z,...],
//    "procrustes":[{"landmarkId":4,"weight":0.0709},...],"triangles":[...]}
// Canonical (metric) frame: right-handed, centimetres, x to the face's own left (image
// right for a frontal face), y up, z out of the face towards the viewer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace theval {

struct FaceGeometry {
  /** Canonical vertex positions, x,y,z per vertex (vertexCount x 3), centimetres. */
  std::vector<float> vertices;
  /** MediaPipe's Procrustes landmark basis (33 entries): vertex ids and weights. */
  std::vector<int32_t> procrustesIds;
  std::vector<float> procrustesWeights;
  int vertexCount() const { return static_cast<int>(vertices.size() / 3); }
};

// Parses the prepared JSON text. Throws theval::Error BAD_ARGUMENT on anything malformed
// (`file` is only used in messages).
FaceGeometry ParseFaceGeometryJson(const std::string& text, const std::string& file = "");

// Reads and parses the JSON file. Throws theval::Error MODEL_MISSING when it cannot be read,
// BAD_ARGUMENT when it is not a face geometry.
FaceGeometry LoadFaceGeometry(const std::string& path);

}  // namespace theval
