"""Runs an ONNX file with OpenCV's dnn module (the one the C++ side links).

usage: opencv_dnn_run.py MODEL.onnx INPUT.f32 D0,D1,... OUTDIR
Reads the float32 little-endian input, writes OUTDIR/<output name>.f32 for each
unconnected output and OUTDIR/outputs.json with names and shapes.
"""
import json
import os
import sys

import cv2
import numpy as np

model, input_path, shape, outdir = sys.argv[1:5]
cv2.setNumThreads(1)
net = cv2.dnn.readNetFromONNX(model)
x = np.fromfile(input_path, dtype="<f4").reshape([int(d) for d in shape.split(",")])
net.setInput(x)
names = list(net.getUnconnectedOutLayersNames())
outs = net.forward(names)
info = []
for name, out in zip(names, outs):
    out = np.ascontiguousarray(out, dtype="<f4")
    out.tofile(os.path.join(outdir, name + ".f32"))
    info.append({"name": name, "shape": list(out.shape)})
json.dump({"opencv": cv2.__version__, "outputs": info}, open(os.path.join(outdir, "outputs.json"), "w"))
