#!/usr/bin/env bash
# Writes the fuzzer's seed corpus: small clips made by ffmpeg (nothing is downloaded or
# tracked). H.264 / HEVC / VP9 / MPEG-4 video in mp4 / mkv / webm / ts, AAC / Opus / PCM
# audio, plus rotation metadata, odd sizes and pixel formats the decoder handles specially.
#   bash fuzz/make_corpus.sh DIR
set -euo pipefail
dir="${1:?usage: make_corpus.sh DIR}"
mkdir -p "$dir"
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
# 6 frames of 48x32 test pattern and 0.25 s of tone: small inputs keep executions fast.
v="testsrc2=size=48x32:rate=24:duration=0.25"
a="sine=frequency=440:sample_rate=16000:duration=0.25"
# One retry: ffmpeg 5.1 aborted once here (heap check in its allocator) on the same command.
mk() { local name="$1"; shift; [ -s "$dir/$name" ] || ff "$@" "$dir/$name" || ff "$@" "$dir/$name"; }
mk h264_aac.mp4   -f lavfi -i "$v" -f lavfi -i "$a" -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -b:a 24k -shortest
mk hevc_aac.mkv   -f lavfi -i "$v" -f lavfi -i "$a" -c:v libx265 -preset ultrafast -x265-params log-level=none -pix_fmt yuv420p -c:a aac -b:a 24k -shortest
mk vp9_opus.webm  -f lavfi -i "$v" -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=0.25" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -c:a libopus -b:a 16k -shortest
mk mpeg4_pcm.mkv  -f lavfi -i "$v" -f lavfi -i "$a" -c:v mpeg4 -q:v 5 -c:a pcm_s16le -shortest
mk h264_aac.ts    -f lavfi -i "$v" -f lavfi -i "$a" -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -b:a 24k -shortest
mk mpeg4_aac.mp4  -f lavfi -i "$v" -f lavfi -i "$a" -c:v mpeg4 -q:v 5 -c:a aac -b:a 24k -shortest
mk h264_rot90.mp4 -f lavfi -i "$v" -c:v libx264 -preset ultrafast -pix_fmt yuv420p -metadata:s:v:0 rotate=90
mk h264_odd.mp4   -f lavfi -i "testsrc2=size=37x23:rate=7:duration=0.5" -c:v libx264 -preset ultrafast -pix_fmt yuv444p
mk h264_10bit.mkv -f lavfi -i "$v" -c:v libx264 -preset ultrafast -pix_fmt yuv420p10le
mk vp9_gray.webm  -f lavfi -i "$v" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -pix_fmt yuv420p -vf format=gray,format=yuv420p
mk aac_only.m4a   -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=0.25" -ac 2 -c:a aac -b:a 32k
mk opus_only.ogg  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=0.25" -c:a libopus -b:a 16k
mk pcm_51.wav     -f lavfi -i "sine=frequency=440:sample_rate=8000:duration=0.25" -af "pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0" -c:a pcm_s16le
mk mjpeg.avi      -f lavfi -i "$v" -c:v mjpeg -q:v 8
ls "$dir" | wc -l
