"""Bilinear crop oracle in numpy float32: the landmark models' input tensor as docs/parity.md
defines it (pixel-centre convention). Positions in float64: sx = (m1*y + m2) + m0*x; weights
in float32 from the fractional parts; taps outside the frame clamped ('replicate') or zero
('zero'); value = (((w00*p00 + w01*p01) + w10*p10) + w11*p11) * scale + offset, every
operation rounded to float32 as numpy does.

usage: crop_tensor_oracle.py RGB_FILE W H MAP(6 comma-separated) SIZE RANGE_MIN RANGE_MAX BORDER OUT_FILE
"""
import sys
import numpy as np

rgb_file, W, H, m, size, lo, hi, border, out = sys.argv[1:10]
W, H, size = int(W), int(H), int(size)
m = [float(v) for v in m.split(',')]
img = np.fromfile(rgb_file, dtype=np.uint8).reshape(H, W, 3)
y, x = np.meshgrid(np.arange(size, dtype=np.float64), np.arange(size, dtype=np.float64), indexing='ij')
sx = (m[1] * y + m[2]) + m[0] * x
sy = (m[4] * y + m[5]) + m[3] * x
fx, fy = np.floor(sx), np.floor(sy)
ax, ay = (sx - fx).astype(np.float32), (sy - fy).astype(np.float32)
x0, y0 = fx.astype(np.int64), fy.astype(np.int64)
one = np.float32(1)
w = [(one - ax) * (one - ay), ax * (one - ay), (one - ax) * ay, ax * ay]
taps = []
for k, (dx, dy) in enumerate([(0, 0), (1, 0), (0, 1), (1, 1)]):
    px, py = x0 + dx, y0 + dy
    inside = (px >= 0) & (px < W) & (py >= 0) & (py < H)
    v = img[np.clip(py, 0, H - 1), np.clip(px, 0, W - 1)].astype(np.float32)
    if border == 'zero':
        v[~inside] = 0
    taps.append(v)
acc = w[0][..., None] * taps[0]
for k in range(1, 4):
    acc = acc + w[k][..., None] * taps[k]
scale = np.float32((np.float32(hi) - np.float32(lo)) / np.float32(255))
offset = np.float32(np.float32(lo) - np.float32(0) * scale)
res = (acc * scale + offset).astype(np.float32)
res.tofile(out)
