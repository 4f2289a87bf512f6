#!/usr/bin/env bash
# Builds the libFuzzer harness over native/decode/* (the addon's own decode sources) with
# clang, ASan and UBSan. Output: fuzz/out/decode_fuzzer (not tracked).
#   bash fuzz/build.sh            # build (skipped when newer than its sources)
# Needs clang and libclang-rt (Debian: clang, libclang-rt-14-dev) and the FFmpeg -dev packages.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/fuzz/out"  # not under build/: a cmake-js --force rebuild empties build/
mkdir -p "$out"
CXX="${CXX_FUZZ:-clang++}"
command -v "$CXX" >/dev/null || { echo "fuzz/build.sh: $CXX not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 3; }

sources=(
  native/decode/ffmpeg_util.cc native/decode/ffmpeg_log.cc native/decode/video_decoder.cc
  native/decode/audio_decoder.cc native/decode/rotate.cc native/decode/yuv420_rgb24.cc native/decode/nvdec.cc
)
bin="$out/decode_fuzzer"
newest=$(cd "$root" && ls -t "${sources[@]}" native/decode/*.h fuzz/decode_fuzzer.cc fuzz/build.sh | head -1)
if [ -x "$bin" ] && [ "$bin" -nt "$root/$newest" ]; then exit 0; fi

# errors.h (theval::Error) includes napi.h; only the header-only Error class is used here.
incs=(-I"$root/native" -I"$root/node_modules/node-addon-api" -I"$root/node_modules/node-api-headers/include")
libs=$(pkg-config --cflags --libs libavformat libavcodec libswscale libswresample libavutil)
(cd "$root" && "$CXX" -std=c++17 -O1 -g -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -DNAPI_VERSION=8 -DNAPI_DISABLE_CPP_EXCEPTIONS=0 -DNODE_ADDON_API_CPP_EXCEPTIONS \
  "${incs[@]}" "${sources[@]}" fuzz/decode_fuzzer.cc $libs -o "$bin.tmp")
mv "$bin.tmp" "$bin"
echo "$bin"
