// Faster drop-ins for three of OpenCV 4.6 dnn's CPU layers, with bit-identical results.
//
// In the face networks, OpenCV spends ~20% of a forward pass in memory-bound layers it
// implements generically: the residual Add ("Eltwise"), the 2x2 max pool of the residual
// branch ("Pooling", which also fills an index mask nobody reads) and zero padding
// ("Padding", a setTo of the whole output then a generic ranged copy). Each replacement
// handles only the configuration these networks use and hands everything else to OpenCV's
// own layer, created from the same parameters (so any other model behaves exactly as before):
//   Eltwise  sum of two same-shape float inputs, no coefficients; a fused activation
//            (e.g. PReLU) is applied by the activation layer's own forwardSlice, as OpenCV does;
//   Pooling  max, 2x2, stride 2, no padding, floor mode;
//   Padding  constant value, 4-D float tensors.
// Additions and maxima are exact per element, so the outputs are the same to the bit
// (test/opencv-fast-layers.test.ts: every output of the face networks against OpenCV's own
// layers, in Python's cv2 and in a process with THEVAL_OPENCV_BUILTIN_LAYERS=1).
#pragma once

namespace theval::infer {

// Registers the three layer types with OpenCV's LayerFactory, once per process, before any
// model is read; THEVAL_OPENCV_BUILTIN_LAYERS=1 in the environment keeps OpenCV's own.
void RegisterFastCpuLayers();

}  // namespace theval::infer
