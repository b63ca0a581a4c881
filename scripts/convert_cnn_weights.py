#!/usr/bin/python3
"""Converts the study's front-end CNN weights from text to HDF5.

The weights of the video CNN of Zhu et al. (2026) come from the public
repository C16Mftang/front-end-CNN (MIT License, Copyright (c) 2021 Mufeng
Tang); shared/data/front-end-cnn holds them as one text file per variable.
This script writes each model as one HDF5 file that eisnn reads
(src/task/cnn.cpp), with the shapes of the Keras layout and a checksum:

    conv3d/kernel   (6, 3, 6, 3, 8)  t, h, w, in, out
    conv3d/bias     (8,)
    conv2d_1/kernel (3, 6, 8, 16)    h, w, in, out
    conv2d_1/bias   (16,)
    conv2d_2/kernel (3, 6, 16, 16)
    conv2d_2/bias   (16,)
    dense_x/kernel, dense_x/bias, dense_y/kernel, dense_y/bias  (training heads, unused)

Root attributes: source, license, model, checksum_fnv1a64 (FNV-1a 64 over the
float32 little-endian bytes of the six conv arrays in the order above, as a
16-digit hex string).

Usage: /usr/bin/python3 scripts/convert_cnn_weights.py SRC_DIR OUT_DIR
       (defaults: /work/shared/data/front-end-cnn and data/front-end-cnn)
"""
import json
import pathlib
import sys

import h5py
import numpy as np

LAYERS = [
    ("conv3d", "layer_with_weights-0", (6, 3, 6, 3, 8), 8),
    ("conv2d_1", "layer_with_weights-1", (3, 6, 8, 16), 16),
    ("conv2d_2", "layer_with_weights-2", (3, 6, 16, 16), 16),
    ("dense_x", "layer_with_weights-3", (960, 1), 1),
    ("dense_y", "layer_with_weights-4", (960, 1), 1),
]
CHECKED = ["conv3d", "conv2d_1", "conv2d_2"]


def fnv1a64(chunks):
    h = 0xCBF29CE484222325
    for data in chunks:
        for b in data:
            h ^= b
            h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def read_variable(folder, index, name, shape):
    key = f"{name}/.ATTRIBUTES/VARIABLE_VALUE"
    entry = index[key]
    if tuple(entry["shape"]) != tuple(shape):
        sys.exit(f"{folder}: {key} has shape {entry['shape']}, expected {list(shape)}")
    values = np.loadtxt(folder / entry["file"], comments="#", dtype=np.float64)
    return values.astype(np.float32).reshape(shape)


def convert(folder, out_path, model):
    index = json.loads((folder / "index.json").read_text())
    arrays = {}
    for ours, theirs, kshape, n_out in LAYERS:
        arrays[f"{ours}/kernel"] = read_variable(folder, index, f"{theirs}/kernel", kshape)
        arrays[f"{ours}/bias"] = read_variable(folder, index, f"{theirs}/bias", (n_out,))

    chunks = []
    for layer in CHECKED:
        for part in ("kernel", "bias"):
            chunks.append(arrays[f"{layer}/{part}"].astype("<f4").tobytes())
    checksum = f"{fnv1a64(chunks):016x}"

    with h5py.File(out_path, "w") as f:
        for name, a in arrays.items():
            f.create_dataset(name, data=a)
        f.attrs["model"] = model
        f.attrs["source"] = "C16Mftang/front-end-CNN, models/" + model + " (TensorFlow checkpoint)"
        f.attrs["license"] = "MIT License, Copyright (c) 2021 Mufeng Tang"
        f.attrs["checksum_fnv1a64"] = checksum
    return checksum


def main():
    src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/front-end-cnn")
    out = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else "data/front-end-cnn")
    out.mkdir(parents=True, exist_ok=True)
    for model in ("ch_model6", "ch_model4"):
        checksum = convert(src / model, out / f"{model}.h5", model)
        print(f"{out / (model + '.h5')}: checksum {checksum}")


if __name__ == "__main__":
    main()
