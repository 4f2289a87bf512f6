#!/usr/bin/env bash
# Proves the root-less install (docs/cluster.md): in a clean Debian 12 root filesystem made
# with debootstrap (no compiler, no FFmpeg, no OpenCV; only Node.js copied in), a plain user
# runs `npm install` on theval's packed tarball (prebuilt addon with its bundled libraries)
# and evaluates the sample clips; the leaderboard must equal the one this checkout computes.
#
# Run as root on Debian 12 (debootstrap and chroot need it; everything inside runs as the
# user `lab`). Needs: debootstrap, patchelf, the npm registry, Debian's archive. Takes about
# 10-20 minutes (debootstrap 3-5, npm pack 1, the two sample evaluations most of the rest).
#   THEVAL_NOROOT_DIR  work folder (default $TMPDIR/theval-noroot; the root fs is kept for reruns)
#   DEBIAN_MIRROR      default http://deb.debian.org/debian
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
WORK=${THEVAL_NOROOT_DIR:-${TMPDIR:-/tmp}/theval-noroot}
ROOTFS=$WORK/rootfs
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
log() { printf 'check-install-noroot: %s\n' "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot); the install itself runs as a plain user"
for c in debootstrap patchelf chroot npm node; do command -v "$c" >/dev/null || die "$c not found (apt-get install debootstrap patchelf)"; done
mkdir -p "$WORK"

# --- 1. the prebuilt addon with its libraries, dist/, the tarball -----------------------
addon=prebuilds/linux-x64/theval.node
if [ ! -f "$addon" ] || [ -n "$(find native CMakeLists.txt -newer "$addon" -print -quit)" ]; then
  log "prebuildify (cmake-js)"; npm run prebuild >&2
fi
if [ ! -f prebuilds/linux-x64/BUNDLE.json ] || [ "$addon" -nt prebuilds/linux-x64/BUNDLE.json ]; then
  log "bundling the addon's libraries"; node scripts/bundle-prebuild.mjs
fi
npx tsc -p tsconfig.build.json
rm -f "$WORK"/theval-*.tgz
log "npm pack"
tarball=$WORK/$(npm pack --pack-destination "$WORK" 2>/dev/null | tail -1)
[ -f "$tarball" ] || die "npm pack made no tarball"
log "tarball $(du -h "$tarball" | cut -f1) ($tarball); bundle: $(node -e "const b=require('./prebuilds/linux-x64/BUNDLE.json'); console.log(b.libraries+' libraries, '+(b.bytes/1e6).toFixed(0)+' MB unpacked, glibc >= '+b.glibc+', GLIBCXX >= '+b.glibcxx)")"

# --- 2. a clean Debian 12 with only Node.js added -------------------------------------
if [ ! -f "$ROOTFS/etc/debian_version" ]; then
  log "debootstrap bookworm (minbase) into $ROOTFS"
  debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || die "debootstrap: see $WORK/debootstrap.log"
fi
found=$(chroot "$ROOTFS" sh -c 'ls /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu 2>/dev/null | grep -E "^lib(avcodec|avformat|swscale|opencv_)" ; command -v cc gcc g++ cmake pkg-config ffmpeg' || true)
[ -z "$found" ] || die "the root fs is not clean: $found"
install -D -m 755 "$(readlink -f "$(command -v node)")" "$ROOTFS/usr/local/bin/node"
rm -rf "$ROOTFS/usr/local/lib/node_modules/npm"
mkdir -p "$ROOTFS/usr/local/lib/node_modules"
cp -a "$(npm root -g)/npm" "$ROOTFS/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
# The site's network, not theval: where the registry is reached through a TLS-inspecting
# proxy, this machine trusts its CA (npm's cafile / NODE_EXTRA_CA_CERTS); so must the user.
site_ca=$(npm config get cafile 2>/dev/null || true)
[ -n "$site_ca" ] && [ "$site_ca" != null ] && [ -f "$site_ca" ] || site_ca=${NODE_EXTRA_CA_CERTS:-}
ca_env=()
if [ -n "$site_ca" ] && [ -f "$site_ca" ]; then
  install -D -m 644 "$site_ca" "$ROOTFS/usr/local/share/site-ca/ca.crt"
  ca_env=(npm_config_cafile=/usr/local/share/site-ca/ca.crt NODE_EXTRA_CA_CERTS=/usr/local/share/site-ca/ca.crt)
  log "the site's CA bundle ($site_ca) is given to the user's npm (network set-up, as on this machine)"
fi
chroot "$ROOTFS" id lab >/dev/null 2>&1 || chroot "$ROOTFS" useradd -m -s /bin/bash lab
log "root fs: Debian $(cat "$ROOTFS/etc/debian_version"), glibc $(chroot "$ROOTFS" ldd --version | head -1 | awk '{print $NF}'), node $(chroot "$ROOTFS" /usr/local/bin/node --version), no FFmpeg/OpenCV/compiler"

# --- 3. the sample clips (made here: they need espeak-ng and ffmpeg, which are not theval) --
node bin/theval.js samples --out "$WORK/sample" >/dev/null
# Fresh outputs on both sides: nothing is reused from an earlier check.
rm -rf "$ROOTFS/home/lab/sample" "$ROOTFS/home/lab/app" "$ROOTFS/home/lab/theval.tgz" "$ROOTFS/home/lab/sample-out" "$WORK/host-out"
cp -r "$WORK/sample" "$ROOTFS/home/lab/sample"
cp "$tarball" "$ROOTFS/home/lab/theval.tgz"
chroot "$ROOTFS" chown -R lab:lab /home/lab

# --- 4. as the user: npm install, then the sample evaluation -----------------------------
mountpoint -q "$ROOTFS/proc" || mount -t proc proc "$ROOTFS/proc"
trap 'umount "$ROOTFS/proc" 2>/dev/null || true' EXIT
registry=$(npm config get registry)
log "as user lab: npm install theval.tgz, then the sample evaluation"
chroot --userspec=lab:lab "$ROOTFS" env -i HOME=/home/lab USER=lab PATH=/usr/local/bin:/usr/bin:/bin \
  npm_config_registry="$registry" npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false "${ca_env[@]}" \
  bash -euo pipefail -c '
    cd ~ && mkdir app && cd app
    npm init -y >/dev/null
    # onnxruntime-node (the VAD runtime; CPU) would fetch its CUDA provider from nuget.org,
    # which theval does not use and this network does not reach.
    ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund ../theval.tgz
    test ! -e node_modules/theval/build || { echo "theval was built from source"; exit 1; }
    npx theval probe ../sample/gt/clip1.mp4
    time npx theval leaderboard --gt ../sample/gt ../sample/static_mouth ../sample/shifted_audio ../sample/still_head --out ../sample-out
  ' 2>&1 | tee "$WORK/inside.log"
[ -f "$ROOTFS/home/lab/sample-out/aggregate.csv" ] || die "no aggregate.csv from the run inside"

# --- 5. the same evaluation here (this checkout's build): the numbers must agree ----------
log "the same sample evaluation in this checkout"
node bin/theval.js leaderboard --gt "$WORK/sample/gt" "$WORK/sample/static_mouth" "$WORK/sample/shifted_audio" "$WORK/sample/still_head" --out "$WORK/host-out" -q >"$WORK/host.log" 2>&1
if cmp -s "$ROOTFS/home/lab/sample-out/aggregate.csv" "$WORK/host-out/aggregate.csv"; then
  log "OK: the aggregate table from the root-less install equals this checkout's, byte for byte"
else
  diff "$ROOTFS/home/lab/sample-out/aggregate.csv" "$WORK/host-out/aggregate.csv" >&2 || true
  die "the aggregate tables differ"
fi
