#!/usr/bin/python3
"""Independent numpy forward pass of the study's front-end CNN (reference for tests).

Written from the architecture in SPEC §3 / channel_CNN.py of C16Mftang/front-end-CNN,
not from eisnn's C++: the clip is expanded to three equal RGB channels and every
layer is computed directly in float64 (tanh, then pooling, as Keras does).

Usage: /usr/bin/python3 python/reference/cnn_numpy.py WEIGHTS.h5 CLIP.h5 OUT.h5
  CLIP.h5: dataset 'frames' uint8 [T, H, W] (T multiple of 4)
  OUT.h5:  'stage1' [T/4, H/2, W/2, 8], 'stage2' [T/4, H/4, W/4, 16],
           'stage3' [T/4, H/8, W/8, 16], 'out' [T/4, 16]
"""
import sys

import h5py
import numpy as np


def same_pad(k):
    """TensorFlow SAME padding for stride 1: (k-1)//2 before, the rest after."""
    return ((k - 1) // 2, k - 1 - (k - 1) // 2)


def conv(x, kernel, bias):
    """N-d cross-correlation with SAME padding. x [..spatial.., cin], kernel [..k.., cin, cout]."""
    ks = kernel.shape[:-2]
    pads = [same_pad(k) for k in ks] + [(0, 0)]
    xp = np.pad(x, pads)
    out = np.zeros(x.shape[:-1] + (kernel.shape[-1],))
    for offset in np.ndindex(*ks):
        window = xp[tuple(slice(o, o + n) for o, n in zip(offset, x.shape[:-1]))]
        out += window @ kernel[offset]
    return out + bias


def max_pool(x, pool):
    """VALID max pooling with stride = pool size over the leading axes."""
    shape = [n // p for n, p in zip(x.shape, pool)]
    x = x[tuple(slice(0, n * p) for n, p in zip(shape, pool))]
    new_shape = []
    for n, p in zip(shape, pool):
        new_shape += [n, p]
    x = x.reshape(new_shape + [x.shape[-1]])
    return x.max(axis=tuple(range(1, 2 * len(pool), 2)))


def forward(weights, frames):
    rgb = np.repeat(frames.astype(np.float64)[..., None], 3, axis=-1)  # [T, H, W, 3]
    k3 = weights["conv3d/kernel"][()].astype(np.float64)
    h = np.tanh(conv(rgb, k3, weights["conv3d/bias"][()]))
    s1 = max_pool(h, (4, 2, 2))  # [T/4, H/2, W/2, 8]
    s2 = []
    s3 = []
    for img in s1:  # each pooled step is one image for the 2-d layers
        a = np.tanh(conv(img, weights["conv2d_1/kernel"][()].astype(np.float64),
                         weights["conv2d_1/bias"][()]))
        a = max_pool(a, (2, 2))
        b = np.tanh(conv(a, weights["conv2d_2/kernel"][()].astype(np.float64),
                         weights["conv2d_2/bias"][()]))
        b = max_pool(b, (2, 2))
        s2.append(a)
        s3.append(b)
    s2 = np.array(s2)
    s3 = np.array(s3)
    out = s3.mean(axis=(1, 2))
    return s1, s2, s3, out


def main():
    weights_path, clip_path, out_path = sys.argv[1:4]
    with h5py.File(weights_path, "r") as w, h5py.File(clip_path, "r") as c:
        s1, s2, s3, out = forward(w, c["frames"][()])
    with h5py.File(out_path, "w") as f:
        f["stage1"] = s1
        f["stage2"] = s2
        f["stage3"] = s3
        f["out"] = out


if __name__ == "__main__":
    main()
