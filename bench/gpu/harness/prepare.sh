#!/usr/bin/env bash
# Test images for the device harness (needs ffmpeg; run on a CPU machine): BRISQUE's grey
# images, and one H.264-decoded 512x512 frame as yuv420p (YUV -> RGB24 kernel) and rgb24
# (crop kernel).
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
ffmpeg -v error -y -i samples/faces/astronaut.png -vf scale=512:512 -frames:v 1 -c:v libx264 -pix_fmt yuv420p "$D/frame_512x512.mp4"
ffmpeg -v error -y -i "$D/frame_512x512.mp4" -f rawvideo -pix_fmt yuv420p "$D/frame_512x512.yuv"
ffmpeg -v error -y -i "$D/frame_512x512.mp4" -f rawvideo -pix_fmt rgb24 "$D/frame_512x512.rgb"
rm -f "$D/frame_512x512.mp4"
echo "frame_512x512.yuv 512 512" >> "$D/images.txt"
echo "frame_512x512.rgb 512 512" >> "$D/images.txt"
