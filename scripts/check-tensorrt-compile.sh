#!/usr/bin/env bash
# Compiles the TensorRT backend (native/infer/tensorrt/*.cc) against a folder of TensorRT
# headers, without TensorRT's libraries: object files only, nothing linked or run. This is
# how the backend was checked on machines without TensorRT (docs/gpu.md says which versions).
#   TENSORRT_INCLUDE=/path/to/TensorRT/include bash scripts/check-tensorrt-compile.sh
# The folder must hold NvInfer.h and NvOnnxParser.h (in TensorRT's source tree both are in
# include/). CUDA's headers come from $CUDA_HOME/include (default /usr/local/cuda).
# TensorRT's headers are -isystem (their own deprecation warnings are not ours); our files
# compile with -Werror. Prints the TensorRT version it compiled against; exit 0 when every file compiled.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${TENSORRT_INCLUDE:?set TENSORRT_INCLUDE to a folder holding NvInfer.h and NvOnnxParser.h}"
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
CXX=${CXX:-g++}
for h in NvInfer.h NvOnnxParser.h NvInferVersion.h; do
  [ -f "$TENSORRT_INCLUDE/$h" ] || { echo "check-tensorrt-compile: $TENSORRT_INCLUDE/$h not found" >&2; exit 2; }
done
[ -f "$CUDA_HOME/include/cuda_runtime_api.h" ] || { echo "check-tensorrt-compile: no CUDA headers in $CUDA_HOME/include" >&2; exit 2; }
version=$(printf '#include <NvInferVersion.h>\nNV_TENSORRT_MAJOR.NV_TENSORRT_MINOR.NV_TENSORRT_PATCH\n' |
  "$CXX" -E -P -I "$TENSORRT_INCLUDE" -x c++ - | tail -n 1 | tr -d ' ')
out=${TMPDIR:-/tmp}/theval-tensorrt-check
mkdir -p "$out"
napi=$(node -p "require('node-addon-api').include_dir" 2>/dev/null || echo node_modules/node-addon-api)
INC=(-I native -isystem "$TENSORRT_INCLUDE" -isystem "$CUDA_HOME/include" -I node_modules/node-api-headers/include -I "$napi")
for src in native/infer/tensorrt/*.cc; do
  "$CXX" -std=c++17 -O1 -Wall -Wextra -Wno-unused-parameter -Werror -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS \
    -DNODE_ADDON_API_DISABLE_DEPRECATED "${INC[@]}" -c "$src" -o "$out/$(basename "$src" .cc).o"
  echo "compiled $src"
done
echo "check-tensorrt-compile: OK against TensorRT $version headers ($TENSORRT_INCLUDE); compiled only, not linked or run"
