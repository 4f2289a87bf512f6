#!/usr/bin/env bash
# Builds the device harness with nvcc alone (no Node, no OpenCV, no FFmpeg) and runs it.
# On the device machine, from the repository root, carrying .cache/models/face and
# .cache/gpu-check (prepare.sh makes the grey images on a machine with ffmpeg):
#   bash bench/gpu/harness/run.sh
# Time: nvcc (about 30-60 s) + the check, whose timings stop at THEVAL_GPU_CHECK_BUDGET_S
# (default 240 s); the run itself is killed at THEVAL_GPU_CHECK_TIMEOUT_S (default 400 s) as a
# last resort, so the whole stays under 8 minutes.
set -euo pipefail
NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
OUT=${TMPDIR:-/tmp}/theval-gpu-check
mkdir -p "$OUT"
SRC=(native/infer/cuda/onnx_reader.cc native/infer/cuda/graph.cc native/infer/cuda/host_device.cc
     native/infer/cuda/graph_cuda.cu native/quality/cuda/brisque_features.cc native/quality/cuda/brisque_cuda.cu
     native/cuda/crop_tensor_host.cc native/cuda/crop_tensor.cu native/cuda/yuv_rgb24_host.cc native/cuda/yuv_rgb24.cu
     native/decode/yuv420_rgb24.cc bench/gpu/harness/gpu_check.cc)
t0=$(date +%s)
"$NVCC" -O3 -std=c++17 -arch=${CUDA_ARCH:-sm_90} -x cu -I native "${SRC[@]}" -o "$OUT/gpu_check" -cudart static
echo "gpu_check built in $(( $(date +%s) - t0 )) s" >&2
IMAGES=()
if [ -f .cache/gpu-check/images.txt ]; then
  while read -r f w h; do IMAGES+=(".cache/gpu-check/$f" "$w" "$h"); done < .cache/gpu-check/images.txt
fi
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,memory.total,memory.used,driver_version --format=csv,noheader >&2 || true
fi
exec timeout "${THEVAL_GPU_CHECK_TIMEOUT_S:-400}" "$OUT/gpu_check" .cache/models/face "${IMAGES[@]}"
