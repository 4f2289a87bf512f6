#!/usr/bin/env bash
# Grey test images for the device harness (needs ffmpeg; run on a CPU machine).
set -euo pipefail
D=.cache/gpu-check
mkdir -p "$D"
: > "$D/images.txt"
for spec in "grace_hopper_512x512.jpg 512 512" "astronaut.png 512 512" "grace_hopper_512x512.jpg 301 257"; do
  set -- $spec
  name="${1%.*}_${2}x${3}.gray"
  ffmpeg -v error -y -i "samples/faces/$1" -vf "scale=$2:$3" -frames:v 1 -f rawvideo -pix_fmt gray "$D/$name"
  echo "$name $2 $3" >> "$D/images.txt"
done
