"""Test oracle: OpenCV's own Python BRISQUE (Debian python3-opencv) on raw RGB24 files.

usage: python3 brisque_oracle.py score JOBS.json  -> prints a JSON list of scores
       python3 brisque_oracle.py jpeg IN.raw W H QUALITY OUT.raw  (JPEG round trip)

Each job: {"file", "width", "height", "index" (frame in the file), "box": [x0,y0,x1,y1] | null,
"mode": "bgr" | "gray", "resize": [w,h] | null}. "bgr": the (cropped) image is given to
QualityBRISQUE_compute as a BGR image (OpenCV converts it to grey itself). "gray": the
crop is converted with COLOR_BGR2GRAY, resized (INTER_AREA when shrinking, else
INTER_LINEAR), and the grey image is scored.
"""
import json
import sys

import cv2
import numpy as np

MODEL = "/usr/share/opencv4/quality/brisque_model_live.yml"
RANGE = "/usr/share/opencv4/quality/brisque_range_live.yml"


def frame(job):
    w, h, i = job["width"], job["height"], job.get("index", 0)
    n = w * h * 3
    data = np.fromfile(job["file"], dtype=np.uint8, count=n, offset=i * n)
    return data.reshape(h, w, 3)[:, :, ::-1].copy()  # RGB -> BGR


def score(job):
    img = frame(job)
    if job.get("box"):
        x0, y0, x1, y1 = job["box"]
        img = img[y0:y1, x0:x1].copy()
    if job.get("mode", "bgr") == "gray":
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        if job.get("resize"):
            w, h = job["resize"]
            shrink = w <= img.shape[1] and h <= img.shape[0]
            img = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    elif job.get("resize"):
        raise SystemExit("resize needs mode gray")
    return float(cv2.quality.QualityBRISQUE_compute(img, MODEL, RANGE)[0])


def main():
    if sys.argv[1] == "score":
        with open(sys.argv[2]) as f:
            jobs = json.load(f)
        print(json.dumps([score(j) for j in jobs]))
    elif sys.argv[1] == "jpeg":
        src, w, h, q, dst = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
        img = np.fromfile(src, dtype=np.uint8).reshape(h, w, 3)
        ok, enc = cv2.imencode(".jpg", img[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, q])
        assert ok
        dec = cv2.imdecode(enc, cv2.IMREAD_COLOR)[:, :, ::-1]
        np.ascontiguousarray(dec).tofile(dst)
    else:
        raise SystemExit("unknown command " + sys.argv[1])


main()
