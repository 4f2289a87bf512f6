#!/usr/bin/env bash
# Builds the device harness with nvcc alone (no Node, no OpenCV, no FFmpeg) and runs it.
# On the device machine, from the repository root, carrying .cache/models/face and
# .cache/gpu-check (prepare.sh makes the grey images on a machine with ffmpeg):
#   bash bench/gpu/harness/run.sh
set -euo pipefail
NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
OUT=${TMPDIR:-/tmp}/theval-gpu-check
mkdir -p "$OUT"
SRC=(native/infer/cuda/onnx_reader.cc native/infer/cuda/graph.cc native/infer/cuda/host_device.cc
     native/infer/cuda/graph_cuda.cu native/quality/cuda/brisque_features.cc native/quality/cuda/brisque_cuda.cu
     bench/gpu/harness/gpu_check.cc)
"$NVCC" -O3 -std=c++17 -arch=${CUDA_ARCH:-sm_90} -x cu -I native "${SRC[@]}" -o "$OUT/gpu_check" -cudart static
IMAGES=()
if [ -f .cache/gpu-check/images.txt ]; then
  while read -r f w h; do IMAGES+=(".cache/gpu-check/$f" "$w" "$h"); done < .cache/gpu-check/images.txt
fi
"$OUT/gpu_check" .cache/models/face "${IMAGES[@]}"
