"""The reference's OpenCV reader against ffmpeg's own decode (bench/reference-readers.ts).

For each file given: every frame read in order by cv2.VideoCapture (OpenCV's FFmpeg
backend, BGR -> RGB), the same file decoded by the ffmpeg CLI to rgb24 in decode order (what
theval's decoder equals, docs/decode.md), and every frame read again after
cap.set(CAP_PROP_POS_FRAMES, i), in order and in a shuffled order (how a script that seeks
frame by frame reads). Prints one JSON object per file.
"""
import json
import random
import subprocess
import sys

import cv2
import numpy as np


def ffmpeg_rgb(path, w, h):
    raw = subprocess.run(
        ['ffmpeg', '-v', 'error', '-i', path, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
        check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def check(path):
    cap = cv2.VideoCapture(path)
    frames = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    cap.release()
    out = {'file': path, 'cv2Frames': len(frames)}
    if not frames:
        return out
    h, w = frames[0].shape[:2]
    try:
        ref = ffmpeg_rgb(path, w, h)
    except Exception as e:  # e.g. a rotated file: cv2 turns it, the CLI decode too, sizes may differ
        out['ffmpegError'] = str(e)[:200]
        return out
    out['ffmpegFrames'] = len(ref)
    n = min(len(frames), len(ref))
    diffs = [np.abs(frames[i].astype(np.int16) - ref[i].astype(np.int16)) for i in range(n)]
    out['framesDiffering'] = int(sum(1 for d in diffs if d.any()))
    out['maxAbs'] = int(max(int(d.max()) for d in diffs)) if diffs else 0
    out['meanAbs'] = float(np.mean([d.mean() for d in diffs])) if diffs else 0.0
    for mode in ('forward', 'shuffled'):
        idx = list(range(len(frames)))
        if mode == 'shuffled':
            random.Random(1).shuffle(idx)
        cap = cv2.VideoCapture(path)
        bad = 0
        for i in idx:
            cap.set(cv2.CAP_PROP_POS_FRAMES, i)
            ok, bgr = cap.read()
            if not ok or not np.array_equal(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), frames[i]):
                bad += 1
        cap.release()
        out[f'seek_{mode}_mismatch'] = bad
    return out


if __name__ == '__main__':
    print(json.dumps({'opencv': cv2.__version__}), flush=True)
    for p in sys.argv[1:]:
        print(json.dumps(check(p)), flush=True)
