// MediaPipe's TransformTensorBilinear (face_landmark_with_attention's crop sampler) as an
// OpenCV dnn layer. The portable ONNX conversion writes it as a dense [P, H*W] weight
// MatMul that OpenCV runs slowly (3 such products were ~60% of the model's time); the
// converter's OpenCV variant emits one node of this type instead (docs/models.md).
#pragma once

namespace theval::infer {

// The kernel: features [H, W, C] (one image), matrix 4x4 row-major -> out [oh, ow, C].
void TransformTensorBilinear(const float* features, int H, int W, int C, const float* matrix, int oh,
                             int ow, float* out);

// Registers the layer type "TransformTensorBilinear" with OpenCV's LayerFactory (once per
// process; safe to call from any thread before reading a model).
void RegisterTheValLayers();

}  // namespace theval::infer
